/**
 * A write may only point at what the writer may read. A relation to a record outside the writer's
 * row scope, deleted, or that never existed is refused with the same 400 at the field (no oracle),
 * on every write path (create, update, form submit), and nothing is written. A file goes into an
 * attachment field only when the writer uploaded it and no record holds it, or a record the writer
 * may read holds it; GET /api/files/:id then still serves it only to its uploader and readers of a
 * record holding it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startServer, type TestServer } from '../harness/server.js';
import { call } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { CUSTOMER_GRANTS, setupWorld, type World } from './access-setup.js';

const VISIT_FIELDS = [
  { key: 'client', label: { 'zh-CN': '客户', en: 'Client' }, type: 'relation', target: 'client' },
  { key: 'files', label: { 'zh-CN': '附件', en: 'Files' }, type: 'attachment' },
  { key: 'summary', label: { 'zh-CN': '摘要', en: 'Summary' }, type: 'text' },
];
const VISIT_GRANT = { object: 'visit', actions: ['create', 'read', 'update', 'delete'], scope: 'team' };
interface Allow {
  relations: string[];
  files: string[];
  download: string[];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/permission-matrix.json', import.meta.url), 'utf8')).references as {
  relationTargets: string[];
  fileTargets: string[];
  allow: Record<string, Allow>;
};
const PDF = (tag: string) => Buffer.from(`%PDF-1.4\n% ${tag}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n`);

describe('relation targets and file claims', () => {
  let srv: TestServer;
  let w: World;
  let own: string; // rm's client
  let peer: string; // rm_peer's client (same team: readable by rm)
  let foreign: string; // rm_hz's client (another branch)
  let deleted: string; // rm's client, deleted
  const visitRows = () => withClient(srv.dbUrl, async (c) => (await c.query('SELECT id::text, client::text, files::text[] FROM crm_data.visit ORDER BY created_at')).rows);
  const visitAudit = () => withClient(srv.dbUrl, async (c) => (await c.query(`SELECT count(*)::int AS n FROM crm.audit_log WHERE object = 'visit'`)).rows[0].n as number);
  const upload = async (who: string, bytes: Buffer) => {
    const fd = new FormData();
    fd.append('file', new Blob([new Uint8Array(bytes)]), 'a.pdf');
    const res = await fetch(`${srv.baseUrl}/api/files`, { method: 'POST', headers: { authorization: `Bearer ${w.tokens[who]}` }, body: fd });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  const download = async (who: string, id: string) => (await fetch(`${srv.baseUrl}/api/files/${id}`, { headers: { authorization: `Bearer ${w.tokens[who]}` } })).status;

  beforeAll(async () => {
    srv = await startServer();
    w = await setupWorld(srv);
    expect((await w.c.analyst.post('/api/meta/objects', { key: 'visit', label: { 'zh-CN': '拜访', en: 'Visit' }, fields: VISIT_FIELDS })).status).toBe(201);
    expect((await w.c.security.patch('/api/admin/roles/rm', { permissions: [...CUSTOMER_GRANTS.rm, VISIT_GRANT] })).status).toBe(200);
    expect((await w.c.analyst.post('/api/meta/forms', { key: 'visit_form', object: 'visit', title: '拜访登记', layout: [{ field: 'client' }, { field: 'files' }, { field: 'summary' }] })).status).toBe(201);
    expect((await w.c.analyst.post('/api/meta/forms/visit_form/publish')).status).toBe(201);
    own = (await w.c.rm.post('/api/records/client', { name: '本组客户' })).body.id;
    peer = (await w.c.rm_peer.post('/api/records/client', { name: '同组客户' })).body.id;
    foreign = (await w.c.rm_hz.post('/api/records/client', { name: '外行客户' })).body.id;
    deleted = (await w.c.rm.post('/api/records/client', { name: '已删客户' })).body.id;
    expect((await w.c.rm.del(`/api/records/client/${deleted}`)).status).toBe(204);
    // The other branch's client exists and is real: its owner reads it.
    expect((await w.c.rm_hz.get(`/api/records/client/${foreign}`)).status).toBe(200);
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('refuses a relation to a record the writer may not read, with one answer for foreign, deleted and missing', async () => {
    const before = { rows: await visitRows(), audit: await visitAudit() };
    const answers: unknown[] = [];
    for (const target of [foreign, deleted, randomUUID()]) {
      const r = await w.c.rm.post('/api/records/visit', { client: target, summary: '越权关联' });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'records.bad_reference', details: [{ path: '/client', code: 'reference', message: expect.stringMatching(/[\u4e00-\u9fa5]/) }] });
      answers.push(r.body);
    }
    // Same body for all three: an attacker learns nothing about which ids exist, nor of the target.
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    for (const leak of ['外行客户', '已删客户', foreign, deleted]) expect(JSON.stringify(answers)).not.toContain(leak);
    const en = await call(srv.baseUrl, 'POST', '/api/records/visit', { token: w.tokens.rm, body: { client: foreign }, headers: { 'accept-language': 'en' } });
    expect(en.status).toBe(400);
    expect(en.body.error.message).toBe('client refers to a record or file that does not exist or that you may not read');
    expect(JSON.stringify(en.body)).not.toContain(foreign);
    // The form path is the same write.
    const form = await w.c.rm.post('/api/forms/visit_form/submit', { client: foreign, summary: '表单越权' });
    expect(form.status).toBe(400);
    expect(form.body).toEqual(answers[0]);
    // Nothing was written: no row, no audit entry.
    expect(await visitRows()).toEqual(before.rows);
    expect(await visitAudit()).toBe(before.audit);
  });

  it('accepts relations to what the writer may read (own and same-team records)', async () => {
    const a = await w.c.rm.post('/api/records/visit', { client: own, summary: '本人客户' });
    expect(a.status).toBe(201);
    expect(a.body.client).toBe(own);
    const b = await w.c.rm.post('/api/forms/visit_form/submit', { client: peer, summary: '同组客户' });
    expect(b.status).toBe(201);
    // The other branch writes its own.
    expect((await w.c.rm_hz.post('/api/records/visit', { client: foreign })).status).toBe(201);
  });

  it('refuses moving a relation to an unreadable record on update, and keeps unchanged ones', async () => {
    const v = (await w.c.rm.post('/api/records/visit', { client: own, summary: 'v1' })).body;
    for (const target of [foreign, deleted, randomUUID()]) {
      const r = await w.c.rm.patch(`/api/records/visit/${v.id}`, { client: target, version: v.version });
      expect(r.status).toBe(400);
      expect(r.body.error.details).toEqual([expect.objectContaining({ path: '/client', code: 'reference' })]);
    }
    const after = await w.c.rm.get(`/api/records/visit/${v.id}`);
    expect(after.body).toMatchObject({ client: own, version: v.version });
    // The stored relation is not re-judged when another field changes.
    const ok = await w.c.rm.patch(`/api/records/visit/${v.id}`, { summary: 'v2', version: v.version });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ client: own, summary: 'v2' });
  });

  it("refuses claiming another user's file by id, and the file stays unreadable", async () => {
    const compliance = await upload('compliance', PDF('compliance'));
    const held = await upload('rm_hz', PDF('hz'));
    expect((await w.c.rm_hz.post('/api/records/visit', { client: foreign, files: [held] })).status).toBe(201);
    const before = await visitRows();
    const answers: unknown[] = [];
    for (const file of [compliance, held, randomUUID()]) {
      const r = await w.c.rm.post('/api/records/visit', { client: own, files: [file] });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'records.bad_reference', details: [{ path: '/files', code: 'attachment', message: expect.any(String) }] });
      answers.push(r.body);
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    // Slipped in next to a file of one's own, by update, or by the form: refused all the same.
    const mine = await upload('rm', PDF('rm-1'));
    expect((await w.c.rm.post('/api/records/visit', { client: own, files: [mine, compliance] })).status).toBe(400);
    const v = (await w.c.rm.post('/api/records/visit', { client: own })).body;
    expect((await w.c.rm.patch(`/api/records/visit/${v.id}`, { files: [held], version: v.version })).status).toBe(400);
    expect((await w.c.rm.post('/api/forms/visit_form/submit', { client: own, files: [compliance] })).status).toBe(400);
    expect((await visitRows()).length).toBe(before.length + 1);
    expect((await visitRows()).some((r) => (r.files ?? []).includes(compliance) || ((r.files ?? []).includes(held) && r.client !== foreign))).toBe(false);
    for (const file of [compliance, held]) expect(await download('rm', file)).toBe(404);
    expect(await download('compliance', compliance)).toBe(200);
    expect(await download('rm_hz', held)).toBe(200);
  });

  it('lets the writer attach their own new upload, and a file held by a record they may read', async () => {
    const mine = await upload('rm', PDF('rm-2'));
    const v = await w.c.rm.post('/api/records/visit', { client: own, files: [mine] });
    expect(v.status).toBe(201);
    expect(v.body.files).toEqual([mine]);
    // The same-team colleague reads that visit, so may reference its file, and download it.
    expect(await download('rm_peer', mine)).toBe(200);
    expect((await w.c.rm_peer.post('/api/records/visit', { client: peer, files: [mine] })).status).toBe(201);
    // The other branch may not.
    expect((await w.c.rm_hz.post('/api/records/visit', { client: foreign, files: [mine] })).status).toBe(400);
    expect(await download('rm_hz', mine)).toBe(404);
    // Attached, it stays usable to its uploader through the record they read; unchanged files are not re-judged.
    expect((await w.c.rm.post('/api/records/visit', { client: own, files: [mine] })).status).toBe(201);
    expect((await w.c.rm.patch(`/api/records/visit/${v.body.id}`, { summary: '保留附件', version: v.body.version })).status).toBe(200);
  });

  it('gives a designer no way around it: the analyst points only at records they created', async () => {
    const r = await w.c.analyst.post('/api/records/visit', { client: own });
    expect(r.status).toBe(400);
    expect(r.body.error.details).toEqual([expect.objectContaining({ path: '/client', code: 'reference' })]);
    const mine = await w.c.analyst.post('/api/records/client', { name: '试用客户' });
    expect((await w.c.analyst.post('/api/records/visit', { client: mine.body.id })).status).toBe(201);
  });

  it('answers every writer × relation target and file as the permission matrix fixture says', async () => {
    const analystClient = (await w.c.analyst.post('/api/records/client', { name: '分析师客户' })).body.id;
    const clients: Record<string, string> = { rm_client: own, peer_client: peer, hz_client: foreign, analyst_client: analystClient, deleted_client: deleted };
    const rmHeld = await upload('rm', PDF('matrix-rm'));
    const hzHeld = await upload('rm_hz', PDF('matrix-hz'));
    expect((await w.c.rm.post('/api/records/visit', { client: own, files: [rmHeld] })).status).toBe(201);
    expect((await w.c.rm_hz.post('/api/records/visit', { client: foreign, files: [hzHeld] })).status).toBe(201);
    const file = async (target: string): Promise<string> => {
      if (target === 'rm_free') return upload('rm', PDF(randomUUID()));
      if (target === 'compliance_free') return upload('compliance', PDF(randomUUID()));
      return ({ rm_held: rmHeld, hz_held: hzHeld } as Record<string, string>)[target] ?? randomUUID();
    };
    const mismatches: string[] = [];
    for (const [writer, allow] of Object.entries(fixture.allow)) {
      for (const target of fixture.relationTargets) {
        const r = await w.c[writer].post('/api/records/visit', { client: clients[target] ?? randomUUID() });
        const want = allow.relations.includes(target) ? 201 : 400;
        if (r.status !== want) mismatches.push(`${writer} → client ${target}: expected ${want}, got ${r.status}`);
      }
      for (const target of fixture.fileTargets) {
        const r = await w.c[writer].post('/api/records/visit', { files: [await file(target)] });
        const want = allow.files.includes(target) ? 201 : 400;
        if (r.status !== want) mismatches.push(`${writer} → file ${target}: expected ${want}, got ${r.status}`);
        if (r.status === 400 && r.body.error.details[0]?.path !== '/files') mismatches.push(`${writer} → file ${target}: not refused at /files`);
      }
      for (const [target, id] of Object.entries({ rm_held: rmHeld, hz_held: hzHeld })) {
        const want = allow.download.includes(target) ? 200 : 404;
        const got = await download(writer, id);
        if (got !== want) mismatches.push(`${writer} GET file ${target}: expected ${want}, got ${got}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('reads with roles granting both "own" and "all" (the wider scope wins, no stray parameter)', async () => {
    const role = (await w.c.security.get('/api/admin/roles/analyst')).body;
    const wider = [...role.permissions, { object: 'client', actions: ['read'], scope: 'all' }];
    expect((await w.c.security.patch('/api/admin/roles/analyst', { permissions: wider })).status).toBe(200);
    expect((await w.c.analyst.get(`/api/records/client/${foreign}`)).status).toBe(200);
    expect((await w.c.analyst.post('/api/records/visit', { client: foreign })).status).toBe(201);
    expect((await w.c.analyst.post('/api/records/visit', { client: deleted })).status).toBe(400);
  });
});
