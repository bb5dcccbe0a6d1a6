/**
 * Campaigns end to end on the bank pack: plan, launch (directly and through the BPMN approval), the
 * contact gates with every exclusion counted, the reproducible control group, the frequency cap
 * across two campaigns, consent withdrawn mid-campaign (queued messages cancelled), customer
 * managers' call tasks and responses within their scope, automatic conversion inside (and not
 * outside) the attribution window, and the funnel with uplift, cost per conversion and ROI; message
 * templates with variables (checked at design time, rendered per member as the planner may read them)
 * and the target refresh, on demand and when due.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { Campaign, CampaignMember } from '@crm/shared';
import { startServer, type TestServer } from '../harness/server.js';
import { as, client, login, refused } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';

type Client = Awaited<ReturnType<typeof as>>;

let srv: TestServer;
let rm: Client, analyst: Client, manager: Client, admin: Client, security: Client, rmHz: Client, teller: Client;
let product: string, otherProduct: string;
const customers: Record<'ok' | 'none' | 'withdrawn' | 'dnd', string[]> = { ok: [], none: [], withdrawn: [], dnd: [] };
const consentOf: Record<string, { id: string; version: number }> = {};
const CITY = '活动测试城';

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => withClient(srv.dbUrl, async (c) => (await c.query(text, params)).rows as T[]);

async function launched(id: string): Promise<Campaign> {
  const answer = await analyst.api.campaigns.launch(id);
  expect(answer).toEqual({ jobId: expect.any(String) });
  const jobId = (answer as { jobId: string }).jobId;
  await until(async () => {
    const j = await analyst.get(`/api/jobs/${jobId}`);
    if (j.body?.status === 'failed') throw new Error(`launch failed: ${JSON.stringify(j.body.error)}`);
    return j.body?.status === 'done';
  }, { ms: 60000, what: 'the launch job' });
  return analyst.api.campaigns.get(id);
}

/** The control group as the documented hash decides it: md5(campaign id ":" customer id), first 32 bits mod 10000 < percent·100. */
function controlByHash(campaignId: string, ids: string[], percent: number): string[] {
  return ids.filter((c) => parseInt(createHash('md5').update(`${campaignId}:${c}`).digest('hex').slice(0, 8), 16) % 10000 < percent * 100).sort();
}

async function allMembers(who: Client, id: string, query: { status?: 'contacted' | 'excluded' | 'planned' | 'responded' | 'converted'; task?: 'open' } = {}) {
  const out: CampaignMember[] = [];
  let cursor: string | undefined;
  do {
    const page = await who.api.campaigns.members(id, { ...query, limit: 7, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_MARKETING_SIMULATOR: '0', CRM_JOBS_POLL_MS: '100', CRM_MARKETING_REFRESH_POLL_MS: '200' }, timeoutMs: 120000 });
  [rm, analyst, manager, admin, security] = await Promise.all(['rm', 'analyst', 'manager', 'admin', 'security'].map((u) => as(srv.baseUrl, u)));
  // The pack's onboarding journey contacts every new customer: these tests count the campaigns' contacts only.
  for (const j of await analyst.api.journeys.list()) await analyst.api.journeys.pause(j.key);
  const units = Object.fromEntries((await admin.api.admin.listOrgUnits()).map((u) => [u.code, u.id]));
  await admin.api.admin.createUser({ username: 'rm_hz', password: 'Demo@2026', displayName: '杭州客户经理', roles: ['rm'], orgUnitId: units['HZ-XH-T1'] });
  rmHz = client(srv.baseUrl, await login(srv.baseUrl, 'rm_hz'));
  // Opening holdings is the core system's (here: a teller role made for the test).
  await security.api.admin.createRole({ key: 'teller_test', name: '开户柜员', permissions: [{ object: 'holding', actions: ['create', 'read'], scope: 'all' }, { object: 'customer', actions: ['read'], scope: 'all' }, { object: 'product', actions: ['read'], scope: 'all' }] });
  await admin.api.admin.createUser({ username: 'teller', password: 'Demo@2026', displayName: '柜员', roles: ['teller_test'], orgUnitId: units['SH-PD'] });
  teller = client(srv.baseUrl, await login(srv.baseUrl, 'teller'));
  const products = (await rm.api.records.query('product', { filter: { code: { $in: ['D-LDC', 'W-GROW'] } }, limit: 5 })).items;
  product = String(products.find((p) => p.code === 'D-LDC')!.id);
  otherProduct = String(products.find((p) => p.code === 'W-GROW')!.id);
  const make = async (kind: keyof typeof customers, n: number) => {
    for (let i = 0; i < n; i++) {
      const id = String((await rm.api.records.create('customer', { customer_type: 'individual', name: `活动${kind}${i}`, city: CITY })).id);
      customers[kind].push(id);
      if (kind === 'none') continue;
      const c = await rm.api.records.create('consent', { customer: id, purpose: 'marketing', notice_version: 'v3', channel: 'app', consented_at: '2026-01-05T09:00:00+08:00', withdrawn: kind === 'withdrawn' });
      consentOf[id] = { id: String(c.id), version: Number(c.version) };
    }
  };
  await make('ok', 24);
  await make('none', 4);
  await make('withdrawn', 3);
  await make('dnd', 2);
  for (const id of customers.dnd) await analyst.api.marketing.doNotDisturb({ customerId: id, reason: '客户投诉后要求' });
  await analyst.api.marketing.saveSettings({ caps: [{ max: 2, days: 7 }] });
}, 180000);

