/**
 * Row scopes are part of the SQL of every read and write: a relationship manager sees the customers
 * owned by the users of their own team and nothing else, with counts, pages and cursors that agree;
 * records out of scope do not exist for them (404 on get, patch and delete).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { withClient } from '../harness/db.js';
import { setupWorld, type Client, type World } from './access-setup.js';

type Page = { items: { id: string; name: string; owner_id: string }[]; nextCursor: string | null; total?: number };

async function pageAll(c: Client, how: 'get' | 'post', opts: { limit: number; sort?: string; filter?: object }): Promise<{ ids: string[]; sizes: number[]; totals: number[] }> {
  const ids: string[] = [];
  const sizes: number[] = [];
  const totals: number[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 50; i++) {
    let r: { status: number; body: Page };
    if (how === 'get') {
      const q = new URLSearchParams({ limit: String(opts.limit), total: 'true' });
      if (opts.sort) q.set('sort', opts.sort);
      if (opts.filter) q.set('filter', JSON.stringify(opts.filter));
      if (cursor) q.set('cursor', cursor);
      r = await c.get(`/api/records/client?${q}`);
    } else {
      r = await c.post('/api/records/client/query', { limit: opts.limit, sort: opts.sort, filter: opts.filter, cursor: cursor ?? undefined, total: true });
    }
    expect(r.status).toBe(200);
    ids.push(...r.body.items.map((x) => x.id));
    sizes.push(r.body.items.length);
    totals.push(r.body.total!);
    cursor = r.body.nextCursor;
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
        const r = await w.c[who].post('/api/records/client', { name: `${who}-${String(i).padStart(2, '0')}`, note: i % 2 ? 'odd' : 'even' });
        expect(r.status).toBe(201);
        made[who].push(r.body.id);
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
    const names = (await w.c.rm.post('/api/records/client/query', { sort: 'name', limit: 100 })).body.items.map((i: { name: string }) => i.name);
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
    const first = await w.c.compliance.post('/api/records/client/query', { limit: 1, sort: 'name' });
    expect(first.status).toBe(200);
    const r = await w.c.rm.post('/api/records/client/query', { limit: 100, sort: 'name', cursor: first.body.nextCursor, total: true });
    expect(r.status).toBe(200);
    expect(r.body.items.every((i: { id: string }) => team().includes(i.id))).toBe(true);
    expect(r.body.total).toBe(10);
  });

  it('records of another team do not exist for the rm: get, patch and delete are 404 and change nothing', async () => {
    const target = made.rm_hz[0];
    expect((await w.c.rm.get(`/api/records/client/${target}`)).status).toBe(404);
    expect((await w.c.rm.patch(`/api/records/client/${target}`, { note: 'taken over', version: 1 })).status).toBe(404);
    expect((await w.c.rm.del(`/api/records/client/${target}`)).status).toBe(404);
    const row = await withClient(srv.dbUrl, (c) => c.query(`SELECT note, version, deleted_at FROM crm_data.client WHERE id = $1`, [target]));
    expect(row.rows[0]).toEqual({ note: 'even', version: 1, deleted_at: null });
    // The rm of the same team may work on a colleague's customer.
    const peerRec = made.rm_peer[0];
    const p = await w.c.rm.patch(`/api/records/client/${peerRec}`, { note: 'covered', version: 1 });
    expect(p.status).toBe(200);
    expect(p.body.note).toBe('covered');
    // The manager reads but may not write.
    expect((await w.c.manager.patch(`/api/records/client/${peerRec}`, { note: 'x', version: 2 })).status).toBe(403);
    // Delete inside the team: gone from every count.
    expect((await w.c.rm.del(`/api/records/client/${made.rm[6]}`)).status).toBe(204);
    expect((await w.c.rm.get('/api/records/client?total=true')).body.total).toBe(9);
    expect((await w.c.compliance.get('/api/records/client?total=true')).body.total).toBe(16);
    made.rm.pop();
  });

  it('scope filters with user variables and org_unit scopes compile to SQL, and changes apply at once', async () => {
    const rmRole = (await w.c.security.get('/api/admin/roles/rm')).body;
    // Own records, plus any customer marked "shared".
    expect((await w.c.rm_hz.patch(`/api/records/client/${made.rm_hz[1]}`, { note: 'shared', version: 1 })).status).toBe(200);
    const byFilter = [{ object: 'client', actions: ['read'], scope: { filter: { $or: [{ owner_id: '$user.id' }, { note: 'shared' }] } } }];
    expect((await w.c.security.patch('/api/admin/roles/rm', { permissions: byFilter })).status).toBe(200);
    const r = await pageAll(w.c.rm, 'post', { limit: 2 });
    expect([...r.ids].sort()).toEqual([...made.rm, made.rm_hz[1]].sort());
    expect(new Set(r.totals)).toEqual(new Set([made.rm.length + 1]));
    expect((await w.c.rm.get(`/api/records/client/${made.rm_hz[1]}`)).status).toBe(200);
    expect((await w.c.rm.get(`/api/records/client/${made.rm_peer[1]}`)).status).toBe(404);
    // The filter sees the organisation too.
    const byUnit = [{ object: 'client', actions: ['read'], scope: { filter: { org_unit_id: '$user.orgUnitId' } } }];
    expect((await w.c.security.patch('/api/admin/roles/rm', { permissions: byUnit })).status).toBe(200);
    expect([...(await pageAll(w.c.rm_hz, 'get', { limit: 10 })).ids].sort()).toEqual([...made.rm_hz].sort());
    // org_unit: the manager's own unit (浦东支行) holds no customer; the teams below it do.
    expect((await w.c.security.patch('/api/admin/roles/manager', { permissions: [{ object: 'client', actions: ['read'], scope: 'org_unit' }] })).status).toBe(200);
    expect((await w.c.manager.get('/api/records/client?total=true')).body.total).toBe(0);
    expect((await w.c.security.patch('/api/admin/roles/manager', { permissions: [{ object: 'client', actions: ['read'], scope: 'org_subtree' }] })).status).toBe(200);
    expect((await w.c.manager.get('/api/records/client?total=true')).body.total).toBe(9);
    // A scope filter naming an unknown field or variable is refused when granted.
    for (const bad of [{ filter: { nope: 1 } }, { filter: { owner_id: '$user.password' } }]) {
      const res = await w.c.security.patch('/api/admin/roles/rm', { permissions: [{ object: 'client', actions: ['read'], scope: bad }] });
      expect([JSON.stringify(bad), res.status]).toEqual([JSON.stringify(bad), 400]);
    }
    expect((await w.c.security.patch('/api/admin/roles/rm', { permissions: rmRole.permissions })).status).toBe(200);
    expect((await w.c.rm.get('/api/records/client?total=true')).body.total).toBe(9);
  });

  it('with several roles, each field takes the most generous mode any role gives it', async () => {
    // rm: CRUD, rating hidden; manager: read everything. Together: rating readable, not writable.
    const rec = made.rm_peer[2];
    const before = await w.c.rm_peer.get(`/api/records/client/${rec}`);
    expect(before.body).not.toHaveProperty('rating');
    expect((await w.c.admin.patch(`/api/admin/users/${w.users.rm_peer.id}`, { roles: ['rm', 'manager'] })).status).toBe(200);
    const both = await w.c.rm_peer.get(`/api/records/client/${rec}`);
    expect(both.body).toHaveProperty('rating');
    const denied = await w.c.rm_peer.patch(`/api/records/client/${rec}`, { rating: 'A', version: both.body.version });
    expect([denied.status, denied.body.error.code]).toEqual([403, 'records.field_not_writable']);
    expect((await w.c.rm_peer.patch(`/api/records/client/${rec}`, { note: 'both roles', version: both.body.version })).status).toBe(200);
    // A read-only role that names a field "write" still gives only read.
    expect((await w.c.security.patch('/api/admin/roles/manager', { permissions: [{ object: 'client', actions: ['read'], scope: 'org_subtree', fields: { rating: 'write' } }] })).status).toBe(200);
    const still = await w.c.rm_peer.get(`/api/records/client/${rec}`);
    expect((await w.c.rm_peer.patch(`/api/records/client/${rec}`, { rating: 'A', version: still.body.version })).status).toBe(403);
    expect((await w.c.admin.patch(`/api/admin/users/${w.users.rm_peer.id}`, { roles: ['rm'] })).status).toBe(200);
    expect((await w.c.rm_peer.get(`/api/records/client/${rec}`)).body).not.toHaveProperty('rating');
  });
});
