/**
 * The connector registry against real counterparts: a second PostgreSQL database standing for a
 * core-banking replica (sql-pull keeps `holding` records in step: insert, update, ties on the
 * watermark across batch boundaries, resume from the watermark, a bad row rejected and reported,
 * also as a BPMN service task), a real local HTTP server speaking the WeCom API shape (gettoken +
 * message/send: the token is cached, refreshed when WeCom says it expired, `invaliduser` reported,
 * the send limit respected), an SMS gateway and a partner API checking auth presets (bearer, basic,
 * API key, HMAC). And the insider's attacks: a host outside the allow-lists, the platform's own
 * database, a query that writes, a designer writing into an object they may not write, secrets
 * read back, a path that leaves the connector's origin, a role without the designer right.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ConnectorRunResultSchema, ConnectorSchema, ConnectorTestResultSchema, type ConnectorCreate } from '@crm/shared';
import { startServer, type TestServer } from '../harness/server.js';
import { as, refused, type Reply } from '../harness/http.js';
import { adminUrl, createTestDatabase, dropTestDatabase, withClient } from '../harness/db.js';
import { until } from '../harness/until.js';
import { chain } from './workflow-bpmn.js';

type Client = Awaited<ReturnType<typeof as>>;
const PASSWORD = 'Src-Pa55word-xyz';
const CORP_SECRET = 'corp-secret-0123456789';
const SMS_TOKEN = 'sms-token-abcdef';
const HMAC_KEY = 'hmac-key-0011223344';

interface Seen { method: string; path: string; query: URLSearchParams; headers: http.IncomingHttpHeaders; body: string }

/** One local server playing WeCom (/cgi-bin/...), an SMS gateway (/sms/send) and a partner API (/partner/...). */
class Counterpart {
  readonly seen: Seen[] = [];
  tokenSeq = 0;
  validTokens = new Set<string>();
  expiresIn = 7200;
  /** WeCom user ids that exist. */
  users = new Set(['zhangsan', 'lisi']);
  sendErrcode: number | null = null;
  smsStatus = 200;
  port = 0;
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const s: Seen = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      this.seen.push(s);
      const json = (status: number, b: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(b));
      };
      if (s.path === '/cgi-bin/gettoken') {
        if (s.query.get('corpid') !== 'ww-corp' || s.query.get('corpsecret') !== CORP_SECRET) return json(200, { errcode: 40001, errmsg: 'invalid credential' });
        const t = `tok-${++this.tokenSeq}`;
        this.validTokens.add(t);
        return json(200, { errcode: 0, errmsg: 'ok', access_token: t, expires_in: this.expiresIn });
      }
      if (s.path === '/cgi-bin/message/send') {
        if (!this.validTokens.has(s.query.get('access_token') ?? '')) return json(200, { errcode: 42001, errmsg: 'access_token expired' });
        if (this.sendErrcode !== null) return json(200, { errcode: this.sendErrcode, errmsg: 'api freq out of limit' });
        const b = JSON.parse(s.body) as { touser: string; agentid: number; msgtype: string; text?: { content: string } };
        const to = b.touser.split('|');
        const invalid = to.filter((u) => !this.users.has(u));
        if (invalid.length === to.length) return json(200, { errcode: 81013, errmsg: 'user & party & tag all invalid', invaliduser: invalid.join('|') });
        return json(200, { errcode: 0, errmsg: 'ok', msgid: `m${this.seen.length}`, ...(invalid.length ? { invaliduser: invalid.join('|') } : {}) });
      }
      if (s.path === '/sms/send') {
        if (s.method === 'GET') return json(405, { error: 'POST only' });
        if (req.headers.authorization !== `Bearer ${SMS_TOKEN}`) return json(401, { error: 'unauthorized' });
        return json(this.smsStatus, this.smsStatus === 200 ? { id: `sms-${this.seen.length}` } : { error: 'refused' });
      }
      if (s.path.startsWith('/partner')) return json(200, { ok: true, path: s.path });
      json(404, { error: 'no such path' });
    });
  });
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }
  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
  at(path: string): Seen[] {
    return this.seen.filter((s) => s.path === path);
  }
}