afterAll(async () => {
  await srv?.stop();
});

const ALL = () => [...customers.ok, ...customers.none, ...customers.withdrawn, ...customers.dnd];
let first: Campaign;

describe('planning', () => {
  it('is the marketing right’s, and a filter may name only fields the planner may read', async () => {
    const body = { name: '理财推广', filter: { city: CITY }, channels: ['task' as const, 'sms' as const], offerProduct: product, controlPercent: 20 };
    for (const who of [rm, manager, rmHz]) expect((await refused(who.api.campaigns.create(body))).status).toBe(403);
    // The ID number is sensitive: the analyst does not read it in clear, so cannot filter on it.
    const sneaky = await refused(analyst.api.campaigns.create({ ...body, filter: { id_number: '110101199001011234' } }));
    expect([sneaky.status, sneaky.code]).toEqual([400, 'records.invalid_filter']);
    expect((await refused(analyst.api.campaigns.create({ ...body, filter: undefined }))).code).toBe('marketing.no_target');
    expect((await refused(analyst.api.campaigns.create({ ...body, segment: 'no_such_segment', filter: undefined }))).code).toBe('marketing.segment_not_found');
    expect((await refused(analyst.api.campaigns.create({ ...body, budget: '12.345' }))).status).toBe(400);
    expect((await refused(analyst.api.campaigns.create({ ...body, channels: ['fax'] } as never))).status).toBe(400);
    first = await analyst.api.campaigns.create({ ...body, budget: '30000.00', cost: '1000.00', valuePerConversion: '250.00', attributionDays: 14 });
    expect(first).toMatchObject({ status: 'draft', controlPercent: 20, attributionDays: 14, budget: '30000.00', counts: { targeted: 0, control: 0 } });
    expect((await refused(rm.api.campaigns.launch(first.id))).status).toBe(403);
  });
});

