/**
 * `Idempotency-Key` on POST: a core system retrying a call creates nothing twice. The same key and
 * body answers the first answer (marked `idempotent-replayed`); the same key with another body is 422;
 * copies sent at once run once; keys are per caller; an error is not kept (the client may retry).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { as, call, login, typed } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { chain } from './workflow-bpmn.js';

let srv: TestServer;
let token: string;
const count = async () => (await withClient(srv.dbUrl, (c) => c.query(`SELECT count(*)::int AS n FROM crm_data.core_sync WHERE deleted_at IS NULL`))).rows[0].n as number;
// Raw: the typed client sends no Idempotency-Key header, and the idempotent-replayed header is checked.
const post = (path: string, body: unknown, key?: string, t = token) =>
  call(srv.baseUrl, 'POST', path, { token: t, body, headers: key === undefined ? {} : { 'idempotency-key': key } });

beforeAll(async () => {
  srv = await startServer();
  const analyst = await as(srv.baseUrl, 'analyst');
  expect(await analyst.api.meta.createObject({ key: 'core_sync', label: '核心同步', fields: [{ key: 'ref', label: '流水号', type: 'text', required: true }, { key: 'amount', label: '金额', type: 'money' }] })).toMatchObject({ key: 'core_sync' });
  expect(await analyst.api.processes.deploy({ bpmnXml: chain('idem', ['<bpmn:startEvent id="s"/>', '<bpmn:userTask id="t" crm:candidateGroups="analyst"/>', '<bpmn:endEvent id="e"/>']) })).toMatchObject({ key: 'idem', version: 1 });
  token = await login(srv.baseUrl, 'analyst');
});
afterAll(async () => {
  await srv?.stop();
});

describe('Idempotency-Key', () => {
  it('answers a repeat with the first answer and creates nothing twice', async () => {
    const first = await post('/api/records/core_sync', { ref: 'T-001', amount: '100.10' }, 'core-001');
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await post('/api/records/core_sync', { ref: 'T-001', amount: '100.10' }, 'core-001');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await count()).toBe(1);
    // Without a key every POST is its own.
    const records = typed(srv.baseUrl, token).records;
    const [a, b] = [await records.create('core_sync', { ref: 'T-002' }), await records.create('core_sync', { ref: 'T-002' })];
    expect(a.id).not.toBe(b.id);
    expect(await count()).toBe(3);
  });

  it('refuses the same key with a different body, and a malformed key', async () => {
    const other = await post('/api/records/core_sync', { ref: 'T-001', amount: '999.00' }, 'core-001');
    expect(other).toMatchObject({ status: 422, body: { error: { code: 'idempotency.key_reused' } } });
    for (const bad of ['', 'x'.repeat(201), 'has space', '中文键']) {
      const r = await call(srv.baseUrl, 'POST', '/api/records/core_sync', { token, body: { ref: 'X' }, headers: { 'idempotency-key': bad } }).catch(() => ({ status: 400 }));
      expect([bad.slice(0, 10), r.status]).toEqual([bad.slice(0, 10), 400]);
    }
    expect(await count()).toBe(3);
  });

  it('runs copies sent at once exactly once', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => post('/api/process-definitions/idem/start', { variables: {} }, 'start-777')));
    const ok = answers.filter((a) => a.status === 201);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((a) => a.body.id)).size).toBe(1);
    for (const a of answers.filter((x) => x.status !== 201)) expect(a).toMatchObject({ status: 409, body: { error: { code: 'idempotency.in_progress' } } });
    const n = (await withClient(srv.dbUrl, (c) => c.query(`SELECT count(*)::int AS n FROM crm.wf_instances WHERE definition_key = 'idem'`))).rows[0].n;
    expect(n).toBe(1);
  });

  it('keeps keys per caller, and does not keep an error', async () => {
    // Another caller's identical key is theirs alone: a second analyst gets a record of their own.
    const admin = await as(srv.baseUrl, 'admin');
    expect(await admin.api.admin.createUser({ username: 'analyst2', password: 'Analyst#2026b', displayName: '钱分析二', roles: ['analyst'] })).toMatchObject({ username: 'analyst2' });
    const second = await login(srv.baseUrl, 'analyst2', 'Analyst#2026b');
    const theirs = await post('/api/records/core_sync', { ref: 'T-001', amount: '100.10' }, 'core-001', second);
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    // An error is not kept: after fixing the request the same key goes through once.
    const invalid = await post('/api/records/core_sync', { amount: 'not money' }, 'core-err');
    expect(invalid.status).toBe(400);
    const fixed = await post('/api/records/core_sync', { ref: 'T-003', amount: '3.00' }, 'core-err');
    expect(fixed.status).toBe(201);
    expect((await post('/api/records/core_sync', { ref: 'T-003', amount: '3.00' }, 'core-err')).headers.get('idempotent-replayed')).toBe('true');
    expect(await count()).toBe(5);
    const stored = await withClient(srv.dbUrl, (c) => c.query(`SELECT count(*)::int AS n FROM crm.idempotency_keys`));
    expect(stored.rows[0].n).toBe(4); // core-001 (twice: two callers), start-777, core-err
  });
});