describe('connectors', () => {
  const cp = new Counterpart();
  let srv: TestServer;
  let srcUrl: string;
  let sourceCs: string;
  let origin: string;
  let analyst: Client;
  let rm: Client;
  const src = <T extends Record<string, unknown> = any>(text: string, params: unknown[] = []) => withClient(srcUrl, async (db) => (await db.query<T>(text, params)).rows);

  beforeAll(async () => {
    await cp.start();
    origin = `http://127.0.0.1:${cp.port}`;
    // The "core-banking replica": a second database, reached with a password-bearing connection string.
    srcUrl = await createTestDatabase('src');
    await src(`CREATE TABLE holdings (account_no text PRIMARY KEY, product text, balance numeric(18,2), opened_on date, updated_at timestamptz NOT NULL)`);
    await src(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'crm_pull') THEN CREATE ROLE crm_pull LOGIN PASSWORD '${PASSWORD}'; END IF; END $$`);
    await src('GRANT SELECT, INSERT, DELETE ON holdings TO crm_pull'); // more than it needs: the connector must still only read
    const u = new URL(srcUrl);
    u.username = 'crm_pull';
    u.password = PASSWORD;
    sourceCs = u.toString();
    const a = new URL(adminUrl());
    srv = await startServer({
      env: { CRM_WORKFLOW_HTTP_ALLOW: origin, CRM_CONNECTOR_SQL_HOSTS: `${a.hostname}:${a.port || 5432}`, LOG_LEVEL: 'info' },
    });
    analyst = await as(srv.baseUrl, 'analyst');
    rm = await as(srv.baseUrl, 'rm');
    const sec = await as(srv.baseUrl, 'security');
    const created = await analyst.post('/api/meta/objects', {
      key: 'holding', label: { 'zh-CN': '持仓', en: 'Holding' },
      fields: [
        { key: 'account_no', label: '账号', type: 'text', required: true, unique: true },
        { key: 'product', label: '产品', type: 'select', options: { choices: [{ value: 'deposit', label: '存款' }, { value: 'fund', label: '基金' }] } },
        { key: 'balance', label: '余额', type: 'decimal', options: { precision: 18, scale: 2 } },
        { key: 'opened_on', label: '开户日', type: 'date' },
      ],
    });
    expect(created.status).toBe(201);
    const locked = await analyst.post('/api/meta/objects', { key: 'vault', label: '金库', fields: [{ key: 'code', label: '编号', type: 'text' }] });
    expect(locked.status).toBe(201);
    // The analyst (who saves the connector, so its runs write as them) may write holdings, not vault.
    const g = await sec.patch('/api/admin/roles/analyst', { permissions: [{ object: 'holding', actions: ['create', 'read', 'update'], scope: 'all' }] });
    expect(g.status).toBe(200);
  });

  afterAll(async () => {
    await srv?.stop();
    await cp.stop();
    if (srcUrl) await dropTestDatabase(srcUrl);
  });

  const pullDef = (key: string, extra: Partial<Record<string, unknown>> = {}, cs = sourceCs): ConnectorCreate => ({
    key, name: '核心系统持仓', kind: 'sql-pull',
    secrets: { connectionString: cs },
    config: {
      query: 'SELECT account_no, product, balance, opened_on, updated_at FROM holdings',
      keyColumn: 'account_no', watermarkColumn: 'updated_at', object: 'holding', keyField: 'account_no',
      mapping: { account_no: 'account_no', product: 'product', balance: 'balance', opened_on: 'opened_on' }, batchSize: 2, ...extra,
    },
  } as ConnectorCreate);
  const holdings = async () => {
    const r = await analyst.post('/api/records/holding/query', { sort: 'account_no', limit: 100 });
    expect(r.status).toBe(200);
    return (r.body.items as Record<string, unknown>[]).map((h) => [h.account_no, h.product, h.balance, h.opened_on]);
  };

  describe('sql-pull', () => {
    it('refuses a source outside the allow-list, the platform\'s own database, a mapping to unknown fields, and non-designers', async () => {
      const far = new URL(sourceCs);
      far.hostname = '10.1.2.3';
      expect((await refused(analyst.api.connectors.create(pullDef('far', {}, far.toString())))).code).toBe('connectors.sql_host_not_allowed');
      const own = new URL(srv.dbUrl);
      expect((await refused(analyst.api.connectors.create(pullDef('own', {}, own.toString())))).code).toBe('connectors.sql_own_database');
      expect((await refused(analyst.api.connectors.create(pullDef('bad_map', { mapping: { balance: 'no_such_field' } })))).code).toBe('connectors.bad_mapping');
      expect((await refused(analyst.api.connectors.create({ ...pullDef('no_secret'), secrets: {} }))).code).toBe('connectors.secret_required');
      expect((await rm.post('/api/connectors', pullDef('by_rm'))).status).toBe(403);
      expect((await rm.get('/api/connectors')).status).toBe(403);
      expect((await analyst.api.connectors.list()).map((c) => c.key)).toEqual([]);
    });

    it('never answers the connection string, and test-connection describes the query', async () => {
      const c = ConnectorSchema.parse(await analyst.api.connectors.create(pullDef('core_holdings')));
      expect(c).toMatchObject({ key: 'core_holdings', kind: 'sql-pull', secretsSet: ['connectionString'], owner: 'analyst', state: { watermark: null } });
      expect(JSON.stringify(await analyst.get('/api/connectors'))).not.toContain(PASSWORD);
      const t = ConnectorTestResultSchema.parse(await analyst.api.connectors.test('core_holdings'));
      expect(t).toMatchObject({ ok: true, details: { watermarkType: 'timestamp with time zone' } });
      expect(t.details!.columns).toEqual(['account_no', 'product', 'balance', 'opened_on', 'updated_at']);
      // Stored encrypted: the password is nowhere in the platform's table.
      const raw = await withClient(srv.dbUrl, async (db) => JSON.stringify((await db.query('SELECT * FROM crm.connectors')).rows));
      expect(raw).not.toContain(PASSWORD);
      expect(raw).not.toContain('crm_pull');
    });

    it('keeps holdings in step: inserts, ties on the watermark across batches, updates, resumes from the watermark, rejects a bad row', async () => {
      const t0 = '2026-11-01T08:00:00Z';
      await src(`INSERT INTO holdings VALUES ('A001', 'deposit', '1000.10', '2020-01-02', $1), ('A002', 'fund', '2500.00', '2021-03-04', $1), ('A003', 'deposit', '0.01', NULL, $1)`, [t0]);
      const first = ConnectorRunResultSchema.parse(await analyst.api.connectors.run('core_holdings')).output.pull as Record<string, unknown>;
      // Three rows with one watermark value, batches of two: none skipped at the batch boundary.
      expect(first).toMatchObject({ read: 3, inserted: 3, updated: 0, rejected: 0, batches: 2 });
      expect(await holdings()).toEqual([['A001', 'deposit', '1000.10', '2020-01-02'], ['A002', 'fund', '2500.00', '2021-03-04'], ['A003', 'deposit', '0.01', null]]);

      // Nothing new: nothing read, nothing written.
      expect((await analyst.api.connectors.run('core_holdings')).output.pull).toMatchObject({ read: 0, inserted: 0, updated: 0 });

      await src(`UPDATE holdings SET balance = '999999999.99', updated_at = '2026-11-02T08:00:00Z' WHERE account_no = 'A002'`);
      await src(`INSERT INTO holdings VALUES ('A004', 'fund', '12.34', '2024-05-06', '2026-11-02T09:00:00Z'), ('A005', 'gold', '1.00', NULL, '2026-11-02T09:30:00Z')`);
      const second = (await analyst.api.connectors.run('core_holdings')).output.pull as { errors: { key: string; message: string }[] };
      expect(second).toMatchObject({ read: 3, inserted: 1, updated: 1, rejected: 1, watermark: '2026-11-02 09:30:00+00' });
      expect(second.errors).toHaveLength(1);
      expect(second.errors[0]).toMatchObject({ key: 'A005' });
      expect(second.errors[0]!.message).toMatch(/product/);
      expect(await holdings()).toEqual([
        ['A001', 'deposit', '1000.10', '2020-01-02'], ['A002', 'fund', '999999999.99', '2021-03-04'], ['A003', 'deposit', '0.01', null], ['A004', 'fund', '12.34', '2024-05-06'],
      ]);
      const state = (await analyst.api.connectors.get('core_holdings')).state!;
      expect(state).toMatchObject({ watermark: '2026-11-02 09:30:00+00', lastKey: 'A005' });
      expect(state.lastResult).toMatchObject({ inserted: 1, updated: 1, rejected: 1 });

      // The writes went through the record service: audited as the connector's owner.
      const audit = await withClient(srv.dbUrl, async (db) => (await db.query(`SELECT action, actor_name FROM crm.audit_log WHERE object = 'holding' ORDER BY seq`)).rows);
      expect(audit.length).toBeGreaterThanOrEqual(5);
      expect(new Set(audit.map((a) => a.actor_name))).toEqual(new Set(['analyst']));
    });

    it('runs as a BPMN service task (the way a schedule — a timer start event — runs it)', async () => {
      await src(`INSERT INTO holdings VALUES ('A006', 'deposit', '66.60', NULL, '2026-11-03T00:00:00Z')`);
      const xml = chain('pull_holdings', [
        '<bpmn:startEvent id="s"/>',
        `<bpmn:serviceTask id="pull" crm:type="sql-pull"><bpmn:extensionElements><crm:ioMapping><crm:input source="=&quot;core_holdings&quot;" target="connector"/><crm:output source="=pull.inserted" target="pulled"/></crm:ioMapping></bpmn:extensionElements></bpmn:serviceTask>`,
        '<bpmn:endEvent id="e"/>',
      ]);
      expect((await analyst.post('/api/process-definitions', { bpmnXml: xml })).status).toBe(201);
      const inst = await analyst.api.processes.start('pull_holdings');
      const done = await until(async () => {
        const i = await analyst.api.instances.get(inst.id);
        return i.state !== 'active' ? i : null;
      }, 30000);
      expect(done.state).toBe('completed');
      expect(done.variables).toMatchObject({ pulled: 1 });
      expect((await holdings()).map((h) => h[0])).toContain('A006');
    });

    it('a query that writes changes nothing in the source; the owner\'s rights bound what a pull may write', async () => {
      await analyst.api.connectors.create(pullDef('writer', { query: 'WITH d AS (DELETE FROM holdings RETURNING *) SELECT * FROM d' }));
      const w = await analyst.post('/api/connectors/writer/run', {});
      expect(w.status).toBe(400);
      expect(w.body.error.code).toBe('connectors.run_failed');
      await analyst.api.connectors.create(pullDef('stacked', { query: 'SELECT account_no, product, balance, opened_on, updated_at FROM holdings; DELETE FROM holdings' }));
      expect((await analyst.post('/api/connectors/stacked/run', {})).status).toBe(400);
      await analyst.api.connectors.create(pullDef('fn_write', { query: "SELECT account_no, product, balance, opened_on, updated_at FROM holdings WHERE (SELECT count(*) FROM (SELECT set_config('transaction_read_only', 'off', true)) x) > 0" }));
      expect((await analyst.post('/api/connectors/fn_write/run', {})).status).toBe(400);
      expect((await src('SELECT count(*)::int AS n FROM holdings'))[0].n).toBe(6);

      // The analyst may not write `vault`: every row is rejected, nothing is written.
      await analyst.api.connectors.create({
        key: 'into_vault', name: 'vault', kind: 'sql-pull', secrets: { connectionString: sourceCs },
        config: { query: 'SELECT account_no, updated_at FROM holdings', keyColumn: 'account_no', watermarkColumn: 'updated_at', object: 'vault', keyField: 'code', mapping: { account_no: 'code' } },
      });
      const v = (await analyst.api.connectors.run('into_vault')).output.pull as Record<string, unknown>;
      expect(v).toMatchObject({ read: 6, inserted: 0, rejected: 6 });
      expect(await withClient(srv.dbUrl, async (db) => (await db.query('SELECT count(*)::int AS n FROM crm_data.vault')).rows[0].n)).toBe(0);
      expect(srv.output()).not.toContain(PASSWORD);
    });
  });

  describe('wecom', () => {
    const def = (extra: Record<string, unknown> = {}): ConnectorCreate => ({
      key: 'wecom_app', name: '企业微信', kind: 'wecom', secrets: { corpSecret: CORP_SECRET }, config: { baseUrl: origin, corpId: 'ww-corp', agentId: 1000002, ...extra },
    } as ConnectorCreate);

    it('caches the token, refreshes it when WeCom says it expired, reports invaliduser', async () => {
      const c = await analyst.api.connectors.create(def());
      expect(c.secretsSet).toEqual(['corpSecret']);
      expect(JSON.stringify(c)).not.toContain(CORP_SECRET);
      const send = (touser: string[]) => analyst.api.connectors.run('wecom_app', { input: { touser, content: '您有一条新的待办：客户 KYC 复核' } });
      const a = await send(['zhangsan']);
      expect(a.output.wecom).toMatchObject({ invalidUsers: [], sent: 1 });
      const b = await send(['zhangsan', 'ghost']);
      expect(b.output.wecom).toMatchObject({ invalidUsers: ['ghost'], sent: 1 });
      expect(cp.at('/cgi-bin/gettoken')).toHaveLength(1);
      const last = JSON.parse(cp.at('/cgi-bin/message/send').at(-1)!.body);
      expect(last).toMatchObject({ touser: 'zhangsan|ghost', msgtype: 'text', agentid: 1000002, text: { content: '您有一条新的待办：客户 KYC 复核' } });

      // WeCom expires the token early: one refresh, the message still goes out once.
      cp.validTokens.clear();
      const sendsBefore = cp.at('/cgi-bin/message/send').length;
      await send(['lisi']);
      expect(cp.at('/cgi-bin/gettoken')).toHaveLength(2);
      expect(cp.at('/cgi-bin/message/send').length - sendsBefore).toBe(2);

      // Every recipient invalid: an error naming them.
      const all = await analyst.post('/api/connectors/wecom_app/run', { input: { touser: ['ghost'], content: 'x' } });
      expect(all.status).toBe(400);
      expect(all.body.error.details[0]).toMatchObject({ code: 'WECOM_INVALID_USER' });
      expect(all.body.error.message).toContain('ghost');
    });

    it('a token that expires at once is not cached; a wrong secret fails test-connection without echoing it', async () => {
      cp.expiresIn = 0;
      cp.validTokens.clear();
      const before = cp.at('/cgi-bin/gettoken').length;
      await analyst.api.connectors.run('wecom_app', { input: { touser: 'zhangsan', content: 'a' } });
      await analyst.api.connectors.run('wecom_app', { input: { touser: 'zhangsan', content: 'b' } });
      expect(cp.at('/cgi-bin/gettoken').length - before).toBe(2);
      cp.expiresIn = 7200;
      expect(await analyst.api.connectors.test('wecom_app')).toMatchObject({ ok: true });
      await analyst.api.connectors.update('wecom_app', { secrets: { corpSecret: 'wrong-secret-123' } });
      const t = await analyst.api.connectors.test('wecom_app');
      expect(t).toMatchObject({ ok: false });
      expect(t.message).toContain('40001');
      expect(JSON.stringify(t)).not.toContain('wrong-secret-123');
      await analyst.api.connectors.update('wecom_app', { secrets: { corpSecret: CORP_SECRET } });
    });

    it('respects the send rate limit (shared by all processes) and WeCom\'s own frequency errors', async () => {
      // Not across a minute boundary: the limit counts per minute.
      await until(() => new Date().getSeconds() < 45, { ms: 20000, what: 'the first 45 s of a minute' });
      await analyst.api.connectors.create({ ...def({ ratePerMinute: 2 }), key: 'wecom_limited' } as ConnectorCreate);
      const before = cp.at('/cgi-bin/message/send').length;
      const r: Reply[] = [];
      for (const i of [1, 2, 3]) r.push(await analyst.post('/api/connectors/wecom_limited/run', { input: { touser: 'zhangsan', content: `m${i}` } }));
      expect(r.map((x) => x.status)).toEqual([200, 200, 429]);
      expect(r[2]!.body.error.code).toBe('connectors.rate_limited');
      expect(Number(r[2]!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(cp.at('/cgi-bin/message/send').length - before).toBe(2);

      cp.sendErrcode = 45009;
      const limited = await analyst.post('/api/connectors/wecom_app/run', { input: { touser: 'zhangsan', content: 'x' } });
      expect(limited.status).toBe(429);
      cp.sendErrcode = null;
    });
  });

  describe('sms and http auth presets', () => {
    it('sends an SMS through the gateway with its bearer token; a bad phone and a refusal are errors', async () => {
      await analyst.api.connectors.create({ key: 'sms_gw', name: '短信网关', kind: 'sms', secrets: { secret: SMS_TOKEN }, config: { url: `${origin}/sms/send`, auth: { type: 'bearer' }, phoneParam: 'mobile', textParam: 'content', extra: { sign: '某银行' } } } as ConnectorCreate);
      const ok = await analyst.api.connectors.run('sms_gw', { input: { phone: '13800138000', text: '【某银行】您的验证码 123456' } });
      expect(ok.output.sms).toMatchObject({ status: 200 });
      expect(String((ok.output.sms as { messageId: string }).messageId)).toMatch(/^sms-/);
      expect(JSON.parse(cp.at('/sms/send').at(-1)!.body)).toEqual({ sign: '某银行', mobile: '13800138000', content: '【某银行】您的验证码 123456' });
      const bad = await analyst.post('/api/connectors/sms_gw/run', { input: { phone: '12345', text: 'x' } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details[0].code).toBe('SMS_BAD_PHONE');
      cp.smsStatus = 400;
      const refusedSms = await analyst.post('/api/connectors/sms_gw/run', { input: { phone: '13800138000', text: 'x' } });
      expect(refusedSms.body.error.details[0].code).toBe('SMS_REJECTED');
      cp.smsStatus = 503;
      expect((await analyst.post('/api/connectors/sms_gw/run', { input: { phone: '13800138000', text: 'x' } })).status).toBe(502);
      cp.smsStatus = 200;
      expect(JSON.stringify(await analyst.api.connectors.get('sms_gw'))).not.toContain(SMS_TOKEN);
    });

    it('signs with HMAC, sends basic and API-key credentials, and stays under its origin', async () => {
      await analyst.api.connectors.create({ key: 'partner_hmac', name: 'p', kind: 'http', secrets: { secret: HMAC_KEY }, config: { baseUrl: `${origin}/partner`, auth: { type: 'hmac' } } } as ConnectorCreate);
      const out = await analyst.api.connectors.run('partner_hmac', { input: { method: 'POST', path: 'score', body: { id: 'A001', amount: '1000.00' } } });
      expect(out.output.response).toMatchObject({ status: 200, body: { ok: true, path: '/partner/score' } });
      const seen = cp.at('/partner/score').at(-1)!;
      const expected = createHmac('sha256', HMAC_KEY).update(`${String(seen.headers['x-timestamp'])}.${seen.body}`).digest('base64');
      expect(seen.headers['x-signature']).toBe(expected);

      await analyst.api.connectors.create({ key: 'partner_basic', name: 'p', kind: 'http', secrets: { secret: 's3cret' }, config: { baseUrl: `${origin}/partner`, auth: { type: 'basic', username: 'crm' } } } as ConnectorCreate);
      await analyst.api.connectors.run('partner_basic', { input: { path: 'b' } });
      expect(cp.at('/partner/b').at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('crm:s3cret').toString('base64')}`);
      await analyst.api.connectors.create({ key: 'partner_key', name: 'p', kind: 'http', secrets: { secret: 'k-123' }, config: { baseUrl: `${origin}/partner`, auth: { type: 'api-key', header: 'X-Api-Key' } } } as ConnectorCreate);
      await analyst.api.connectors.run('partner_key', { input: { path: 'k' } });
      expect(cp.at('/partner/k').at(-1)!.headers['x-api-key']).toBe('k-123');

      for (const path of ['//evil.example/x', 'http://evil.example/x']) {
        const r = await analyst.post('/api/connectors/partner_key/run', { input: { path } });
        expect(r.status).toBe(400);
        expect(r.body.error.details[0].code).toBe('CONNECTOR_BAD_PATH');
      }
      expect((await refused(analyst.api.connectors.create({ key: 'intranet', name: 'x', kind: 'http', config: { baseUrl: 'http://10.0.0.8/core' } } as ConnectorCreate))).code).toBe('connectors.url_not_allowed');
      expect((await refused(analyst.api.connectors.create({ key: 'wecom_far', name: 'x', kind: 'wecom', secrets: { corpSecret: 'x' }, config: { corpId: 'a', agentId: 1 } } as ConnectorCreate))).code).toBe('connectors.url_not_allowed');
      // A secret value is never echoed, even in a validation error.
      const v = await analyst.post('/api/connectors', { key: 'x', name: 'x', kind: 'http', secrets: { secret: 'leak-me-please', extra: 1 }, config: { baseUrl: origin } });
      expect(v.status).toBe(400);
      expect(JSON.stringify(v.body)).not.toContain('leak-me-please');
    });

    it('a service task names its connector (its auth preset applies); the connector can be deleted', async () => {
      const xml = chain('notify_partner', [
        '<bpmn:startEvent id="s"/>',
        `<bpmn:serviceTask id="call" crm:type="http"><bpmn:extensionElements><crm:ioMapping><crm:input source="=&quot;partner_key&quot;" target="connector"/><crm:input source="=&quot;task&quot;" target="path"/><crm:output source="=response.status" target="partnerStatus"/></crm:ioMapping></bpmn:extensionElements></bpmn:serviceTask>`,
        '<bpmn:endEvent id="e"/>',
      ]);
      expect((await analyst.post('/api/process-definitions', { bpmnXml: xml })).status).toBe(201);
      const inst = await analyst.api.processes.start('notify_partner');
      const done = await until(async () => {
        const i = await analyst.api.instances.get(inst.id);
        return i.state !== 'active' ? i : null;
      }, 30000);
      expect(done).toMatchObject({ state: 'completed', variables: { partnerStatus: 200 } });
      expect(cp.at('/partner/task').at(-1)!.headers['x-api-key']).toBe('k-123');
      expect((await analyst.del('/api/connectors/partner_basic')).status).toBe(204);
      expect((await analyst.get('/api/connectors/partner_basic')).status).toBe(404);
    });
  });
});
