/**
 * Pack upgrades keep the bank's own changes. A small declarative pack (a folder named by
 * CRM_PACK_DIRS) is installed at v1; an analyst changes its parts through the public API; the folder
 * is replaced by v2 and installed again. Per part: unchanged by the bank → the pack's new version;
 * changed by the bank only → the bank's; changed on both sides → the bank's, reported as a conflict;
 * deleted by the bank → not re-created, reported as skipped; added by the bank → untouched; new in the
 * pack → added. Pack migrations run once, inside the upgrade's transaction: an upgrade that fails
 * half-way leaves the database as it was. A downgrade is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, runServerToExit, SERVER_MAIN, startServer, TEST_DATA_KEY, TEST_SECRET, type TestServer } from '../harness/server.js';
import { as, client } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { chain } from './workflow-bpmn.js';

type Client = ReturnType<typeof client>;
const KEY = 'test-upgrade';

let srv: TestServer;
let packDir: string;
/** A second pack, of seed records only (a product catalogue). */
let seedDir: string;
const packDirs = () => `${packDir},${seedDir}`;
let analyst: Client, rm: Client, admin: Client, auditor: Client;
/** The upgrade preview's answer, compared with the upgrade's. */
let previewed: Record<string, unknown[]>;

/** A user task process whose task name says which version drew it. */
const review = (id: string, taskName: string) => chain(id, [`<bpmn:startEvent id="s"/>`, `<bpmn:userTask id="check" name="${taskName}" crm:candidateGroups="manager"/>`, `<bpmn:endEvent id="e"/>`]);

interface Version {
  version: string;
  fields: Record<string, unknown>[];
  extraObjects?: Record<string, unknown>[];
  openFormItems: string[];
  reviewTask: string;
  notifyTask: string;
  /** An extra process file, e.g. one that cannot be deployed (an upgrade failing half-way). */
  brokenProcess?: boolean;
  migrations: Record<string, string>;
}

const field = (key: string, label: string, type = 'text') => ({ key, label, type });
const V1_FIELDS = [field('name', '名称'), field('note', '备注'), field('extra', '附加'), field('branch_code', '网点'), field('risk', '风险')];

const V1: Version = {
  version: '1.0.0',
  fields: V1_FIELDS,
  openFormItems: ['name'],
  reviewTask: '复核 v1',
  notifyTask: '通知 v1',
  migrations: { '0001-ledger': 'CREATE TABLE crm.tu_ledger (id int PRIMARY KEY);' },
};

const V2: Version = {
  version: '1.1.0',
  fields: [field('name', '名称'), field('note', '备注'), field('extra', '附加信息'), field('branch_code', '所属网点'), field('risk', '风险等级'), field('opened_on', '开户日期', 'date')],
  extraObjects: [{ key: 'tu_card', label: '银行卡', fields: [field('number', '卡号')] }],
  openFormItems: ['name', 'branch_code'],
  reviewTask: '复核 v2',
  notifyTask: '通知 v2',
  migrations: { ...V1.migrations, '0002-ledger-note': 'ALTER TABLE crm.tu_ledger ADD COLUMN note text;' },
};

