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
import type { Field, Permission } from '@crm/shared';
import { readFileSync } from 'node:fs';
import { startServer, type TestServer } from '../harness/server.js';
import { refused } from '../harness/http.js';
import { english, errorBody, settle } from '../harness/answers.js';
import { withClient } from '../harness/db.js';
import { CUSTOMER_GRANTS, setupWorld, type World } from './access-setup.js';

const VISIT_FIELDS: Field[] = [
  { key: 'client', label: { 'zh-CN': '客户', en: 'Client' }, type: 'relation', target: 'client' },
  { key: 'files', label: { 'zh-CN': '附件', en: 'Files' }, type: 'attachment' },
  { key: 'summary', label: { 'zh-CN': '摘要', en: 'Summary' }, type: 'text' },
];
const VISIT_GRANT: Permission = { object: 'visit', actions: ['create', 'read', 'update', 'delete'], scope: 'team' };
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
    const file = await w.c[who].api.files.upload(new Blob([new Uint8Array(bytes)]), 'a.pdf');
    expect(file).toMatchObject({ name: 'a.pdf', size: bytes.length });
    return file.id;
  };
  /** 200 when the file is served to `who` (with the bytes uploaded), else the status of the error answer. */
  const download = async (who: string, id: string) => {
    const r = await settle(w.c[who].api.files.download(id));
    if (!r.ok) return r.error.status;
    expect(Buffer.from(await r.value.arrayBuffer()).toString('latin1')).toMatch(/^%PDF-1\.4\n/);
    return 200;
  };
  const rec = (who: string) => w.c[who].api.records;

  beforeAll(async () => {
    srv = await startServer();
    w = await setupWorld(srv);
    const analyst = w.c.analyst.api.meta;
    expect((await analyst.createObject({ key: 'visit', label: { 'zh-CN': '拜访', en: 'Visit' }, fields: VISIT_FIELDS })).fields.map((f) => f.key)).toEqual(['client', 'files', 'summary']);
    // The shared grants are loosely typed: they are role permissions.
    const rmGrants = [...CUSTOMER_GRANTS.rm, VISIT_GRANT] as Permission[];
    expect((await w.c.security.api.admin.updateRole('rm', { permissions: rmGrants })).permissions).toEqual(rmGrants);
    expect(await analyst.createForm({ key: 'visit_form', object: 'visit', title: '拜访登记', layout: [{ field: 'client' }, { field: 'files' }, { field: 'summary' }] })).toMatchObject({ key: 'visit_form' });
    expect(await analyst.publishForm('visit_form')).toEqual({ version: 1 });
    own = (await rec('rm').create('client', { name: '本组客户' })).id;
    peer = (await rec('rm_peer').create('client', { name: '同组客户' })).id;
    foreign = (await rec('rm_hz').create('client', { name: '外行客户' })).id;
    deleted = (await rec('rm').create('client', { name: '已删客户' })).id;
    expect(await rec('rm').delete('client', deleted)).toBeUndefined(); // 204, no body
    // The other branch's client exists and is real: its owner reads it.
    expect(await rec('rm_hz').get('client', foreign)).toMatchObject({ id: foreign, name: '外行客户' });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('refuses a relation to a record the writer may not read, with one answer for foreign, deleted and missing', async () => {
    const before = { rows: await visitRows(), audit: await visitAudit() };
    const answers: unknown[] = [];
    for (const target of [foreign, deleted, randomUUID()]) {
      const r = await refused(rec('rm').create('visit', { client: target, summary: '越权关联' }));
      expect(r.status).toBe(400);
      expect(errorBody(r).error).toMatchObject({ code: 'records.bad_reference', details: [{ path: '/client', code: 'reference', message: expect.stringMatching(/[\u4e00-\u9fa5]/) }] });
      answers.push(errorBody(r));
    }
    // Same body for all three: an attacker learns nothing about which ids exist, nor of the target.
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    for (const leak of ['外行客户', '已删客户', foreign, deleted]) expect(JSON.stringify(answers)).not.toContain(leak);
    const en = await refused(english(srv.baseUrl, w.tokens.rm).records.create('visit', { client: foreign }));
    expect(en.status).toBe(400);
    expect(en.message).toBe('client refers to a record or file that does not exist or that you may not read');
    expect(JSON.stringify(errorBody(en))).not.toContain(foreign);
    // The form path is the same write.
    const form = await refused(w.c.rm.api.forms.submit('visit_form', { client: foreign, summary: '表单越权' }));
    expect(form.status).toBe(400);
    expect(errorBody(form)).toEqual(answers[0]);
    // Nothing was written: no row, no audit entry.
    expect(await visitRows()).toEqual(before.rows);
    expect(await visitAudit()).toBe(before.audit);
  });

  it('accepts relations to what the writer may read (own and same-team records)', async () => {
    const a = await rec('rm').create('visit', { client: own, summary: '本人客户' });
    expect(a.client).toBe(own);
    const b = await w.c.rm.api.forms.submit('visit_form', { client: peer, summary: '同组客户' });
    expect(b).toMatchObject({ client: peer, summary: '同组客户' });
    // The other branch writes its own.
    expect(await rec('rm_hz').create('visit', { client: foreign })).toMatchObject({ client: foreign });
  });

  it('refuses moving a relation to an unreadable record on update, and keeps unchanged ones', async () => {
    const v = await rec('rm').create('visit', { client: own, summary: 'v1' });
    for (const target of [foreign, deleted, randomUUID()]) {
      const r = await refused(rec('rm').update('visit', v.id, { client: target, version: v.version }));
      expect(r.status).toBe(400);
      expect(r.details).toEqual([expect.objectContaining({ path: '/client', code: 'reference' })]);
    }
    const after = await rec('rm').get('visit', v.id);
    expect(after).toMatchObject({ client: own, version: v.version });
    // The stored relation is not re-judged when another field changes.
    const ok = await rec('rm').update('visit', v.id, { summary: 'v2', version: v.version });
    expect(ok).toMatchObject({ client: own, summary: 'v2' });
  });

  it("refuses claiming another user's file by id, and the file stays unreadable", async () => {
    const compliance = await upload('compliance', PDF('compliance'));
    const held = await upload('rm_hz', PDF('hz'));
    expect(await rec('rm_hz').create('visit', { client: foreign, files: [held] })).toMatchObject({ files: [held] });
    const before = await visitRows();
    const answers: unknown[] = [];
    for (const file of [compliance, held, randomUUID()]) {
      const r = await refused(rec('rm').create('visit', { client: own, files: [file] }));
      expect(r.status).toBe(400);
      expect(errorBody(r).error).toMatchObject({ code: 'records.bad_reference', details: [{ path: '/files', code: 'attachment', message: expect.any(String) }] });
      answers.push(errorBody(r));
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    // Slipped in next to a file of one's own, by update, or by the form: refused all the same.
    const mine = await upload('rm', PDF('rm-1'));
    expect((await refused(rec('rm').create('visit', { client: own, files: [mine, compliance] }))).status).toBe(400);
    const v = await rec('rm').create('visit', { client: own });
    expect((await refused(rec('rm').update('visit', v.id, { files: [held], version: v.version }))).status).toBe(400);
    expect((await refused(w.c.rm.api.forms.submit('visit_form', { client: own, files: [compliance] }))).status).toBe(400);
    expect((await visitRows()).length).toBe(before.length + 1);
    expect((await visitRows()).some((r) => (r.files ?? []).includes(compliance) || ((r.files ?? []).includes(held) && r.client !== foreign))).toBe(false);
    for (const file of [compliance, held]) expect(await download('rm', file)).toBe(404);
    expect(await download('compliance', compliance)).toBe(200);
    expect(await download('rm_hz', held)).toBe(200);
  });

  it('lets the writer attach their own new upload, and a file held by a record they may read', async () => {
    const mine = await upload('rm', PDF('rm-2'));
    const v = await rec('rm').create('visit', { client: own, files: [mine] });
    expect(v.files).toEqual([mine]);
    // The same-team colleague reads that visit, so may reference its file, and download it.
    expect(await download('rm_peer', mine)).toBe(200);
    expect(await rec('rm_peer').create('visit', { client: peer, files: [mine] })).toMatchObject({ files: [mine] });
    // The other branch may not.
    expect((await refused(rec('rm_hz').create('visit', { client: foreign, files: [mine] }))).status).toBe(400);
    expect(await download('rm_hz', mine)).toBe(404);
    // Attached, it stays usable to its uploader through the record they read; unchanged files are not re-judged.
    expect(await rec('rm').create('visit', { client: own, files: [mine] })).toMatchObject({ files: [mine] });
    expect(await rec('rm').update('visit', v.id, { summary: '保留附件', version: v.version })).toMatchObject({ summary: '保留附件', files: [mine] });
  });

  it('gives a designer no way around it: the analyst points only at records they created', async () => {
    const r = await refused(rec('analyst').create('visit', { client: own }));
    expect(r.status).toBe(400);
    expect(r.details).toEqual([expect.objectContaining({ path: '/client', code: 'reference' })]);
    const mine = await rec('analyst').create('client', { name: '试用客户' });
    expect(await rec('analyst').create('visit', { client: mine.id })).toMatchObject({ client: mine.id });
  });

  it('answers every writer × relation target and file as the permission matrix fixture says', async () => {
    const analystClient = (await rec('analyst').create('client', { name: '分析师客户' })).id;
    const clients: Record<string, string> = { rm_client: own, peer_client: peer, hz_client: foreign, analyst_client: analystClient, deleted_client: deleted };
    const rmHeld = await upload('rm', PDF('matrix-rm'));
    const hzHeld = await upload('rm_hz', PDF('matrix-hz'));
    expect(await rec('rm').create('visit', { client: own, files: [rmHeld] })).toMatchObject({ files: [rmHeld] });
    expect(await rec('rm_hz').create('visit', { client: foreign, files: [hzHeld] })).toMatchObject({ files: [hzHeld] });
    const file = async (target: string): Promise<string> => {
      if (target === 'rm_free') return upload('rm', PDF(randomUUID()));
      if (target === 'compliance_free') return upload('compliance', PDF(randomUUID()));
      return ({ rm_held: rmHeld, hz_held: hzHeld } as Record<string, string>)[target] ?? randomUUID();
    };
    const mismatches: string[] = [];
    for (const [writer, allow] of Object.entries(fixture.allow)) {
      for (const target of fixture.relationTargets) {
        const r = await settle(rec(writer).create('visit', { client: clients[target] ?? randomUUID() }));
        const want = allow.relations.includes(target) ? 'created' : 400;
        const got = r.ok ? 'created' : r.error.status;
        if (got !== want) mismatches.push(`${writer} → client ${target}: expected ${want}, got ${got}`);
      }
      for (const target of fixture.fileTargets) {
        const r = await settle(rec(writer).create('visit', { files: [await file(target)] }));
        const want = allow.files.includes(target) ? 'created' : 400;
        const got = r.ok ? 'created' : r.error.status;
        if (got !== want) mismatches.push(`${writer} → file ${target}: expected ${want}, got ${got}`);
        if (!r.ok && r.error.fieldErrors[0]?.path !== '/files') mismatches.push(`${writer} → file ${target}: not refused at /files`);
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
    const security = w.c.security.api.admin;
    const role = await security.getRole('analyst');
    const wider: Permission[] = [...role.permissions, { object: 'client', actions: ['read'], scope: 'all' }];
    expect((await security.updateRole('analyst', { permissions: wider })).permissions).toEqual(wider);
    expect(await rec('analyst').get('client', foreign)).toMatchObject({ id: foreign });
    expect(await rec('analyst').create('visit', { client: foreign })).toMatchObject({ client: foreign });
    expect((await refused(rec('analyst').create('visit', { client: deleted }))).status).toBe(400);
  });
});
