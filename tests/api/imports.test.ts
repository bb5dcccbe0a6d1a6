/**
 * Bulk import (CSV UTF-8 / GBK, XLSX) and list export as XLSX, end to end against the real server:
 * auto-mapping of Chinese headers, dry runs, per-row errors with the reason per cell, upsert by the
 * ID number's keyed search hash, idempotent reruns, rights and row scope, the size limit, and an
 * import that survives a server killed in the middle of it with every row counted once.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import type { ImportOptionsInput, ImportStatus } from '@crm/shared';
import { startServer, type TestServer } from '../harness/server.js';
import { refused } from '../harness/http.js';
import { until } from '../harness/until.js';
import { withClient } from '../harness/db.js';
import { CUSTOMER_GRANTS, idNumber, setupWorld, type World } from './access-setup.js';

let srv: TestServer;
let srv2: TestServer | null = null;
let w: World;
let firstImport = '';

const HEADER = '客户名称,身份证号,资产,备注';

/** Valid, distinct ID numbers (GB 11643 check digit) from a serial. */
function id(n: number): string {
  const d = new Date(Date.UTC(1970, 0, 1 + n));
  return idNumber(`310101${d.toISOString().slice(0, 10).replace(/-/g, '')}${String(100 + (n % 900)).padStart(3, '0')}`);
}

function csvBlob(text: string): Blob {
  return new Blob([Buffer.from(text, 'utf8')]);
}

async function finished(api: World['c'][string]['api'], importId: string): Promise<ImportStatus> {
  return until(async () => {
    const s = await api.imports.get(importId);
    return s.status === 'done' || s.status === 'failed' ? s : null;
  }, { ms: 60000, what: `import ${importId} to finish` });
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  return withClient(srv.dbUrl, async (c) => Number((await c.query(sql, params)).rows[0].n));
}

const MAPPING = { 客户名称: 'name', 身份证号: 'id_number', 资产: 'aum', 备注: 'note' };

beforeAll(async () => {
  // Small batches so that the resume test can stop the server between two of them; 1 MB uploads.
  srv = await startServer({ env: { CRM_IMPORT_BATCH: '100', CRM_MAX_FILE_MB: '1' } });
  w = await setupWorld(srv);
  const added = await w.c.analyst.post('/api/meta/objects/client/fields', { key: 'aum', label: { 'zh-CN': '资产', en: 'AUM' }, type: 'money' });
  expect(added.status).toBe(201);
});
afterAll(async () => {
  await srv2?.stop();
  await srv?.stop();
});

