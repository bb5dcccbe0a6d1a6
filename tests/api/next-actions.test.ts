/**
 * Next-best-action on the demo bank: suggestions read as the caller may see the customer, the
 * product offer's reason is the bank-wide co-occurrence SQL computes, a KYC renewal when due, accepting
 * plans an interaction and keeps the decision (not offered again), dismissing needs a reason, and
 * another team's customer is not found.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { as } from '../harness/http.js';
import { withClient } from '../harness/db.js';

type Client = Awaited<ReturnType<typeof as>>;
let srv: TestServer;
let rm: Client, compliance: Client;
let mine = '';
let notMine = '';
/** A customer of rm's flagged with the churn rule tag (set by the retention test). */
let atRisk = '';
const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => withClient(srv.dbUrl, async (c) => (await c.query<T>(text, params)).rows);

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '200' }, timeoutMs: 150000 });
  [rm, compliance] = await Promise.all([as(srv.baseUrl, 'rm'), as(srv.baseUrl, 'compliance')]);
  // One of rm's customers holding something, and a customer rm may not read.
  const page = await rm.post('/api/records/customer/query', { filter: {}, limit: 200 });
  const ids = page.body.items.map((c: { id: string }) => c.id);
  const holders = await sql<{ id: string }>(`SELECT DISTINCT customer::text AS id FROM crm_data.holding WHERE deleted_at IS NULL AND status IS DISTINCT FROM 'closed' AND customer = ANY($1::uuid[]) ORDER BY 1`, [ids]);
  mine = holders[0]!.id;
  notMine = (await sql<{ id: string }>(`SELECT id::text AS id FROM crm_data.customer WHERE deleted_at IS NULL AND NOT (id = ANY($1::uuid[])) LIMIT 1`, [ids]))[0]!.id;
  expect((await rm.get(`/api/records/customer/${notMine}`)).status).toBe(404);
}, 180000);
afterAll(async () => {
  await srv?.stop();
});