/** Replaces the pack folder with this version of the pack. */
function writePack(v: Version): void {
  rmSync(packDir, { recursive: true, force: true });
  mkdirSync(path.join(packDir, 'processes'), { recursive: true });
  mkdirSync(path.join(packDir, 'migrations'));
  const processes = [{ key: 'tu_review', file: 'processes/review.bpmn' }, { key: 'tu_notify', file: 'processes/notify.bpmn' }];
  writeFileSync(path.join(packDir, 'processes/review.bpmn'), review('tu_review', v.reviewTask));
  writeFileSync(path.join(packDir, 'processes/notify.bpmn'), review('tu_notify', v.notifyTask));
  if (v.brokenProcess) {
    processes.push({ key: 'tu_broken', file: 'processes/broken.bpmn' });
    writeFileSync(path.join(packDir, 'processes/broken.bpmn'), '<bpmn:definitions>not a process');
  }
  for (const [id, sql] of Object.entries(v.migrations)) writeFileSync(path.join(packDir, 'migrations', `${id}.sql`), sql);
  const bundle = {
    key: KEY,
    version: v.version,
    name: { 'zh-CN': '升级测试包', en: 'Upgrade test pack' },
    objects: [{ key: 'tu_account', label: { 'zh-CN': '账户', en: 'Account' }, titleField: 'name', fields: v.fields }, ...(v.extraObjects ?? [])],
    forms: [
      { key: 'tu_account_form', object: 'tu_account', title: '账户', layout: [{ type: 'section', title: '基本', items: [{ field: 'name' }, { field: 'note' }] }] },
      { key: 'tu_open_form', object: 'tu_account', title: '开户', layout: [{ type: 'section', title: '开户', items: v.openFormItems.map((f) => ({ field: f })) }] },
    ],
    roles: [],
    records: [],
    decisions: [],
    processes,
    triggers: [],
  };
  writeFileSync(path.join(packDir, 'template.json'), JSON.stringify(bundle, null, 1));
}

type Product = { code: string; name: string; rate: string };
const SEED_V1: Product[] = [
  { code: 'P1', name: '活期', rate: '0.35' }, { code: 'P2', name: '定期', rate: '1.50' }, { code: 'P3', name: '理财', rate: '2.1' }, { code: 'P4', name: '基金', rate: '3' },
];

function writeSeedPack(version: string, products: Product[]): void {
  rmSync(seedDir, { recursive: true, force: true });
  mkdirSync(seedDir, { recursive: true });
  const bundle = {
    key: 'test-seed', version, name: '产品目录', roles: [], forms: [], decisions: [], processes: [], triggers: [],
    objects: [{ key: 'tu_product', label: '产品', titleField: 'name', fields: [field('code', '代码'), field('name', '名称'), { key: 'rate', label: '利率', type: 'decimal', options: { precision: 10, scale: 4 } }] }],
    records: [{ object: 'tu_product', key: 'code', items: products }],
  };
  writeFileSync(path.join(seedDir, 'template.json'), JSON.stringify(bundle));
}