describe('launch', () => {
  it('materialises every customer once, holds out the hashed control group and counts every exclusion', async () => {
    const c = await launched(first.id);
    expect(c.status).toBe('active');
    const members = await allMembers(analyst, first.id);
    expect(members.map((m) => m.customerId).sort()).toEqual(ALL().sort());
    expect(members.every((m) => m.status !== 'pending')).toBe(true);
    const control = members.filter((m) => m.group === 'control').map((m) => m.customerId).sort();
    expect(control).toEqual(controlByHash(first.id, ALL(), 20));
    const target = members.filter((m) => m.group === 'target');
    const expectReason = (id: string) => (customers.none.includes(id) ? 'no_consent' : customers.withdrawn.includes(id) ? 'consent_withdrawn' : customers.dnd.includes(id) ? 'do_not_disturb' : undefined);
    for (const m of target) {
      const reason = expectReason(m.customerId);
      if (reason) expect(m).toMatchObject({ status: 'excluded', reason });
      else expect(m).toMatchObject({ status: 'contacted', channels: ['task', 'sms'], task: 'open' });
    }
    const excluded: Record<string, number> = {};
    for (const m of target) if (m.status === 'excluded') excluded[m.reason!] = (excluded[m.reason!] ?? 0) + 1;
    expect(c.counts).toMatchObject({ targeted: target.length, control: control.length, excluded, contacted: target.filter((m) => m.status === 'contacted').length, responded: 0, converted: 0 });
    // One SMS queued per contacted target member; the cap's ledger holds one contact per channel.
    const contacted = target.filter((m) => m.status === 'contacted').map((m) => m.customerId);
    const queued = await sql<{ customer_id: string }>(`SELECT customer_id::text FROM crm.marketing_outbox WHERE source_id = $1 AND status = 'queued' ORDER BY 1`, [first.id]);
    expect(queued.map((q) => q.customer_id)).toEqual([...contacted].sort());
    // Launching twice is refused.
    expect((await refused(analyst.api.campaigns.launch(first.id))).status).toBe(409);
  });

  it('keeps the same control group for the same campaign, and another for another campaign', async () => {
    const again = (await allMembers(analyst, first.id)).filter((m) => m.group === 'control').map((m) => m.customerId).sort();
    expect(again).toEqual(controlByHash(first.id, ALL(), 20));
    const other = await analyst.api.campaigns.create({ name: '对照组检查', filter: { city: CITY }, channels: ['push'], controlPercent: 20 });
    expect(controlByHash(other.id, ALL(), 20)).not.toEqual(again);
  });

  it('cancels a customer’s queued messages the moment their consent is withdrawn', async () => {
    const member = (await allMembers(analyst, first.id, { status: 'contacted' }))[0]!;
    const queuedCount = async () => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM crm.marketing_outbox WHERE source_id = $1 AND status = 'queued'`, [first.id]))[0]!.n;
    const queuedBefore = await queuedCount();
    const status = async (id: string) => (await sql<{ status: string; reason: string | null }>(`SELECT status, reason FROM crm.marketing_outbox WHERE source_id = $1 AND customer_id = $2`, [first.id, id]))[0];
    expect(await status(member.customerId)).toEqual({ status: 'queued', reason: null });
    const consent = consentOf[member.customerId]!;
    await rm.api.records.update('consent', consent.id, { withdrawn: true, withdrawn_at: '2026-03-01T10:00:00+08:00', version: consent.version });
    expect(await status(member.customerId)).toEqual({ status: 'cancelled', reason: 'consent_withdrawn' });
    expect(await queuedCount()).toBe(queuedBefore - 1);
    // Withdrawn since: the next campaign excludes them.
    customers.ok.splice(customers.ok.indexOf(member.customerId), 1);
    customers.withdrawn.push(member.customerId);
  });

  it('caps contacts across two campaigns: who was contacted in the first is excluded from the second', async () => {
    const before = await allMembers(analyst, first.id);
    const second = await launched((await analyst.api.campaigns.create({ name: '第二个活动', filter: { city: CITY }, channels: ['task'], controlPercent: 0 })).id);
    const members = await allMembers(analyst, second.id);
    const wasContacted = new Set(before.filter((m) => m.status === 'contacted').map((m) => m.customerId));
    for (const m of members) {
      if (customers.none.includes(m.customerId)) expect(m.reason).toBe('no_consent');
      else if (customers.withdrawn.includes(m.customerId)) expect(m.reason).toBe('consent_withdrawn');
      else if (customers.dnd.includes(m.customerId)) expect(m.reason).toBe('do_not_disturb');
      else if (wasContacted.has(m.customerId)) expect(m).toMatchObject({ status: 'excluded', reason: 'frequency_cap' });
      else expect(m).toMatchObject({ status: 'contacted', group: 'target' });
    }
    expect(second.counts.excluded.frequency_cap).toBe([...wasContacted].filter((id) => !customers.withdrawn.includes(id)).length);
  });
});

describe('customer managers', () => {
  it('see their call tasks and record responses; another branch’s manager sees and answers nothing', async () => {
    const tasks = await allMembers(rm, first.id, { task: 'open' });
    expect(tasks.length).toBeGreaterThan(0);
    const one = tasks[0]!;
    expect(await rm.api.campaigns.respond(first.id, { customerId: one.customerId, response: 'interested' })).toEqual({ customerId: one.customerId, status: 'responded', response: 'interested' });
    expect((await rm.api.campaigns.members(first.id, { task: 'open' })).items.map((m) => m.customerId)).not.toContain(one.customerId);
    // Channel feedback does not count as a response.
    const two = tasks[1]!;
    expect((await rm.api.campaigns.respond(first.id, { customerId: two.customerId, response: 'delivered', channel: 'sms' })).status).toBe('contacted');
    // Control and excluded members are never answered for.
    const control = (await allMembers(rm, first.id)).find((m) => m.group === 'control')!;
    expect((await refused(rm.api.campaigns.respond(first.id, { customerId: control.customerId, response: 'interested' }))).code).toBe('marketing.control_member');
    const excluded = (await allMembers(rm, first.id, { status: 'excluded' })).find((m) => m.group === 'target')!;
    expect((await refused(rm.api.campaigns.respond(first.id, { customerId: excluded.customerId, response: 'interested' }))).code).toBe('marketing.excluded_member');
    // Hangzhou's customer manager: no campaign, no member, no response — the same 404 as for nothing at all.
    expect(await rmHz.api.campaigns.list()).toEqual([]);
    expect((await refused(rmHz.api.campaigns.get(first.id))).status).toBe(404);
    expect((await rmHz.api.campaigns.members(first.id)).items).toEqual([]);
    const stolen = await refused(rmHz.api.campaigns.respond(first.id, { customerId: tasks[2]!.customerId, response: 'not_interested' }));
    expect([stolen.status, stolen.code]).toEqual([404, 'marketing.member_not_found']);
    expect((await refused(rmHz.api.campaigns.respond(first.id, { customerId: '00000000-0000-4000-8000-000000000000', response: 'interested' }))).status).toBe(404);
    expect((await sql<{ n: number }>(`SELECT count(*)::int AS n FROM crm.campaign_responses WHERE customer_id = $1`, [tasks[2]!.customerId]))[0]!.n).toBe(0);
    // The rm's own view: only their members, counted as such.
    const seen = await rm.api.campaigns.get(first.id);
    expect(seen.counts.responded).toBe(1);
  });
});

describe('conversion and analysis', () => {
  it('converts a member when the offered product is opened inside the attribution window, not outside or for another product', async () => {
    const contacted = await allMembers(analyst, first.id, { status: 'contacted' });
    const [inside, late, early, wrong] = contacted.map((m) => m.customerId);
    const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
    const shift = (days: number) => new Date(Date.parse(`${today}T00:00:00Z`) + days * 86400000).toISOString().slice(0, 10);
    const open = (customer: string, p: string, opened: string) => teller.api.records.create('holding', { customer, product: p, category: 'deposit', balance: '200000.00', opened_at: opened });
    await open(inside!, product, shift(3));
    await open(late!, product, shift(15)); // attribution window is 14 days
    await open(early!, product, shift(-1));
    await open(wrong!, otherProduct, today);
    const status = async (id: string) => (await analyst.api.campaigns.members(first.id, { limit: 500 })).items.find((m) => m.customerId === id)!.status;
    expect(await status(inside!)).toBe('converted');
    expect(await status(late!)).toBe('contacted');
    expect(await status(early!)).toBe('contacted');
    expect(await status(wrong!)).toBe('contacted');
    // A control member converts too (that is what uplift compares with).
    const control = (await allMembers(analyst, first.id)).find((m) => m.group === 'control' && m.status === 'planned');
    if (control) {
      await open(control.customerId, product, today);
      expect(await status(control.customerId)).toBe('converted');
    }
    const c = await analyst.api.campaigns.get(first.id);
    expect(c.counts.converted).toBe(1);
    expect(c.counts.controlConverted).toBe(control ? 1 : 0);
    expect(c.costPerConversion).toBe('1000.00');
    expect(c.roi).toBe('-0.7500'); // (1 × 250 − 1000) / 1000
    if (control) {
      expect(c.uplift).toMatchObject({ targetN: c.counts.contacted, targetRate: expect.any(Number), ci95: [expect.any(Number), expect.any(Number)] });
      expect(c.uplift!.ci95[0]).toBeLessThan(c.uplift!.uplift);
    }
    expect(c.breakdown!.channel.map((r) => r.key).sort()).toEqual(['sms', 'task']);
    expect(c.breakdown!.manager[0]).toMatchObject({ label: '李经理', converted: 1 });
    // By customer segment (分层): every target member in exactly one row, labelled in Chinese.
    const seg = c.breakdown!.segment;
    expect([seg.reduce((a, r) => a + r.targeted, 0), seg.reduce((a, r) => a + r.converted, 0)]).toEqual([c.counts.targeted, c.counts.converted]);
    if (c.uplift) expect(c.uplift).toMatchObject({ pValue: expect.any(Number), significant: c.uplift.pValue < 0.05 });
  });
});

describe('campaign analysis as reports', () => {
  it('aggregates campaign members like an object, as the campaign page counts them, in each caller’s scope', async () => {
    const c = await analyst.api.campaigns.get(first.id);
    const sum = (k: string, field = k) => ({ key: k, agg: 'sum' as const, field });
    const def = {
      object: 'campaign_member',
      dimensions: [{ field: 'campaign' }],
      measures: [
        ...['targeted', 'excluded', 'contacted', 'responded', 'converted', 'control_converted'].map((k) => sum(k)),
        sum('cost', 'cost_share'), sum('value', 'conversion_value'),
        { key: 'cpc', agg: 'feel' as const, expression: 'if converted > 0 then cost / converted else null' },
        { key: 'roi', agg: 'feel' as const, expression: 'if cost > 0 then (value - cost) / cost else null', scale: 4 },
      ],
      filter: { campaign: first.id },
    };
    const funnel = {
      campaign: first.id, targeted: c.counts.targeted, excluded: Object.values(c.counts.excluded).reduce((a, n) => a + n, 0), contacted: c.counts.contacted,
      responded: c.counts.responded, converted: c.counts.converted, control_converted: c.counts.controlConverted,
    };
    // The marketing manager: every member; cost shares add up to the campaign's cost exactly (decimal strings).
    const mine = await analyst.api.reports.query(def);
    expect(mine.rows).toEqual([{ ...funnel, cost: '1000.00', value: '250.00', cpc: c.costPerConversion, roi: c.roi }]);
    expect(mine.columns.find((x) => x.key === 'campaign')!.labels).toMatchObject({ [first.id]: first.name });
    // By customer segment (a relation path into the scoped customer) and by channel: every target member counted once.
    const bySeg = await analyst.api.reports.query({ ...def, dimensions: [{ field: 'customer.segment' }], measures: [sum('targeted')] });
    const byChannel = await analyst.api.reports.query({ ...def, dimensions: [{ field: 'channel' }], measures: [sum('targeted')] });
    for (const a of [bySeg, byChannel]) expect(a.totals![0]!.targeted).toBe(c.counts.targeted);
    expect(byChannel.rows.map((r) => r.channel).filter(Boolean).every((k) => ['task', 'sms'].includes(String(k)))).toBe(true);
    // The pack's report, run by customer managers: their own members only — the rm's counts are the rm's campaign page, Hangzhou's nothing.
    const run = (who: Client) => who.api.reports.run('bank_campaign_analysis', { filter: { campaign: first.id } });
    const page = await rm.api.campaigns.get(first.id);
    expect((await run(rm)).rows).toEqual([expect.objectContaining({ campaign: first.id, targeted: page.counts.targeted, converted: page.counts.converted, contacted: page.counts.contacted })]);
    expect((await run(rmHz)).rows).toEqual([]);
    // Members are no records list; a field that does not exist is refused like any report field.
    expect((await refused(rm.api.reports.cellFilter('bank_campaign_analysis', { cell: { campaign: first.id } }))).status).toBe(422);
    expect((await refused(analyst.api.reports.query({ ...def, dimensions: [{ field: 'customer.no_such_field' }] }))).code).toBe('reports.invalid');
  });

  it('lists campaign members as a report source with its fields to whoever may report on them', async () => {
    const [byAnalyst, byRm, bySecurity] = await Promise.all([analyst, rm, security].map((who) => who.api.reports.sources()));
    const src = byRm.items.find((x) => x.key === 'campaign_member')!;
    expect(src).toMatchObject({ label: { 'zh-CN': '营销活动成员', en: 'Campaign members' }, cellRecords: false });
    const field = (k: string) => src.fields.find((f) => f.key === k)!;
    expect(field('converted')).toMatchObject({ type: 'integer', measure: true, dimension: false });
    expect(field('cost_share')).toMatchObject({ type: 'money', measure: true, dimension: false });
    expect(field('status')).toMatchObject({ label: { 'zh-CN': '成员状态', en: 'Member status' }, measure: false, dimension: true });
    expect(field('customer')).toMatchObject({ type: 'relation', target: 'customer', dimension: true });
    // The campaign dimension's choices are the campaigns by name (as its answers label them).
    expect(field('campaign').options!.choices).toContainEqual({ value: first.id, label: first.name });
    expect(byAnalyst.items.map((x) => x.key)).toContain('campaign_member');
    // Who reads no customers and manages no marketing is offered no source.
    expect(bySecurity.items.map((x) => x.key)).not.toContain('campaign_member');
  });
});

describe('approval', () => {
  it('launches only when the approval process approves, and a rejection leaves nothing launched', async () => {
    const ok = await analyst.api.campaigns.create({ name: '需审批活动', filter: { city: CITY }, channels: ['task'], approval: true, controlPercent: 10 });
    const answer = await analyst.api.campaigns.launch(ok.id);
    expect(answer).toEqual({ processInstanceId: expect.any(String), status: 'pending_approval' });
    expect((await analyst.api.campaigns.get(ok.id)).status).toBe('pending_approval');
    const no = await analyst.api.campaigns.create({ name: '被退回活动', filter: { city: CITY }, channels: ['task'], approval: true });
    const noAnswer = (await analyst.api.campaigns.launch(no.id)) as { processInstanceId: string };
    const instanceOf: Record<string, string> = { [ok.id]: (answer as { processInstanceId: string }).processInstanceId, [no.id]: noAnswer.processInstanceId };
    // The planner cannot approve their own campaign: the task is the branch managers'.
    expect((await analyst.api.tasks.list('candidate')).items.filter((t) => t.processInstanceId === instanceOf[ok.id])).toEqual([]);
    const approve = async (campaignId: string, approved: boolean) => {
      const task = await until(async () => (await manager.api.tasks.list('candidate')).items.find((t) => t.processInstanceId === instanceOf[campaignId]), { what: 'the approval task' });
      await manager.api.tasks.claim(task.id);
      await manager.api.tasks.complete(task.id, { variables: { approved, comment: approved ? '同意' : '预算不足' } });
    };
    await approve(ok.id, true);
    await until(async () => (await analyst.api.campaigns.get(ok.id)).status === 'active', { ms: 60000, what: 'the approved campaign to be launched' });
    expect((await analyst.api.campaigns.get(ok.id)).counts.targeted + (await analyst.api.campaigns.get(ok.id)).counts.control).toBe(ALL().length);
    await approve(no.id, false);
    await until(async () => (await analyst.api.campaigns.get(no.id)).status === 'rejected', { what: 'the rejection' });
    expect((await analyst.api.campaigns.get(no.id)).counts.targeted).toBe(0);
  });
});

describe('the sample campaign of the bank pack', () => {
  it('is installed as a draft on the high-AUM individuals with a 10 % control group', async () => {
    const sample = (await analyst.api.campaigns.list()).find((c) => c.name === '大额存单推广')!;
    expect(sample).toMatchObject({ status: 'draft', filter: { customer_type: 'individual', aum: { $gte: '1000000' } }, controlPercent: 10, channels: ['task', 'sms'], offerProduct: product, approval: true });
  });
});

describe('message templates and the target refresh', () => {
  const CITY2 = '模板刷新城';
  const mine: { id: string; version: number; mobile: string; name: string }[] = [];
  /** A customer the analyst creates (their own: the analyst reads them), with a live marketing consent. */
  const newCustomer = async (i: number) => {
    const mobile = `1390000${String(1000 + i)}`;
    const c = await analyst.api.records.create('customer', { customer_type: 'individual', name: `模板客户${i}`, city: CITY2, mobile });
    await analyst.api.records.create('consent', { customer: c.id, purpose: 'marketing', notice_version: 'v3', channel: 'app', consented_at: '2026-01-05T09:00:00+08:00', withdrawn: false });
    const out = { id: String(c.id), version: Number(c.version), mobile, name: `模板客户${i}` };
    mine.push(out);
    return out;
  };
  const outbox = (campaignId: string) => sql<{ customer_id: string; body: string; status: string; reason: string | null }>(
    `SELECT customer_id::text, body, status, reason FROM crm.marketing_outbox WHERE source_id = $1 ORDER BY customer_id`, [campaignId]);
  const jobDone = async (jobId: string) => until(async () => {
    const j = await analyst.get(`/api/jobs/${jobId}`);
    if (j.body?.status === 'failed') throw new Error(`job failed: ${JSON.stringify(j.body.error)}`);
    return j.body?.status === 'done';
  }, { ms: 60000, what: 'the refresh job' });
  const TEMPLATE = '尊敬的{{客户姓名}}：{{offer}}限时发售，预留手机 {{手机号}}。';
  let campaign: Campaign;

  it('refuses an unknown variable when planning (Chinese message), previews as the planner reads the customer, and renders each member’s SMS with masking', async () => {
    for (let i = 0; i < 3; i++) await newCustomer(i);
    const body = { name: '模板活动', filter: { city: CITY2 }, channels: ['sms' as const], offerProduct: product, controlPercent: 0, refreshDays: 7 };
    const bad = await refused(analyst.api.campaigns.create({ ...body, messages: { sms: '尊敬的{{客户姓名}}，{{不存在的变量}}' } }));
    expect([bad.status, bad.code]).toEqual([400, 'marketing.unknown_template_variable']);
    expect(bad.message).toContain('{{不存在的变量}}');
    // Previewing is the planner's (a customer manager is refused).
    expect((await refused(rm.api.campaigns.previewMessage({ template: '{{客户姓名}}' }))).status).toBe(403);
    const preview = await analyst.api.campaigns.previewMessage({ template: TEMPLATE, offerProduct: product, customerId: mine[0]!.id });
    expect(preview.customerId).toBe(mine[0]!.id);
    expect(preview.variables).toEqual(['客户姓名', 'offer', '手机号']);
    expect(preview.text).toMatch(/^尊敬的模板客户0：.+限时发售，预留手机 .*\*.*。$/);
    expect(preview.text).not.toContain(mine[0]!.mobile);
    // A customer the analyst may not read (another's, outside their row scope): 404, nothing rendered.
    expect((await refused(analyst.api.campaigns.previewMessage({ template: TEMPLATE, customerId: customers.ok[0]! }))).status).toBe(404);
    expect((await refused(analyst.api.campaigns.previewMessage({ template: '{{nope}}' }))).code).toBe('marketing.unknown_template_variable');
    campaign = await analyst.api.campaigns.create({ ...body, messages: { sms: TEMPLATE } });
    expect((await refused(analyst.api.campaigns.update(campaign.id, { messages: { sms: '{{nope}}' } }))).code).toBe('marketing.unknown_template_variable');
    expect((await refused(analyst.api.campaigns.refresh(campaign.id))).code).toBe('marketing.not_active');
    campaign = await launched(campaign.id);
    const sent = await outbox(campaign.id);
    expect(sent).toHaveLength(3);
    // Each member's text at send time is what the planner's preview shows for that customer.
    for (const m of sent) {
      const who = mine.find((x) => x.id === m.customer_id)!;
      expect(m.body).toBe((await analyst.api.campaigns.previewMessage({ template: TEMPLATE, offerProduct: product, customerId: who.id })).text);
      expect(m.body).toContain(`尊敬的${who.name}：`);
      expect(m.body).not.toContain(who.mobile);
    }
  });

  it('adds new qualifying customers through the same gates on demand, and never contacts those who left again', async () => {
    const newcomer = await newCustomer(10);
    const leaver = mine[1]!;
    await analyst.api.records.update('customer', leaver.id, { city: '别处', version: leaver.version });
    const { jobId } = await analyst.api.campaigns.refresh(campaign.id);
    expect((await refused(rm.api.campaigns.refresh(campaign.id))).status).toBe(403);
    await jobDone(jobId);
    const after = await analyst.api.campaigns.get(campaign.id);
    expect(after.refreshedAt).not.toBeNull();
    expect(after.counts).toMatchObject({ targeted: 4, contacted: 4 });
    const members = await allMembers(analyst, campaign.id);
    expect(members.find((m) => m.customerId === newcomer.id)).toMatchObject({ status: 'contacted', channels: ['sms'] });
    expect(members.find((m) => m.customerId === leaver.id)?.leftAt).toEqual(expect.any(String));
    const sent = await outbox(campaign.id);
    expect(sent.find((m) => m.customer_id === newcomer.id)).toMatchObject({ status: 'queued', body: expect.stringContaining('尊敬的模板客户10：') });
    expect(sent.find((m) => m.customer_id === leaver.id)).toMatchObject({ status: 'cancelled', reason: 'left_target' });
    expect(sent).toHaveLength(4);
  });

  it('refreshes on its schedule once refreshDays have passed since the last evaluation', async () => {
    const late = await newCustomer(20);
    const before = (await analyst.api.campaigns.get(campaign.id)).refreshedAt;
    // Refreshed just now, next due in 7 days: the newcomer is not a member yet.
    expect((await allMembers(analyst, campaign.id)).some((m) => m.customerId === late.id)).toBe(false);
    // Eight days pass (the evaluation's time moved back, as the refresh clock would see it).
    await sql(`UPDATE crm.campaigns SET refreshed_at = refreshed_at - interval '8 days' WHERE id = $1`, [campaign.id]);
    // The refresh ends by stamping its evaluation: wait for that, then every newcomer is in.
    await until(async () => Date.parse((await analyst.api.campaigns.get(campaign.id)).refreshedAt!) >= Date.parse(before!), { ms: 60000, what: 'the scheduled refresh' });
    expect((await allMembers(analyst, campaign.id)).find((m) => m.customerId === late.id)).toMatchObject({ status: 'contacted', channels: ['sms'] });
    expect((await analyst.api.campaigns.get(campaign.id)).counts.targeted).toBe(5);
  });
});