describe('import', () => {
  it('previews a UTF-8 CSV with Chinese headers and maps every column by label', async () => {
    const p = await w.c.rm.api.imports.preview(csvBlob(`\uFEFF${HEADER}\n张三,${id(1)},1000.00,首批\n`), 'a.csv', { object: 'client' });
    expect(p).toMatchObject({ format: 'csv', encoding: 'utf-8', columns: ['客户名称', '身份证号', '资产', '备注'], mapping: MAPPING });
    expect(p.rows).toEqual([['张三', id(1), '1000.00', '首批']]);
    // The field rm may not see is not offered.
    expect(p.fields.map((f) => f.key)).not.toContain('rating');
  });

  it('imports a UTF-8 CSV: rows land as form submissions would, with one audit entry with the counts', async () => {
    const text = `\uFEFF${HEADER}\n张三,${id(1)},"1,000.50",首批\n李四,${id(2)},20.00,\n`;
    const started = await w.c.rm.api.imports.start(csvBlob(text), 'first.csv', { object: 'client', mapping: MAPPING, mode: 'insert' });
    expect(started.jobId).toBe(started.id);
    firstImport = started.id;
    const s = await finished(w.c.rm.api, started.id);
    expect(s).toMatchObject({ status: 'done', total: 2, processed: 2, inserted: 2, updated: 0, rejected: 0, errors: [] });
    const page = await w.c.rm.api.records.list('client', { filter: { name: '张三' } });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ aum: '1000.50', note: '首批' });
    // Masked for the relationship manager, as on every read.
    expect(page.items[0]!.id_number).not.toBe(id(1));
    expect(String(page.items[0]!.id_number)).toContain('***');
    const audit = await w.c.auditor.api.audit.list({ action: 'record.import' });
    const entry = audit.items.find((e) => e.recordId === started.id);
    expect(entry?.data).toMatchObject({ inserted: 2, updated: 0, rejected: 0, total: 2, dryRun: false });
  });

  it('shows the import as a background job to its starter and administrators, to nobody else', async () => {
    const job = await w.c.rm.api.jobs.get(firstImport);
    expect(job).toMatchObject({ id: firstImport, kind: 'import', status: 'done', progress: { done: 2, total: 2 }, result: { inserted: 2, updated: 0, rejected: 0 }, createdBy: w.users.rm!.id });
    // An administrator of processes sees every job; another user gets the answer of a missing one.
    expect((await w.c.admin.api.jobs.get(firstImport)).id).toBe(firstImport);
    const other = await w.c.analyst.get(`/api/jobs/${firstImport}`);
    const missing = await w.c.rm.get('/api/jobs/00000000-0000-4000-8000-000000000000');
    expect([other.status, missing.status]).toEqual([404, 404]);
    expect(other.body).toEqual(missing.body);
    expect((await w.c.rm.get('/api/jobs/not-a-uuid')).status).toBe(404);
  });

  it('imports a GBK CSV as Excel in China writes it (named, and recognised when not named)', async () => {
    const text = `${HEADER}\n王五,${id(3)},300.00,国标编码\n`;
    const gbk = new Blob([new Uint8Array(iconv.encode(text, 'gbk'))]);
    const named = await w.c.rm.api.imports.start(gbk, 'gbk.csv', { object: 'client', mapping: MAPPING, mode: 'insert', encoding: 'gbk' });
    expect(await finished(w.c.rm.api, named.id)).toMatchObject({ status: 'done', inserted: 1, rejected: 0 });
    const p = await w.c.rm.api.imports.preview(new Blob([new Uint8Array(iconv.encode(`${HEADER}\n赵六,${id(4)},1.00,自动识别\n`, 'gb18030'))]), 'auto.csv', { object: 'client' });
    expect(p.encoding).toBe('gb18030');
    expect(p.mapping).toEqual(MAPPING);
    expect(p.rows[0]).toEqual(['赵六', id(4), '1.00', '自动识别']);
    const page = await w.c.rm.api.records.list('client', { filter: { name: '王五' } });
    expect(page.items[0]).toMatchObject({ note: '国标编码', aum: '300.00' });
  });

  it('imports an XLSX file written by exceljs', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('客户');
    sheet.addRow(['客户名称', '身份证号', '资产', '备注']);
    sheet.addRow(['孙七', id(5), '88.80', 'xlsx']);
    sheet.addRow(['周八', id(6), 12, 'xlsx']);
    const buf = new Uint8Array(await book.xlsx.writeBuffer());
    const p = await w.c.rm.api.imports.preview(new Blob([buf]), 'a.xlsx', { object: 'client' });
    expect(p).toMatchObject({ format: 'xlsx', encoding: null, mapping: MAPPING });
    const started = await w.c.rm.api.imports.start(new Blob([buf]), 'a.xlsx', { object: 'client', mapping: p.mapping, mode: 'insert' });
    expect(await finished(w.c.rm.api, started.id)).toMatchObject({ status: 'done', inserted: 2, rejected: 0 });
    const page = await w.c.rm.api.records.list('client', { filter: { name: '周八' } });
    expect(page.items[0]).toMatchObject({ aum: '12.00', note: 'xlsx' });
  });

  it('resolves a relation by a key of the target object, and rejects a row whose key names nothing', async () => {
    expect((await w.c.analyst.post('/api/meta/objects', { key: 'branch_office', label: '网点', fields: [{ key: 'code', label: '网点代码', type: 'text', required: true }] })).status).toBe(201);
    expect((await w.c.analyst.post('/api/meta/objects/client/fields', { key: 'office', label: { 'zh-CN': '所属网点', en: 'Office' }, type: 'relation', target: 'branch_office' })).status).toBe(201);
    const permissions = [...CUSTOMER_GRANTS.rm!, { object: 'branch_office', actions: ['read'], scope: 'all' }];
    expect((await w.c.security.patch('/api/admin/roles/rm', { permissions })).status).toBe(200);
    const office = await w.c.analyst.api.records.create('branch_office', { code: 'SH001' });
    const text = `客户名称,网点代码\n网点客户,SH001\n无网点,NOPE\n`;
    const started = await w.c.rm.api.imports.start(csvBlob(text), 'rel.csv', { object: 'client', mapping: { 客户名称: 'name', 网点代码: 'office.code' }, mode: 'insert' });
    const s = await finished(w.c.rm.api, started.id);
    expect(s).toMatchObject({ status: 'done', inserted: 1, rejected: 1 });
    expect(s.errors).toEqual([expect.objectContaining({ row: 3, column: '网点代码', code: 'reference_not_found' })]);
    expect((await w.c.rm.api.records.list('client', { filter: { name: '网点客户' } })).items[0]).toMatchObject({ office: office.id });
    const bad = await refused(w.c.rm.api.imports.start(csvBlob(text), 'rel.csv', { object: 'client', mapping: { 客户名称: 'name', 网点代码: 'office.nowhere' }, mode: 'insert' }));
    expect(bad.status).toBe(400);
  });

  it('a duplicate of a unique field rejects that row only (the batch falls back to row by row)', async () => {
    expect((await w.c.analyst.post('/api/meta/objects/client/fields', { key: 'ext_id', label: { 'zh-CN': '外部编号', en: 'External id' }, type: 'text', unique: true })).status).toBe(201);
    const text = `客户名称,外部编号\n唯一甲,EXT-1\n唯一乙,EXT-2\n唯一丙,EXT-1\n`;
    const started = await w.c.rm.api.imports.start(csvBlob(text), 'unique.csv', { object: 'client', mapping: { 客户名称: 'name', 外部编号: 'ext_id' }, mode: 'insert' });
    const s = await finished(w.c.rm.api, started.id);
    expect(s).toMatchObject({ status: 'done', inserted: 2, rejected: 1 });
    expect(s.errors).toEqual([expect.objectContaining({ row: 4, column: '外部编号', code: 'unique' })]);
    expect((await w.c.rm.api.records.list('client', { filter: { ext_id: { $in: ['EXT-1', 'EXT-2'] } } })).items.map((r) => r.name).sort()).toEqual(['唯一乙', '唯一甲'].sort());
    // Upsert by the external id updates the one holding it.
    const up = await w.c.rm.api.imports.start(csvBlob(`客户名称,外部编号\n唯一甲改,EXT-1\n`), 'unique-up.csv', { object: 'client', mapping: { 客户名称: 'name', 外部编号: 'ext_id' }, mode: 'upsert', key: 'ext_id' });
    expect(await finished(w.c.rm.api, up.id)).toMatchObject({ status: 'done', inserted: 0, updated: 1, rejected: 0 });
    expect((await w.c.rm.api.records.list('client', { filter: { ext_id: 'EXT-1' } })).items[0]).toMatchObject({ name: '唯一甲改', version: 2 });
  });

  const BAD = [
    HEADER,
    `好人甲,${id(10)},10.00,ok`,
    `坏号码,${id(11).slice(0, 17)}${id(11).endsWith('0') ? '1' : '0'},10.00,bad id`,
    `,${id(12)},10.00,no name`,
    `坏金额,${id(13)},12.345.6,bad money`,
    `好人乙,${id(14)},20.00,ok`,
  ].join('\n');

  it('a dry run writes nothing and answers the per-row errors', async () => {
    const before = await count('SELECT count(*) AS n FROM crm_data.client');
    const started = await w.c.rm.api.imports.start(csvBlob(BAD), 'bad.csv', { object: 'client', mapping: MAPPING, mode: 'insert', dryRun: true });
    const s = await finished(w.c.rm.api, started.id);
    expect(s).toMatchObject({ status: 'done', dryRun: true, total: 5, inserted: 2, rejected: 3 });
    expect(s.errors.map((e) => [e.row, e.column])).toEqual([[3, '身份证号'], [4, '客户名称'], [5, '资产']]);
    expect(await count('SELECT count(*) AS n FROM crm_data.client')).toBe(before);
  });

  it('rejects bad rows with row, column and code while the good rows land; rejected.csv has the reasons', async () => {
    const started = await w.c.rm.api.imports.start(csvBlob(BAD), 'bad.csv', { object: 'client', mapping: MAPPING, mode: 'insert' });
    const s = await finished(w.c.rm.api, started.id);
    expect(s).toMatchObject({ status: 'done', total: 5, inserted: 2, updated: 0, rejected: 3 });
    expect(s.errors).toEqual([
      expect.objectContaining({ row: 3, column: '身份证号', code: 'cn_id_number' }),
      expect.objectContaining({ row: 4, column: '客户名称', code: 'required' }),
      expect.objectContaining({ row: 5, column: '资产', code: expect.any(String) }),
    ]);
    for (const e of s.errors) expect(e.message.length).toBeGreaterThan(0);
    expect((await w.c.rm.api.records.list('client', { filter: { name: { $in: ['好人甲', '好人乙'] } } })).items).toHaveLength(2);
    expect((await w.c.rm.api.records.list('client', { filter: { name: '坏金额' } })).items).toHaveLength(0);

    const csv = await w.c.rm.api.imports.rejectedCsv(started.id);
    const lines = csv.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines[0]).toBe(`行号,${HEADER},错误原因`);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^3,坏号码,.*,bad id,身份证号: .+\[cn_id_number\]$/);
    expect(lines[2]).toMatch(/^4,,.*no name,客户名称: .+\[required\]$/);
    expect(lines[3]).toMatch(/^5,坏金额,.*,12\.345\.6,bad money,"资产: .+\[money\]"$/);
  });

  it('upserts by the ID number (through its search hash): an existing record is updated, a new one inserted', async () => {
    const text = `${HEADER}\n张三,${id(1)},5000.00,已更新\n新客户,${id(20)},1.00,新增\n`;
    const opts: ImportOptionsInput = { object: 'client', mapping: MAPPING, mode: 'upsert', key: 'id_number' };
    const started = await w.c.rm.api.imports.start(csvBlob(text), 'upsert.csv', opts);
    expect(await finished(w.c.rm.api, started.id)).toMatchObject({ status: 'done', inserted: 1, updated: 1, rejected: 0 });
    const page = await w.c.rm.api.records.list('client', { filter: { name: '张三' } });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ note: '已更新', aum: '5000.00', version: 2 });

    // The same file with the same options again: the first import answers, nothing changes.
    const rows = await count('SELECT count(*) AS n FROM crm_data.client');
    const again = await w.c.rm.api.imports.start(csvBlob(text), 'upsert-again.csv', opts);
    expect(again).toMatchObject({ id: started.id, repeated: true });
    expect(await count('SELECT count(*) AS n FROM crm_data.client')).toBe(rows);
    expect((await w.c.rm.api.records.list('client', { filter: { name: '张三' } })).items[0]).toMatchObject({ version: 2 });
    expect(await count("SELECT count(*) AS n FROM crm.imports WHERE fingerprint = (SELECT fingerprint FROM crm.imports WHERE id = $1)", [started.id])).toBe(1);
  });

  it('never updates another team\'s record: the row is rejected as not found', async () => {
    const text = `${HEADER}\n冒名,${id(1)},1.00,被篡改\n`;
    const started = await w.c.rm_hz.api.imports.start(csvBlob(text), 'other.csv', { object: 'client', mapping: MAPPING, mode: 'upsert', key: 'id_number' });
    const s = await finished(w.c.rm_hz.api, started.id);
    expect(s).toMatchObject({ status: 'done', inserted: 0, updated: 0, rejected: 1 });
    expect(s.errors[0]).toMatchObject({ row: 2, code: 'records.not_found' });
    expect((await w.c.rm.api.records.list('client', { filter: { name: '张三' } })).items[0]).toMatchObject({ note: '已更新', version: 2 });
    // Nor may another user read someone else's import.
    expect((await refused(w.c.rm_hz.api.imports.get(firstImport))).status).toBe(404);
  });

  it('refuses callers without the create right (403), bad mappings (400) and files over the size limit (413)', async () => {
    const text = csvBlob(`${HEADER}\n甲,${id(30)},1.00,x\n`);
    expect((await refused(w.c.manager.api.imports.start(text, 'a.csv', { object: 'client', mapping: MAPPING, mode: 'insert' }))).status).toBe(403);
    expect((await refused(w.c.auditor.api.imports.start(text, 'a.csv', { object: 'client', mapping: MAPPING, mode: 'insert' }))).status).toBe(403);
    const hidden = await refused(w.c.rm.api.imports.start(text, 'a.csv', { object: 'client', mapping: { ...MAPPING, 备注: 'rating' }, mode: 'insert' }));
    expect(hidden.status).toBe(400);
    expect(hidden.details).toEqual([expect.objectContaining({ code: 'unknown_field' })]);
    const noKey = await refused(w.c.rm.api.imports.start(text, 'a.csv', { object: 'client', mapping: MAPPING, mode: 'upsert' }));
    expect(noKey.status).toBe(400);
    const big = `${HEADER}\n${`甲,${id(31)},1.00,${'x'.repeat(100)}\n`.repeat(12000)}`;
    expect((await refused(w.c.rm.api.imports.start(csvBlob(big), 'big.csv', { object: 'client', mapping: MAPPING, mode: 'insert' }))).status).toBe(413);
  });
});

