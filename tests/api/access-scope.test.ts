/**
 * Row scopes are part of the SQL of every read and write: a relationship manager sees the customers
 * owned by the users of their own team and nothing else, with counts, pages and cursors that agree;
 * records out of scope do not exist for them (404 on get, patch and delete).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import type { Filter, Permission } from '@crm/shared';
import { withClient } from '../harness/db.js';
import { refused } from '../harness/http.js';
import { applied } from '../harness/answers.js';
import { setupWorld, type Client, type World } from './access-setup.js';

async function pageAll(c: Client, how: 'get' | 'post', opts: { limit: number; sort?: string; filter?: Filter }): Promise<{ ids: string[]; sizes: number[]; totals: number[] }> {
  const ids: string[] = [];
  const sizes: number[] = [];
  const totals: number[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 50; i++) {
    const q = { limit: opts.limit, sort: opts.sort, filter: opts.filter, cursor: cursor ?? undefined, total: true };
    const r = how === 'get' ? await c.api.records.list('client', q) : await c.api.records.query('client', q);
    ids.push(...r.items.map((x) => x.id));
    sizes.push(r.items.length);
    totals.push(r.total!);
    cursor = r.nextCursor;
    if (!cursor) break;
  }
  return { ids, sizes, totals };
}

describe('row scopes', () => {
  let srv: TestServer;
  let w: World;
  const made: Record<string, string[]> = { rm: [], rm_peer: [], rm_hz: [], analyst: [] };
  const counts = { rm: 7, rm_peer: 3, rm_hz: 5, analyst: 2 };

  beforeAll(async () => {
    srv = await startServer();
    w = await setupWorld(srv);
    for (const [who, n] of Object.entries(counts)) {
      for (let i = 0; i < n; i++) {
        const r = await w.c[who].api.records.create('client', { name: `${who}-${String(i).padStart(2, '0')}`, note: i % 2 ? 'odd' : 'even' });
        expect(r).toMatchObject({ version: 1, note: i % 2 ? 'odd' : 'even' });
        made[who].push(r.id);
      }
    }
  });
  afterAll(async () => {
    await srv?.stop();
  });

  const team = () => [...made.rm, ...made.rm_peer].sort();

  it('the rm sees exactly the customers of their team, in full pages, with a matching total', async () => {
    for (const how of ['get', 'post'] as const) {
      for (const sort of [undefined, 'name', '-note,name']) {
        const { ids, sizes, totals } = await pageAll(w.c.rm, how, { limit: 3, sort });
        expect([...ids].sort()).toEqual(team());
        expect(new Set(ids).size).toBe(10);
        // Scoped in SQL: every page but the last is full, and every page reports the same total.
        expect(sizes).toEqual([3, 3, 3, 1]);
        expect(new Set(totals)).toEqual(new Set([10]));
      }
    }
    const sorted = await pageAll(w.c.rm, 'get', { limit: 4, sort: 'name' });
    const names = (await w.c.rm.api.records.query('client', { sort: 'name', limit: 100 })).items.map((i) => i.name as string);
    expect(names).toEqual([...names].sort());
    expect(sorted.ids).toHaveLength(10);
    const odd = await pageAll(w.c.rm, 'post', { limit: 2, filter: { note: 'odd' } });
    expect(odd.ids.length).toBe(3 + 1);
    expect(new Set(odd.totals)).toEqual(new Set([4]));
  });

  it('another team sees only its own; the manager its subtree; compliance all; the analyst what they made', async () => {
    const hz = await pageAll(w.c.rm_hz, 'post', { limit: 2 });
    expect([...hz.ids].sort()).toEqual([...made.rm_hz].sort());
    expect(hz.sizes).toEqual([2, 2, 1]);
    const peer = await pageAll(w.c.rm_peer, 'get', { limit: 100 });
    expect([...peer.ids].sort()).toEqual(team());
    const mgr = await pageAll(w.c.manager, 'post', { limit: 4 });
    expect([...mgr.ids].sort()).toEqual(team());
    const all = await pageAll(w.c.compliance, 'post', { limit: 5 });
    expect(all.ids).toHaveLength(17);
    expect(new Set(all.totals)).toEqual(new Set([17]));
    const analyst = await pageAll(w.c.analyst, 'post', { limit: 5 });
    expect([...analyst.ids].sort()).toEqual([...made.analyst].sort());
  });

  it('a cursor taken from a wider view does not widen the rm\'s view', async () => {
    const first = await w.c.compliance.api.records.query('client', { limit: 1, sort: 'name' });
    expect(first.nextCursor).toEqual(expect.any(String));
    const r = await w.c.rm.api.records.query('client', { limit: 100, sort: 'name', cursor: first.nextCursor, total: true });
    expect(r.items.every((i) => team().includes(i.id))).toBe(true);
    expect(r.total).toBe(10);
  });

  it('records of another team do not exist for the rm: get, patch and delete are 404 and change nothing', async () => {
    const target = made.rm_hz[0];
    const rm = w.c.rm.api.records;
    expect((await refused(rm.get('client', target))).status).toBe(404);
    expect((await refused(rm.update('client', target, { note: 'taken over', version: 1 }))).status).toBe(404);
    expect((await refused(rm.delete('client', target))).status).toBe(404);
    const row = await withClient(srv.dbUrl, (c) => c.query(`SELECT note, version, deleted_at FROM crm_data.client WHERE id = $1`, [target]));
    expect(row.rows[0]).toEqual({ note: 'even', version: 1, deleted_at: null });
    // The rm of the same team may work on a colleague's customer.
    const peerRec = made.rm_peer[0];
    const p = await rm.update('client', peerRec, { note: 'covered', version: 1 });
    expect(p).toMatchObject({ note: 'covered', version: 2 });
    // The manager reads but may not write.
    expect((await refused(w.c.manager.api.records.update('client', peerRec, { note: 'x', version: 2 }))).status).toBe(403);
    // Delete inside the team: gone from every count.
    expect(await rm.delete('client', made.rm[6])).toBeUndefined(); // 204, no body
    expect((await rm.list('client', { total: true })).total).toBe(9);
    expect((await w.c.compliance.api.records.list('client', { total: true })).total).toBe(16);
    made.rm.pop();
  });

  it('scope filters with user variables and org_unit scopes compile to SQL, and changes apply at once', async () => {
    const security = w.c.security.api.admin;
    const grant = async (role: string, permissions: Permission[]) => expect((await security.updateRole(role, { permissions })).permissions).toEqual(permissions);
    const rmRole = await security.getRole('rm');
    const rm = w.c.rm.api.records;
    // Own records, plus any customer marked "shared".
    expect(await w.c.rm_hz.api.records.update('client', made.rm_hz[1], { note: 'shared', version: 1 })).toMatchObject({ note: 'shared' });
    await grant('rm', [{ object: 'client', actions: ['read'], scope: { filter: { $or: [{ owner_id: '$user.id' }, { note: 'shared' }] } } }]);
    const r = await pageAll(w.c.rm, 'post', { limit: 2 });
    expect([...r.ids].sort()).toEqual([...made.rm, made.rm_hz[1]].sort());
    expect(new Set(r.totals)).toEqual(new Set([made.rm.length + 1]));
    expect(await rm.get('client', made.rm_hz[1])).toMatchObject({ id: made.rm_hz[1] });
    expect((await refused(rm.get('client', made.rm_peer[1]))).status).toBe(404);
    // The filter sees the organisation too.
    await grant('rm', [{ object: 'client', actions: ['read'], scope: { filter: { org_unit_id: '$user.orgUnitId' } } }]);
    expect([...(await pageAll(w.c.rm_hz, 'get', { limit: 10 })).ids].sort()).toEqual([...made.rm_hz].sort());
    // org_unit: the manager's own unit (浦东支行) holds no customer; the teams below it do.
    const manager = w.c.manager.api.records;
    await grant('manager', [{ object: 'client', actions: ['read'], scope: 'org_unit' }]);
    expect((await manager.list('client', { total: true })).total).toBe(0);
    await grant('manager', [{ object: 'client', actions: ['read'], scope: 'org_subtree' }]);
    expect((await manager.list('client', { total: true })).total).toBe(9);
    // A scope filter naming an unknown field or variable is refused when granted.
    for (const bad of [{ filter: { nope: 1 } }, { filter: { owner_id: '$user.password' } }]) {
      const res = await refused(security.updateRole('rm', { permissions: [{ object: 'client', actions: ['read'], scope: bad }] }));
      expect([JSON.stringify(bad), res.status]).toEqual([JSON.stringify(bad), 400]);
    }
    await grant('rm', rmRole.permissions);
    expect((await rm.list('client', { total: true })).total).toBe(9);
  });

  it('with several roles, each field takes the most generous mode any role gives it', async () => {
    // rm: CRUD, rating hidden; manager: read everything. Together: rating readable, not writable.
    const rec = made.rm_peer[2];
    const peer = w.c.rm_peer.api.records;
    const admin = w.c.admin.api.admin;
    const before = await peer.get('client', rec);
    expect(before).not.toHaveProperty('rating');
    expect(applied(await admin.updateUser(w.users.rm_peer.id, { roles: ['rm', 'manager'] }))).toMatchObject({ roles: ['rm', 'manager'] });
    const both = await peer.get('client', rec);
    expect(both).toHaveProperty('rating');
    const denied = await refused(peer.update('client', rec, { rating: 'A', version: both.version }));
    expect([denied.status, denied.code]).toEqual([403, 'records.field_not_writable']);
    expect(await peer.update('client', rec, { note: 'both roles', version: both.version })).toMatchObject({ note: 'both roles' });
    // A read-only role that names a field "write" still gives only read.
    const readOnly: Permission[] = [{ object: 'client', actions: ['read'], scope: 'org_subtree', fields: { rating: 'write' } }];
    expect((await w.c.security.api.admin.updateRole('manager', { permissions: readOnly })).permissions).toEqual(readOnly);
    const still = await peer.get('client', rec);
    expect((await refused(peer.update('client', rec, { rating: 'A', version: still.version }))).status).toBe(403);
    expect(applied(await admin.updateUser(w.users.rm_peer.id, { roles: ['rm'] }))).toMatchObject({ roles: ['rm'] });
    expect(await peer.get('client', rec)).not.toHaveProperty('rating');
  });

  it('a unit moved into or out of a manager\'s subtree takes its records with it at once, in lists, totals and org-level filters', async () => {
    const security = w.c.security.api.admin;
    const permissions: Permission[] = [{ object: 'client', actions: ['read'], scope: 'org_subtree' }];
    expect((await security.updateRole('manager', { permissions })).permissions).toEqual(permissions);
    const manager = w.c.manager.api.records;
    const admin = w.c.admin.api.admin;
    const hz = w.units['HZ-XH-T1']!;
    const before = await admin.getOrgUnit(hz);
    const mine = team().length;
    const total = async (filter?: Filter) => (await manager.list('client', { total: true, limit: 1, filter })).total;
    expect(await total()).toBe(mine);
    const managerUnit = await admin.getOrgUnit(w.users.manager!.orgUnitId!);
    const above = managerUnit.path ?? [];
    const teamLevel = above.length + 1;
    // Moved under the manager's unit: its five customers are the manager's at once, also as an org level.
    expect((await admin.updateOrgUnit(hz, { parentId: managerUnit.id })).path).toEqual([...above, hz]);
    expect(await total()).toBe(mine + made.rm_hz.length);
    expect(await total({ org_unit_id: { $orgLevel: { level: teamLevel, value: hz } } } as Filter)).toBe(made.rm_hz.length);
    expect((await manager.get('client', made.rm_hz[0]!)).id).toBe(made.rm_hz[0]);
    // Moved back: gone again, and a get is 404.
    expect((await admin.updateOrgUnit(hz, { parentId: before.parentId })).path).toEqual(before.path);
    expect(await total()).toBe(mine);
    expect(await total({ org_unit_id: { $orgLevel: { level: teamLevel, value: hz } } } as Filter)).toBe(0);
    expect((await refused(manager.get('client', made.rm_hz[0]!))).status).toBe(404);
  });
});