describe('next best actions', () => {
  it('offers the product category most held next, with the co-occurrence SQL computes as its reason', async () => {
    const r = await rm.get(`/api/customers/${mine}/next-actions`);
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeGreaterThan(0);
    expect(r.body.items.length).toBeLessThanOrEqual(3);
    const scores = r.body.items.map((a: { score: number }) => a.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    // The same figure straight from the holdings: P(B | A) = customers holding A and B / customers holding A.
    const pairs = await sql<{ a: string; b: string; n: number }>(`WITH held AS (SELECT DISTINCT customer, category::text AS item FROM crm_data.holding WHERE deleted_at IS NULL AND category IS NOT NULL AND status IS DISTINCT FROM 'closed')
      SELECT x.item AS a, y.item AS b, count(*)::int AS n FROM held x JOIN held y ON y.customer = x.customer GROUP BY 1, 2`);
    const own = new Set((await sql<{ c: string }>(`SELECT DISTINCT category::text AS c FROM crm_data.holding WHERE customer = $1::uuid AND deleted_at IS NULL AND status IS DISTINCT FROM 'closed'`, [mine])).map((x) => x.c));
    let best: { b: string; p: number } | null = null;
    for (const a of own) {
      const base = pairs.find((x) => x.a === a && x.b === a)?.n ?? 0;
      if (base < 5) continue;
      for (const x of pairs.filter((y) => y.a === a && !own.has(y.b))) if (!best || x.n / base > best.p || (x.n / base === best.p && x.b < best.b)) best = { b: x.b, p: x.n / base };
    }
    const offer = r.body.items.find((a: { kind: string }) => a.kind === 'product_offer');
    if (best) {
      // It is offered unless three stronger suggestions fill the list.
      if (offer || r.body.items.length < 3) {
        expect(offer).toMatchObject({ id: `product_offer.${best.b}`, score: Math.round(best.p * 10000) / 10000 });
        expect(offer.reason).toMatch(new RegExp(`也持有`));
      }
    } else expect(offer).toBeUndefined();
  });

  it('suggests a KYC renewal once the review is overdue, and accepting plans an interaction and is remembered', async () => {
    await sql(`UPDATE crm_data.customer SET kyc_next_review = current_date - 10 WHERE id = $1::uuid`, [mine]);
    const before = await rm.get(`/api/customers/${mine}/next-actions`);
    const kyc = before.body.items.find((a: { id: string }) => a.id === 'kyc_renewal.review');
    expect(kyc).toMatchObject({ kind: 'kyc_renewal', title: '更新客户尽职调查', score: 0.9 });
    expect(kyc.reason).toMatch(/KYC 复核已逾期 1[01] 天/);
    const accepted = await rm.post(`/api/customers/${mine}/next-actions/kyc_renewal.review/accept`, {});
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: 'accepted', action: { id: 'kyc_renewal.review' } });
    const planned = await rm.get(`/api/records/interaction/${accepted.body.interactionId}`);
    expect(planned.body).toMatchObject({ customer: mine, subject: '更新客户尽职调查', kind: 'visit' });
    const kept = await rm.get(`/api/records/next_action/${accepted.body.decisionId}`);
    expect(kept.body).toMatchObject({ customer: mine, suggestion: 'kyc_renewal.review', status: 'accepted', kind: 'kyc_renewal' });
    const after = await rm.get(`/api/customers/${mine}/next-actions`);
    expect(after.body.items.map((a: { id: string }) => a.id)).not.toContain('kyc_renewal.review');
    // Deciding again is a 404: it is no longer offered.
    expect((await rm.post(`/api/customers/${mine}/next-actions/kyc_renewal.review/accept`, {})).status).toBe(404);
  });

  it('dismissing needs a reason and keeps it; the decisions are a report', async () => {
    const list = await rm.get(`/api/customers/${mine}/next-actions`);
    const first = list.body.items[0];
    expect(first).toBeDefined();
    const noReason = await rm.post(`/api/customers/${mine}/next-actions/${first.id}/dismiss`, { reason: '  ' });
    expect(noReason.status).toBe(400);
    const ok = await rm.post(`/api/customers/${mine}/next-actions/${first.id}/dismiss`, { reason: '客户近期不考虑' });
    expect(ok.body).toMatchObject({ status: 'dismissed', action: { id: first.id } });
    expect(ok.body.interactionId).toBeUndefined();
    expect((await rm.get(`/api/records/next_action/${ok.body.decisionId}`)).body).toMatchObject({ status: 'dismissed', dismiss_reason: '客户近期不考虑' });
    const report = await compliance.post('/api/reports/bank_next_action_acceptance/run', {});
    expect(report.status).toBe(200);
    const n = (kind: string, status: string) => report.body.rows.find((x: { kind: string; status: string }) => x.kind === kind && x.status === status)?.n;
    expect(n('kyc_renewal', 'accepted')).toBe(1);
    expect(n(first.kind, 'dismissed')).toBe(1);
  });

  it('suggests a retention call for a customer carrying the churn rule tag, quoting the model\'s score', async () => {
    const other = (await sql<{ id: string }>(`SELECT customer::text AS id FROM crm_data.holding WHERE customer <> $1::uuid AND customer = ANY(
      SELECT (jsonb_array_elements_text($2::jsonb))::uuid) LIMIT 1`, [mine, JSON.stringify((await rm.post('/api/records/customer/query', { filter: {}, limit: 200 })).body.items.map((c: { id: string }) => c.id))]))[0]!.id;
    const before = await rm.get(`/api/customers/${other}/next-actions`);
    expect(before.body.items.map((a: { kind: string }) => a.kind)).not.toContain('retention_call');
    // The score alone does not: the pack's rule tag (its threshold is in the tag's rule) does.
    await sql(`UPDATE crm_data.customer SET churn_score = 0.7200 WHERE id = $1::uuid`, [other]);
    expect((await rm.get(`/api/customers/${other}/next-actions`)).body.items.map((a: { kind: string }) => a.kind)).not.toContain('retention_call');
    await sql(`UPDATE crm_data.customer SET rule_tags = array_append(coalesce(rule_tags, '{}'), 'churn_risk') WHERE id = $1::uuid`, [other]);
    atRisk = other;
    const after = await rm.get(`/api/customers/${other}/next-actions`);
    expect(after.body.items[0]).toEqual({ id: 'retention_call.churn', kind: 'retention_call', title: '客户挽留回访', reason: '流失风险评分 72%', score: 0.72 });
  });

  it('a user who may read the customer but not record decisions cannot accept, and nothing is written', async () => {
    // Compliance reads every customer but may not create interactions or next_action records.
    const offered = (await compliance.get(`/api/customers/${atRisk}/next-actions`)).body.items;
    expect(offered.length).toBeGreaterThan(0);
    const before = (await sql<{ n: string }>('SELECT count(*)::text AS n FROM crm_data.interaction')).concat(await sql<{ n: string }>('SELECT count(*)::text AS n FROM crm_data.next_action'));
    const r = await compliance.post(`/api/customers/${atRisk}/next-actions/${offered[0].id}/accept`, {});
    expect(r.status).toBe(403);
    const after = (await sql<{ n: string }>('SELECT count(*)::text AS n FROM crm_data.interaction')).concat(await sql<{ n: string }>('SELECT count(*)::text AS n FROM crm_data.next_action'));
    expect(after).toEqual(before);
  });

  it('another team\'s customer, a malformed id and an unknown suggestion are all not found', async () => {
    for (const path of [`/api/customers/${notMine}/next-actions`, '/api/customers/not-a-uuid/next-actions']) {
      expect((await rm.get(path)).status).toBe(404);
    }
    expect((await rm.post(`/api/customers/${notMine}/next-actions/kyc_renewal.review/accept`, {})).status).toBe(404);
    expect((await rm.post(`/api/customers/${mine}/next-actions/retention_call.nope/accept`, {})).body.error.code).toBe('next_actions.not_found');
    expect((await rm.post(`/api/customers/${mine}/next-actions/x/dismiss`, { reason: 'x', extra: 1 })).status).toBe(400);
  });
});