describe('export', () => {
  it('exports the viewer\'s rows as XLSX, masked as the viewer sees them', async () => {
    for (const role of ['rm', 'compliance']) {
      const permissions = (CUSTOMER_GRANTS[role] as { actions: string[] }[]).map((g) => ({ ...g, actions: [...g.actions, 'export'] }));
      expect((await w.c.security.patch(`/api/admin/roles/${role}`, { permissions })).status).toBe(200);
    }
    const blob = await w.c.rm.api.records.export('client', { format: 'xlsx', filter: JSON.stringify({ name: '张三' }) });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await blob.arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(expect.arrayContaining(['id', '客户名称', '身份证号', '资产']));
    expect(header).not.toContain('内部评级');
    const row = Object.fromEntries(header.map((h, i) => [h, sheet.getRow(2).getCell(i + 1).value]));
    const seen = (await w.c.rm.api.records.list('client', { filter: { name: '张三' } })).items[0]!;
    expect(row).toMatchObject({ 客户名称: '张三', 身份证号: seen.id_number, 资产: '5000.00' });
    expect(String(row['身份证号'])).not.toBe(id(1));
    expect(sheet.rowCount).toBe(2);
    // Compliance may unmask: its export holds the number in clear.
    const clear = await w.c.compliance.api.records.export('client', { format: 'xlsx', filter: JSON.stringify({ name: '张三' }) });
    const b2 = new ExcelJS.Workbook();
    await b2.xlsx.load(Buffer.from(await clear.arrayBuffer()) as unknown as ArrayBuffer);
    const h2 = (b2.worksheets[0]!.getRow(1).values as unknown[]).slice(1);
    expect(b2.worksheets[0]!.getRow(2).getCell(h2.indexOf('身份证号') + 1).value).toBe(id(1));
  });
});

