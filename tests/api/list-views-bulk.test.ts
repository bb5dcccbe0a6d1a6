/**
 * The record lists' server side on the demo bank, against the real server and PostgreSQL: saved views
 * (personal and shared with roles, owner-only changes, checked filters and fields) and bulk changes
 * (each record through the single-write path: another team's ids refused one by one with nothing
 * written, a field the caller may not write, an object rule, the owner assignment kept inside the team).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { as, refused } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import type { RecordData } from '@crm/shared';

type Client = Awaited<ReturnType<typeof as>>;
let srv: TestServer;
let rm: Client, manager: Client, compliance: Client, analyst: Client, otherRm: Client;
let mine: RecordData[];
let foreign: RecordData;

const sql = <T extends Record<string, any> = Record<string, any>>(text: string, params: unknown[] = []) => withClient(srv.dbUrl, async (c) => (await c.query<T>(text, params)).rows);

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '120' }, timeoutMs: 150000 });
  [rm, manager, compliance, analyst] = await Promise.all(['rm', 'manager', 'compliance', 'analyst'].map((u) => as(srv.baseUrl, u)));
  const [other] = await sql<{ username: string }>(
    `SELECT username FROM crm.users WHERE 'rm' = ANY(roles) AND NOT disabled AND org_unit_id IS DISTINCT FROM (SELECT org_unit_id FROM crm.users WHERE username = 'rm') ORDER BY username LIMIT 1`);
  otherRm = await as(srv.baseUrl, other!.username);
  const me = await rm.api.me();
  mine = (await rm.api.records.query('customer', { filter: { owner_id: me.id, customer_type: 'individual' }, limit: 3, sort: 'id' })).items;
  foreign = (await otherRm.api.records.query('customer', { limit: 1 })).items[0]!;
  expect(mine).toHaveLength(3);
  expect((await refused(rm.api.records.get('customer', foreign.id))).status).toBe(404);
}, 180000);

afterAll(async () => {
  await srv?.stop();
});

describe('saved views', () => {
  it('shows a personal view to its owner only, a shared one to holders of the role; only the owner or a designer changes it', async () => {
    const personal = await rm.api.views.create({ object: 'customer', name: '我的私行客户', filter: { segment: { $eq: 'private' } }, columns: ['name', 'segment'], sort: '-aum' });
    expect(personal).toMatchObject({ object: 'customer', name: '我的私行客户', type: 'list', roles: [], mine: true, editable: true, version: 1, sort: '-aum' });
    const shared = await rm.api.views.create({ object: 'customer', name: '风险看板', type: 'kanban', field: 'risk_level', roles: ['manager'] });
    const calendar = await rm.api.views.create({ object: 'interaction', name: '拜访日历', type: 'calendar', field: 'occurred_at' });
    expect(calendar).toMatchObject({ type: 'calendar', field: 'occurred_at' });

    expect((await rm.api.views.list('customer')).map((v) => v.name).sort()).toEqual(['我的私行客户', '风险看板']);
    const seen = await manager.api.views.list('customer');
    expect(seen.map((v) => v.id)).toEqual([shared.id]);
    expect(seen[0]).toMatchObject({ mine: false, editable: false });
    expect(await compliance.api.views.list()).toEqual([]);
    // Another user's personal view does not exist for them; a shared one may not be changed by a viewer.
    expect((await refused(manager.api.views.update(personal.id, { name: 'x' }))).status).toBe(404);
    expect((await refused(manager.api.views.update(shared.id, { name: '改名' }))).status).toBe(403);
    expect((await refused(manager.api.views.delete(shared.id))).status).toBe(403);
    expect((await refused(otherRm.api.views.delete(personal.id))).status).toBe(404);

    const renamed = await rm.api.views.update(shared.id, { name: '按风险等级', roles: ['manager', 'compliance'] });
    expect(renamed).toMatchObject({ name: '按风险等级', version: 2, type: 'kanban', field: 'risk_level' });
    expect((await compliance.api.views.list('customer')).map((v) => v.id)).toEqual([shared.id]);
    // A designer may tidy up a shared view.
    expect((await analyst.api.views.update(shared.id, { roles: ['manager'] })).roles).toEqual(['manager']);
    await rm.api.views.delete(personal.id);
    expect((await rm.api.views.list('customer')).map((v) => v.id)).toEqual([shared.id]);
    const audit = await sql(`SELECT action FROM crm.audit_log WHERE record_id = $1 ORDER BY seq`, [personal.id]);
    expect(audit.map((a) => a.action)).toEqual(['view.create', 'view.delete']);
  });

  it('answers 400 for fields that do not exist or that the author may not read, and writes nothing', async () => {
    const before = await sql(`SELECT count(*)::int AS n FROM crm.saved_views`);
    const bad = [
      { object: 'customer', name: 'a', filter: { no_such_field: { $eq: 1 } } },
      { object: 'customer', name: 'b', filter: { name: { $between: [1, 2] } } },
      { object: 'customer', name: 'c', columns: ['name', 'no_such_field'] },
      { object: 'customer', name: 'd', sort: 'no_such_field' },
      { object: 'customer', name: 'e', type: 'kanban' as const, field: 'name' },
      { object: 'customer', name: 'f', type: 'calendar' as const, field: 'risk_level' },
      { object: 'customer', name: 'g', roles: ['no_such_role'] },
      { object: 'no_such_object', name: 'h' },
      // The rm may not read the product catalogue's back-office objects, nor filter on a field hidden from them.
      { object: 'customer', name: 'i', filter: { id_number: { $eq: '110101199003071234' } } },
    ];
    for (const body of bad) {
      const e = await refused(rm.api.views.create(body));
      expect([e.status, body.name]).toEqual([400, body.name]);
    }
    expect((await refused(rm.api.views.create({ object: 'customer', name: '' }))).status).toBe(400);
    expect(await sql(`SELECT count(*)::int AS n FROM crm.saved_views`)).toEqual(before);
  });
});

describe('bulk changes', () => {
  it('tags the own team\'s records and refuses another team\'s ids one by one, writing nothing to them', async () => {
    const ids = [mine[0]!.id, foreign.id, mine[1]!.id];
    const before = await sql(`SELECT id, version, tags FROM crm_data.customer WHERE id = ANY($1::uuid[]) ORDER BY id`, [ids]);
    // The bank's own jobs (KYC reviews, AUM roll-ups) may have written these customers before; only this call's audit counts.
    const [{ seq: seqBefore }] = await sql(`SELECT coalesce(max(seq), 0)::bigint AS seq FROM crm.audit_log`) as [{ seq: string }];
    const r = await rm.api.records.bulk('customer', { ids, addTags: { field: 'tags', tags: ['重点维护'] } });
    expect(r.updated.sort()).toEqual([mine[0]!.id, mine[1]!.id].sort());
    expect(r.failed).toEqual([{ id: foreign.id, message: '记录不存在' }]);
    const after = new Map((await sql(`SELECT id, version, tags FROM crm_data.customer WHERE id = ANY($1::uuid[])`, [ids])).map((x) => [x.id, x]));
    for (const b of before) {
      const a = after.get(b.id)!;
      if (b.id === foreign.id) expect(a).toEqual(b);
      else {
        expect(a.version).toBe(b.version + 1);
        // Added to the tags it had, not instead of them.
        expect(a.tags).toEqual([...new Set([...(b.tags ?? []), '重点维护'])]);
      }
    }
    const audits = await sql(`SELECT record_id, actor_id FROM crm.audit_log WHERE action = 'record.update' AND record_id = ANY($1::text[]) AND seq > $2`, [ids, seqBefore]);
    expect(audits.map((a) => a.record_id).sort()).toEqual([mine[0]!.id, mine[1]!.id].sort());
    expect(new Set(audits.map((a) => a.actor_id))).toEqual(new Set([(await rm.api.me()).id]));
  });

  it('refuses a field the caller may not write, a reader without update, and bad input, before any row', async () => {
    const before = await sql(`SELECT id, version FROM crm_data.customer WHERE id = $1`, [mine[2]!.id]);
    expect((await refused(rm.api.records.bulk('customer', { ids: [mine[2]!.id], set: { aum: '1.00' } }))).status).toBe(403);
    expect((await refused(rm.api.records.bulk('holding', { ids: [mine[2]!.id], set: { owner_id: mine[2]!.owner_id } }))).status).toBe(403);
    expect((await refused(rm.api.records.bulk('customer', { ids: [mine[2]!.id], set: { no_such_field: 1 } }))).status).toBe(400);
    expect((await refused(rm.api.records.bulk('customer', { ids: [mine[2]!.id], addTags: { field: 'segment', tags: ['x'] } }))).status).toBe(400);
    const tooMany = Array.from({ length: 501 }, () => mine[2]!.id);
    expect((await refused(rm.api.records.bulk('customer', { ids: tooMany, set: { occupation: '教师' } }))).status).toBe(400);
    expect((await refused(rm.api.records.bulk('customer', { ids: ['not-a-uuid'], set: { occupation: '教师' } }))).status).toBe(400);
    expect(await sql(`SELECT id, version FROM crm_data.customer WHERE id = $1`, [mine[2]!.id])).toEqual(before);
  });

  it('holds the object\'s rules per record, and assigns owners only within the record\'s team', async () => {
    const [a, b] = [mine[0]!, mine[1]!];
    await rm.api.records.update('customer', a.id, { occupation: null, version: (await rm.api.records.get('customer', a.id)).version });
    await rm.api.records.update('customer', b.id, { occupation: '教师', version: (await rm.api.records.get('customer', b.id)).version });
    await analyst.api.meta.updateObject('customer', { rules: [{ key: 'high_needs_job', when: 'risk_level = "high"', require: ['occupation'], message: { 'zh-CN': '高风险客户必须填写职业', en: 'A high-risk customer needs an occupation' } }] });
    try {
      const r = await rm.api.records.bulk('customer', { ids: [a.id, b.id], set: { risk_level: 'high' } });
      expect(r).toEqual({ updated: [b.id], failed: [{ id: a.id, message: '高风险客户必须填写职业' }] });
      expect((await sql(`SELECT risk_level FROM crm_data.customer WHERE id = $1`, [a.id]))[0]!.risk_level).not.toBe('high');
    } finally {
      await analyst.api.meta.updateObject('customer', { rules: [] });
    }

    const [teammate] = await sql(`SELECT id FROM crm.users WHERE org_unit_id = (SELECT org_unit_id FROM crm.users WHERE username = 'rm') AND username <> 'rm' AND NOT disabled LIMIT 1`);
    const [stranger] = await sql(`SELECT id FROM crm.users WHERE org_unit_id IS DISTINCT FROM (SELECT org_unit_id FROM crm_data.customer WHERE id = $1) AND NOT disabled AND org_unit_id IS NOT NULL LIMIT 1`, [b.id]);
    const offered = (await rm.api.records.assignees('customer')).map((u) => u.id);
    expect(offered).toContain(teammate!.id);
    expect(offered).not.toContain(stranger!.id);
    expect((await refused(manager.api.records.assignees('holding'))).status).toBe(403);
    const refusedOwner = await rm.api.records.bulk('customer', { ids: [b.id], set: { owner_id: stranger!.id } });
    expect(refusedOwner.updated).toEqual([]);
    expect(refusedOwner.failed[0]!.message).toContain('机构');
    const assigned = await rm.api.records.bulk('customer', { ids: [b.id], set: { owner_id: teammate!.id } });
    expect(assigned).toEqual({ updated: [b.id], failed: [] });
    expect((await sql(`SELECT owner_id FROM crm_data.customer WHERE id = $1`, [b.id]))[0]!.owner_id).toBe(teammate!.id);
  });
});