const db = <T>(fn: (c: import('pg').Client) => Promise<T>) => withClient(srv.dbUrl, fn);
const packSteps = () => db(async (c) => (await c.query('SELECT id FROM crm.pack_migrations WHERE pack = $1 ORDER BY id', [KEY])).rows.map((r) => r.id));
const table = (name: string) => db(async (c) => (await c.query('SELECT to_regclass($1)::text AS t', [`crm.${name}`])).rows[0].t as string | null);
const labels = async () => Object.fromEntries(((await analyst.get('/api/meta/objects/tu_account')).body.fields as { key: string; label: string }[]).map((f) => [f.key, f.label]));
const xmlOf = async (key: string) => (await analyst.get(`/api/process-definitions/${key}/xml`)).body as string;
/** Everything an upgrade could change, as stored. */
const snapshot = () =>
  db(async (c) => ({
    fields: (await c.query(`SELECT object_key, key, label, deleted_at IS NOT NULL AS deleted FROM crm.fields WHERE object_key LIKE 'tu\\_%' ORDER BY 1, 2`)).rows,
    objects: (await c.query(`SELECT key FROM crm.objects WHERE key LIKE 'tu\\_%' ORDER BY 1`)).rows,
    forms: (await c.query(`SELECT key, draft, latest_version FROM crm.forms WHERE key LIKE 'tu\\_%' ORDER BY 1`)).rows,
    processes: (await c.query(`SELECT key, version FROM crm.wf_definitions WHERE key LIKE 'tu\\_%' ORDER BY 1, 2`)).rows,
    parts: (await c.query('SELECT part, fingerprint, pack_version FROM crm.pack_parts WHERE pack = $1 ORDER BY 1', [KEY])).rows,
    conflicts: (await c.query('SELECT part, reason FROM crm.pack_conflicts WHERE pack = $1 ORDER BY 1', [KEY])).rows,
    state: (await c.query(`SELECT value FROM crm.settings WHERE key = $1`, [`template:${KEY}`])).rows,
    steps: (await c.query('SELECT id FROM crm.pack_migrations WHERE pack = $1 ORDER BY id', [KEY])).rows,
    audit: (await c.query(`SELECT count(*)::int AS n FROM crm.audit_log WHERE action = 'template.install'`)).rows[0].n,
    tables: (await c.query(`SELECT table_name FROM information_schema.tables WHERE table_schema IN ('crm', 'crm_data') AND table_name LIKE 'tu\\_%' ORDER BY 1`)).rows,
    ledgerColumns: (await c.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'crm' AND table_name = 'tu_ledger' ORDER BY 1`)).rows,
  }));

beforeAll(async () => {
  packDir = path.join(mkdtempSync(path.join(tmpdir(), 'crm-pack-')), KEY);
  seedDir = path.join(path.dirname(packDir), 'test-seed');
  writePack(V1);
  writeSeedPack('1.0.0', SEED_V1);
  srv = await startServer({ env: { CRM_PACK_DIRS: packDirs() } });
  [analyst, rm, admin, auditor] = await Promise.all(['analyst', 'rm', 'admin', 'auditor'].map((u) => as(srv.baseUrl, u)));
}, 90000);

afterAll(async () => {
  await srv?.stop();
  if (packDir) rmSync(path.dirname(packDir), { recursive: true, force: true });
});

describe('upgrading a pack keeps the bank’s own changes', () => {
  it('installs v1: the pack’s migration ran once at start-up, every part is recorded', async () => {
    expect(await packSteps()).toEqual(['0001-ledger']);
    const first = await analyst.post(`/api/templates/${KEY}/install`);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ version: '1.0.0', changed: true, migrations: [], kept: [], conflicts: [], skipped: [] });
    expect(first.body.changes).toEqual(expect.arrayContaining(['object tu_account', 'form tu_account_form', 'process tu_review v1', 'process tu_notify v1']));
    const parts = (await snapshot()).parts.map((p: { part: string }) => p.part);
    expect(parts).toEqual([
      'field:tu_account.branch_code', 'field:tu_account.extra', 'field:tu_account.name', 'field:tu_account.note', 'field:tu_account.risk',
      'form:tu_account_form', 'form:tu_open_form', 'object:tu_account', 'process:tu_notify', 'process:tu_review',
    ]);
    expect((await analyst.get(`/api/admin/packs/${KEY}/conflicts`)).body).toMatchObject({ key: KEY, installed: { version: '1.0.0' }, items: [] });
  });

  it('the analyst changes pack parts through the API', async () => {
    expect((await analyst.patch('/api/meta/objects/tu_account/fields/note', { label: '本行备注' })).status).toBe(200);
    expect((await analyst.patch('/api/meta/objects/tu_account/fields/risk', { label: '本行风险' })).status).toBe(200);
    expect((await analyst.post('/api/meta/objects/tu_account/fields', { key: 'bank_own', label: '本行字段', type: 'text' })).status).toBe(201);
    expect((await analyst.del('/api/meta/objects/tu_account/fields/extra')).status).toBeLessThan(300);
    const layout = [{ type: 'section', title: '本行布局', items: [{ field: 'bank_own' }, { field: 'name' }] }];
    expect((await analyst.put('/api/meta/forms/tu_account_form', { object: 'tu_account', title: '账户', layout })).status).toBe(200);
    expect((await analyst.post('/api/meta/forms/tu_account_form/publish')).status).toBe(201);
    expect((await analyst.post('/api/process-definitions', { key: 'tu_review', bpmnXml: review('tu_review', '本行复核') })).status).toBe(201);
  });

  it('is refused to anyone without the designer right', async () => {
    writePack(V2);
    for (const u of [rm, admin, auditor]) {
      expect((await u.post(`/api/templates/${KEY}/install`)).status).toBe(403);
      expect((await u.get(`/api/admin/packs/${KEY}/conflicts`)).status).toBe(403);
    }
    expect((await client(srv.baseUrl).get(`/api/admin/packs/${KEY}/conflicts`)).status).toBe(401);
    expect((await analyst.get('/api/admin/packs/no-such-pack/conflicts')).body.error.code).toBe('template.not_found');
    expect((await analyst.get('/api/templates')).body.items.find((t: { key: string }) => t.key === KEY).installed.version).toBe('1.0.0');
  });

  it('previews the upgrade to v2 without writing anything (designer only)', async () => {
    for (const u of [rm, admin, auditor]) expect((await u.post(`/api/admin/packs/${KEY}/preview`)).status).toBe(403);
    expect((await analyst.post('/api/admin/packs/no-such-pack/preview')).body.error.code).toBe('template.not_found');
    const before = await snapshot();
    const pre = await analyst.post(`/api/admin/packs/${KEY}/preview`);
    expect(pre.status).toBe(200);
    expect(pre.body).toMatchObject({ version: '1.1.0', changed: true, migrations: ['0002-ledger-note'], skipped: ['field:tu_account.extra'] });
    previewed = pre.body;
    // Nothing of it stayed: no part, no migration step, no table of that step, no audit entry.
    expect(await snapshot()).toEqual(before);
    expect(await packSteps()).toEqual(['0001-ledger']);
    expect((await analyst.get('/api/meta/objects/tu_card')).status).toBe(404);
  });

  it('upgrades to v2 part by part, and says so in the answer', async () => {
    const up = await analyst.post(`/api/templates/${KEY}/install`);
    // What the preview said, to the letter.
    for (const k of ['changes', 'kept', 'skipped', 'migrations', 'roleDifferences']) expect(up.body[k]).toEqual(previewed[k]);
    expect(up.body.conflicts.map((c: { part: string }) => c.part)).toEqual((previewed.conflicts as { part: string }[]).map((c) => c.part));
    expect(up.status).toBe(201);
    expect(up.body.version).toBe('1.1.0');
    expect(up.body.migrations).toEqual(['0002-ledger-note']);
    expect(up.body.changes.sort()).toEqual([
      'field tu_account.branch_code (updated)', 'field tu_account.opened_on', 'form tu_open_form (updated)', 'form tu_open_form published v2',
      'object tu_card', 'process tu_notify v2',
    ]);
    expect(up.body.kept.sort()).toEqual(['field:tu_account.note', 'form:tu_account_form']);
    expect(up.body.conflicts.map((c: { part: string; reason: string }) => [c.part, c.reason])).toEqual([
      ['field:tu_account.risk', 'changed_on_both_sides'],
      ['process:tu_review', 'changed_on_both_sides'],
    ]);
    expect(up.body.skipped).toEqual(['field:tu_account.extra']);
  });

  it('the API shows every case: pack’s, bank’s, conflicts kept as the bank’s, deleted not re-created, added untouched, new added', async () => {
    expect(await labels()).toEqual({ name: '名称', note: '本行备注', branch_code: '所属网点', risk: '本行风险', bank_own: '本行字段', opened_on: '开户日期' });
    expect((await analyst.get('/api/meta/objects/tu_card')).status).toBe(200);
    const bankForm = (await analyst.get('/api/meta/forms/tu_account_form')).body;
    expect(bankForm.layout[0].title).toBe('本行布局');
    expect(bankForm.latestVersion).toBe(2); // the bank's publish; the upgrade published nothing
    const openForm = (await analyst.get('/api/meta/forms/tu_open_form/versions/2')).body;
    expect(openForm.layout[0].items).toEqual([{ field: 'name' }, { field: 'branch_code' }]);
    expect(await xmlOf('tu_review')).toContain('本行复核');
    expect(await xmlOf('tu_notify')).toContain('通知 v2');
    expect((await analyst.get('/api/process-definitions')).body.find((d: { key: string }) => d.key === 'tu_review').version).toBe(2);
    // The pack's migration for v2 ran inside the upgrade, once.
    expect(await packSteps()).toEqual(['0001-ledger', '0002-ledger-note']);
    expect((await snapshot()).ledgerColumns.map((r: { column_name: string }) => r.column_name)).toEqual(['id', 'note']);
  });

  it('lists the conflicts and skipped parts for the designer, and audits the upgrade', async () => {
    const list = await analyst.get(`/api/admin/packs/${KEY}/conflicts`, { 'accept-language': 'en' });
    expect(list.status).toBe(200);
    expect(list.body.installed.version).toBe('1.1.0');
    expect(list.body.items.map((c: { part: string; reason: string; packVersion: string }) => [c.part, c.reason, c.packVersion])).toEqual([
      ['field:tu_account.extra', 'deleted_by_bank', '1.1.0'],
      ['field:tu_account.risk', 'changed_on_both_sides', '1.1.0'],
      ['process:tu_review', 'changed_on_both_sides', '1.1.0'],
    ]);
    const risk = list.body.items[1];
    expect(new Set([risk.baseFingerprint, risk.bankFingerprint, risk.packFingerprint]).size).toBe(3);
    const audit = await auditor.get('/api/audit?action=template.install');
    expect(audit.status).toBe(200);
    const entry = audit.body.items.find((e: { data: { version: string } }) => e.data?.version === '1.1.0');
    expect(entry).toBeDefined();
    expect(entry.data).toMatchObject({
      from: '1.0.0', migrations: ['0002-ledger-note'], skipped: ['field:tu_account.extra'],
      conflicts: [{ part: 'field:tu_account.risk', reason: 'changed_on_both_sides' }, { part: 'process:tu_review', reason: 'changed_on_both_sides' }],
    });
    expect(entry.data.kept.sort()).toEqual(['field:tu_account.note', 'form:tu_account_form']);
  });

  it('installing v2 again changes nothing and runs no migration twice; a conflict the analyst resolves drops out', async () => {
    const before = await snapshot();
    const again = await analyst.post(`/api/templates/${KEY}/install`);
    expect(again.body).toMatchObject({ changed: false, changes: [], migrations: [] });
    expect(again.body.conflicts).toHaveLength(2);
    const after = await snapshot();
    expect({ ...after, audit: 0 }).toEqual({ ...before, audit: 0 });
    // The analyst takes the pack's label: the part is in step again, and its conflict is gone.
    expect((await analyst.patch('/api/meta/objects/tu_account/fields/risk', { label: '风险等级' })).status).toBe(200);
    const resolved = await analyst.post(`/api/templates/${KEY}/install`);
    expect(resolved.body.conflicts.map((c: { part: string }) => c.part)).toEqual(['process:tu_review']);
    expect((await analyst.get(`/api/admin/packs/${KEY}/conflicts`)).body.items.map((c: { part: string }) => c.part)).toEqual(['field:tu_account.extra', 'process:tu_review']);
    expect(await packSteps()).toEqual(['0001-ledger', '0002-ledger-note']);
  });

  it('the designer keeps the bank’s version of reported parts: later installs keep it silently', async () => {
    const resolve = (c: Client, body: unknown, lang = 'zh-CN') => c.post(`/api/admin/packs/${KEY}/conflicts/resolve`, body, { 'accept-language': lang });
    const before = await snapshot();
    expect((await resolve(rm, { parts: ['process:tu_review'] })).status).toBe(403);
    for (const bad of [{}, { parts: [] }, { parts: 'process:tu_review' }, { parts: ['process:tu_review'], force: true }, { parts: ['x'.repeat(301)] }]) {
      expect((await resolve(analyst, bad)).status).toBe(400);
    }
    // A part with no open conflict (here: one in step with the pack) is refused, and nothing is resolved with it.
    const unknown = await resolve(analyst, { parts: ['process:tu_review', 'field:tu_account.name'] }, 'en');
    expect([unknown.status, unknown.body.error.code, unknown.body.error.message]).toEqual([400, 'template.unknown_conflict', 'No upgrade conflict is open for these parts: field:tu_account.name']);
    expect(await snapshot()).toEqual(before);

    const ok = await resolve(analyst, { parts: ['process:tu_review', 'field:tu_account.extra'] });
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({ resolved: ['field:tu_account.extra', 'process:tu_review'], items: [] });
    const entry = (await auditor.get('/api/audit?action=template.conflicts_resolved')).body.items[0];
    expect(entry.data.keptByBank.map((x: { part: string }) => x.part)).toEqual(['field:tu_account.extra', 'process:tu_review']);

    const again = await analyst.post(`/api/templates/${KEY}/install`);
    expect(again.body).toMatchObject({ changed: false, conflicts: [], skipped: [] });
    expect(again.body.kept.sort()).toEqual(['field:tu_account.extra', 'field:tu_account.note', 'form:tu_account_form', 'process:tu_review']);
    expect(await xmlOf('tu_review')).toContain('本行复核');
    expect((await labels()).extra).toBeUndefined();
  });
});

describe('seed records of a pack follow the same rule', () => {
  const products = async () =>
    Object.fromEntries(((await analyst.get('/api/records/tu_product?limit=50')).body.items as Product[]).map((p) => [p.code, `${p.name} ${p.rate}`]));

  it('keeps the bank’s edits, does not bring back a deleted record, takes the pack’s where the bank left it, compares amounts as decimals', async () => {
    expect((await analyst.post('/api/templates/test-seed/install')).status).toBe(201);
    // The security administrator lets the analyst maintain the catalogue.
    const security = await as(srv.baseUrl, 'security');
    const role = (await security.get('/api/admin/roles/analyst')).body;
    const grant = { object: 'tu_product', actions: ['read', 'update', 'delete'], scope: 'all' };
    expect((await security.patch('/api/admin/roles/analyst', { permissions: [...role.permissions, grant] })).status).toBe(200);
    analyst = await as(srv.baseUrl, 'analyst');
    const byCode = (await analyst.get('/api/records/tu_product?limit=50')).body.items as (Product & { id: string; version: number })[];
    const p1 = byCode.find((p) => p.code === 'P1')!;
    expect((await analyst.patch(`/api/records/tu_product/${p1.id}`, { name: '本行活期', version: p1.version })).status).toBe(200);
    expect((await analyst.del(`/api/records/tu_product/${byCode.find((p) => p.code === 'P2')!.id}`)).status).toBeLessThan(300);

    writeSeedPack('1.1.0', [
      { code: 'P1', name: '活期', rate: '0.30' }, { code: 'P2', name: '定期存款', rate: '1.50' }, { code: 'P3', name: '理财产品', rate: '2.1' },
      { code: 'P4', name: '基金', rate: '3.00' }, { code: 'P5', name: '私行', rate: '4.25' },
    ]);
    const up = await analyst.post('/api/templates/test-seed/install');
    expect(up.status).toBe(201);
    expect(up.body.changes.sort()).toEqual(['tu_product P3 (updated)', 'tu_product P5']);
    expect(up.body.conflicts.map((c: { part: string; reason: string; bankFingerprint: string | null }) => [c.part, c.reason, c.bankFingerprint])).toEqual([
      ['record:tu_product:P1', 'changed_on_both_sides', null], // the hash of the bank's copy is never shown
    ]);
    expect(up.body.skipped).toEqual(['record:tu_product:P2']);
    expect(up.body.kept).toEqual([]);
    expect(await products()).toEqual({ P1: '本行活期 0.3500', P3: '理财产品 2.1000', P4: '基金 3.0000', P5: '私行 4.2500' });
    const conflicts = (await analyst.get('/api/admin/packs/test-seed/conflicts')).body.items;
    expect(conflicts.map((c: { part: string; bankFingerprint: string | null }) => [c.part, c.bankFingerprint])).toEqual([['record:tu_product:P1', null], ['record:tu_product:P2', null]]);
  });
});

describe('a failed upgrade leaves the database as it was', () => {
  it('a migration that throws: nothing of the upgrade remains, and the error names the step', async () => {
    const before = await snapshot();
    writePack({
      ...V2, version: '1.2.0', fields: [...V2.fields, field('v3_only', '新字段')], reviewTask: '复核 v3', notifyTask: '通知 v3',
      migrations: { ...V2.migrations, '0003-broken': `CREATE TABLE crm.tu_broken (x int); INSERT INTO crm.tu_broken VALUES (1); DO $$ BEGIN RAISE EXCEPTION 'tu step cannot go on'; END $$;` },
    });
    const r = await analyst.post(`/api/templates/${KEY}/install`);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('template.migration_failed');
    expect(r.body.error.message).toContain('0003-broken');
    expect(JSON.stringify(r.body)).not.toContain('tu step cannot go on'); // the cause goes to the log only
    const en = await analyst.post(`/api/templates/${KEY}/install`, undefined, { 'accept-language': 'en' });
    expect(en.body.error.message).toBe('Migration step 0003-broken of the test-upgrade pack failed; the whole upgrade was rolled back and the database is as it was');
    expect(await table('tu_broken')).toBeNull();
    expect(await snapshot()).toEqual(before);
  });

  it('a part that fails after the migration and other parts were applied: all of it rolls back', async () => {
    const before = await snapshot();
    writePack({
      ...V2, version: '1.2.0', fields: [...V2.fields.map((f) => (f.key === 'branch_code' ? field('branch_code', '网点 v3') : f)), field('v3_only', '新字段')],
      notifyTask: '通知 v3', brokenProcess: true,
      migrations: { ...V2.migrations, '0003-half': 'CREATE TABLE crm.tu_half (x int); INSERT INTO crm.tu_half VALUES (1);' },
    });
    const r = await analyst.post(`/api/templates/${KEY}/install`);
    expect([r.status, r.body.error.code]).toEqual([400, 'workflow.bpmn_parse_error']); // the last part of the bundle
    expect(await table('tu_half')).toBeNull();
    expect(await snapshot()).toEqual(before);
    expect((await labels()).branch_code).toBe('所属网点');
    expect(await xmlOf('tu_notify')).toContain('通知 v2');
  });

  it('refuses a downgrade with a clear error, changing nothing', async () => {
    const before = await snapshot();
    writePack(V1);
    const r = await analyst.post(`/api/templates/${KEY}/install`);
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'template.downgrade', message: '不能降级解决方案包 test-upgrade：已安装 v1.1.0，此版本为 v1.0.0' });
    const en = await analyst.post(`/api/templates/${KEY}/install`, undefined, { 'accept-language': 'en' });
    expect(en.body.error.message).toBe('The test-upgrade pack cannot be downgraded: v1.1.0 is installed, this is v1.0.0');
    expect(await snapshot()).toEqual(before);
  });
});

describe('an install made before installs kept fingerprints', () => {
  const asLegacy = () => db((c) => c.query('DELETE FROM crm.pack_parts WHERE pack = $1', [KEY]));
  const withLabel = (v: Version, version: string, label: string): Version => ({
    ...v, version, fields: v.fields.map((f) => (f.key === 'branch_code' ? field('branch_code', label) : f)),
  });
  const reasons = (body: { conflicts: { part: string; reason: string }[]; skipped: string[] }) => ({
    conflicts: body.conflicts.map((c) => `${c.part} ${c.reason}`).sort(), skipped: body.skipped,
  });

  it('compares with the baseline the pack ships for the installed version (made by the pack-baseline tool)', async () => {
    writePack(V2);
    const made = spawnSync(process.execPath, [path.join(path.dirname(SERVER_MAIN), 'cli/pack-baseline.js'), packDir], { encoding: 'utf8' });
    expect(made.status).toBe(0);
    const shipped = JSON.parse(made.stdout);
    expect(shipped).toMatchObject({ pack: KEY, version: '1.1.0' });
    expect(Object.keys(shipped.parts)).toContain('field:tu_account.branch_code');
    await asLegacy();
    writePack(withLabel(V2, '1.1.1', '网点 1.1.1'));
    mkdirSync(path.join(packDir, 'baselines'));
    writeFileSync(path.join(packDir, 'baselines/1.1.0.json'), made.stdout);
    const r = await analyst.post(`/api/templates/${KEY}/install`);
    expect(r.status).toBe(201);
    expect(r.body.changes).toEqual(['field tu_account.branch_code (updated)']);
    expect(r.body.kept.sort()).toEqual(['field:tu_account.note', 'form:tu_account_form', 'process:tu_review']);
    expect(reasons(r.body)).toEqual({ conflicts: [], skipped: ['field:tu_account.extra'] });
    expect((await labels()).branch_code).toBe('网点 1.1.1');
  });

  it('without a shipped baseline, keeps every part that differs and reports it as no_baseline', async () => {
    await asLegacy();
    writePack(withLabel(V2, '1.1.2', '网点 1.1.2'));
    const r = await analyst.post(`/api/templates/${KEY}/install`);
    expect(r.status).toBe(201);
    expect(r.body.changes).toEqual([]);
    expect(reasons(r.body)).toEqual({
      conflicts: ['field:tu_account.branch_code no_baseline', 'field:tu_account.note no_baseline', 'form:tu_account_form no_baseline', 'process:tu_review no_baseline'],
      skipped: ['field:tu_account.extra'],
    });
    expect((await labels()).branch_code).toBe('网点 1.1.1');
    // Parts found as the pack has them are recorded, so the next upgrade knows them.
    expect((await snapshot()).parts.map((p: { part: string }) => p.part)).toContain('field:tu_account.name');
  });
});

describe('at start-up, a pack folder with a newer version is upgraded by the same rule', () => {
  const V120 = (step: Record<string, string>): Version => ({
    ...V2, version: '1.2.0', fields: [...V2.fields, field('started', '启动时新增')], notifyTask: '通知 v1.2.0', migrations: { ...V2.migrations, ...step },
  });
  const restart = async () => {
    srv = await startServer({ dbUrl: srv.dbUrl, env: { CRM_PACK_DIRS: packDirs() } });
    [analyst, rm, admin, auditor] = await Promise.all(['analyst', 'rm', 'admin', 'auditor'].map((u) => as(srv.baseUrl, u)));
  };

  it('refuses to start (exit 4) when the upgrade fails, leaving the database as it was', async () => {
    await srv.stop({ keepDatabase: true });
    const before = await snapshot();
    writePack(V120({ '0003-broken': `CREATE TABLE crm.tu_start (x int); DO $$ BEGIN RAISE EXCEPTION 'no'; END $$;` }));
    const { code, out } = await runServerToExit({
      PORT: String(await freePort()), DATABASE_URL: srv.dbUrl, CRM_SECRET: TEST_SECRET, CRM_DATA_KEY: TEST_DATA_KEY, CRM_DATA_DIR: srv.dataDir,
      CRM_DEMO: '1', CRM_DEMO_TEMPLATES: 'none', CRM_PACK_DIRS: packDirs(), LOG_LEVEL: 'warn',
    });
    expect(code).toBe(4);
    expect(out).toContain('Startup refused: The upgrade of the test-upgrade pack from v1.1.2 to v1.2.0 failed and was rolled back: Migration step 0003-broken of the test-upgrade pack failed');
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
    expect(await table('tu_start')).toBeNull();
    expect(await snapshot()).toEqual(before);
  });

  it('upgrades at start once the cause is gone: its new step runs inside the upgrade, once', async () => {
    writePack(V120({ '0003-start': 'CREATE TABLE crm.tu_start (x int);' }));
    await restart();
    expect(srv.output()).toContain('Upgraded the test-upgrade template from v1.1.2 to v1.2.0');
    expect(await packSteps()).toEqual(['0001-ledger', '0002-ledger-note', '0003-start']);
    expect(await table('tu_start')).toBe('crm.tu_start');
    expect((await labels()).started).toBe('启动时新增');
    expect(await xmlOf('tu_notify')).toContain('通知 v1.2.0');
    expect((await analyst.get('/api/templates')).body.items.find((t: { key: string }) => t.key === KEY).installed.version).toBe('1.2.0');
  });

  it('an older pack folder is not installed over a newer install at start (a process of an older release)', async () => {
    await srv.stop({ keepDatabase: true });
    const before = await snapshot();
    writePack(V1);
    await restart();
    expect(srv.output()).toContain('installed pack is newer than this release: not downgraded');
    expect(await snapshot()).toEqual(before);
  });
});