describe('resume', () => {
  it('a server killed mid-import resumes on restart and counts every row once', async () => {
    const N = 6000;
    const lines = [HEADER];
    for (let i = 0; i < N; i++) lines.push(`续传${i},${id(1000 + i)},${i}.00,${i % 500 === 7 ? '' : 'r'}`);
    // Every 500th row is rejected (a bad money cell), so both counters move.
    for (let i = 7; i < N; i += 500) lines[i + 1] = `续传${i},${id(1000 + i)},1.2.3,bad`;
    const started = await w.c.rm.api.imports.start(csvBlob(lines.join('\n')), 'resume.csv', { object: 'client', mapping: MAPPING, mode: 'insert' });
    await until(async () => {
      const s = await w.c.rm.api.imports.get(started.id);
      if (s.processed >= N) throw new Error('the import ended before the server could be stopped');
      return s.processed > 0;
    }, { ms: 60000, everyMs: 50, what: 'the first batch' });
    await srv.kill('SIGKILL');
    const mid = await withClient(srv.dbUrl, async (c) => (await c.query('SELECT next_row, status FROM crm.imports WHERE id = $1', [started.id])).rows[0]);
    expect(mid.status).toBe('running');
    expect(mid.next_row).toBeLessThan(N);

    srv2 = await startServer({ dbUrl: srv.dbUrl, dataDir: srv.dataDir, env: { CRM_IMPORT_BATCH: '100', CRM_MAX_FILE_MB: '1' } });
    const api = (await import('../harness/http.js')).typed(srv2.baseUrl, w.tokens.rm);
    const s = await until(async () => {
      const x = await api.imports.get(started.id);
      return x.status === 'done' || x.status === 'failed' ? x : null;
    }, { ms: 120000, what: 'the resumed import to finish' });
    const rejected = Math.ceil((N - 7) / 500);
    expect(s).toMatchObject({ status: 'done', total: N, processed: N, inserted: N - rejected, rejected });
    expect(await count("SELECT count(*) AS n FROM crm_data.client WHERE name LIKE '续传%'")).toBe(N - rejected);
    expect(await count("SELECT count(DISTINCT name) AS n FROM crm_data.client WHERE name LIKE '续传%'")).toBe(N - rejected);
    expect(await count('SELECT count(*) AS n FROM crm.import_errors WHERE import_id = $1', [started.id])).toBe(rejected);
    // Each record has one audit entry (a batch rolled back by the kill left none behind).
    expect(await count("SELECT count(*) AS n FROM crm.audit_log WHERE action = 'record.create' AND request_id = $1", [`import-${started.id}`])).toBe(N - rejected);
  });
});
