/**
 * The connector registry: named definitions of the built-in kinds (`http` with auth presets,
 * `sql-pull`, `wecom`, `sms`), stored with their secrets encrypted by the platform's field crypto
 * (AES-256-GCM, or SM4 with CRM_CRYPTO=sm) and never answered. Each kind is a BPMN service-task
 * type (`crm:type="sql-pull"` with input `connector`), so processes — and schedules, which are
 * processes with a timer start event — use them; `run` does the same on demand.
 *
 * - http: a call to a path under the connector's URL with its auth preset; origin allow-list
 *   (CRM_WORKFLOW_HTTP_ALLOW) checked when saved and at every call.
 * - sql-pull: reads the source in bounded batches after the stored (watermark, key) and upserts each
 *   row into the object by its key field through RecordsService (validation, audit, triggers), as the
 *   user who last saved the definition — their rights, nothing more. A batch's writes and the moved
 *   watermark commit in one transaction: a crash never skips or repeats a row; a failing row is
 *   rejected and reported without stopping the others.
 * - wecom: gettoken (cached per definition until shortly before it expires, refreshed once when the
 *   API says it expired) + message/send; `invaliduser` is part of the answer (all invalid: BPMN
 *   error WECOM_INVALID_USER); the per-minute send limit is shared by every server process.
 * - sms: a JSON POST to a gateway with an auth preset, the same shared rate limit.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { FieldDef } from '@crm/form-engine';
import {
  ConnectorCreateBody, HttpConnectorConfig, SmsConnectorConfig, SqlPullConnectorConfig, WecomConnectorConfig,
  type Connector, type ConnectorKind, type ConnectorPatch, type ConnectorRunLogEntry, type ConnectorSecretsInput, type ConnectorTestResult, type HttpAuth,
} from '@crm/shared';
import { Db } from '../database/db.js';
import { AppError, badRequest, conflict, notFound } from '../common/app-error.js';
import { parseInput } from '../common/validation.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { FieldCrypto } from '../crypto/field-crypto.js';
import { activePrincipal, type Principal } from '../auth/principal.js';
import { AuditService } from '../audit/audit.service.js';
import { MetadataService } from '../metadata/metadata.service.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import { RecordsService } from '../records/records.service.js';
import { recordsByKey } from '../records/key-lookup.js';
import { systemRead } from '../records/system-reads.js';
import { BpmnError, ServiceTaskRegistry, type ServiceContext } from '../workflow/service-tasks.js';
import { cellToInput } from '../imports/import-cells.js';
import { authHeaders, boundedFetch, originAllowed, safeOrigin, urlUnder } from './connector-http.js';
import { hostPortOf, probe, readBatch, sanitize, type SourceSpec } from './sql-pull-source.js';
import { RequestContext } from '../common/request-context.js';
import { translate } from '../common/i18n.js';
import './connectors.messages.js';

export const CONNECTOR_CLOCK = Symbol('CONNECTOR_CLOCK');
export type Clock = () => Date;

type HttpConfig = ReturnType<typeof HttpConnectorConfig.parse>;
type SqlPullConfig = ReturnType<typeof SqlPullConnectorConfig.parse>;
type WecomConfig = ReturnType<typeof WecomConnectorConfig.parse>;
type SmsConfig = ReturnType<typeof SmsConnectorConfig.parse>;

interface Row {
  id: string;
  key: string;
  name: string;
  kind: ConnectorKind;
  config: Record<string, unknown>;
  secrets_enc: string | null;
  secret_names: string[];
  owner_id: string | null;
  owner: string | null;
  created_at: Date;
  updated_at: Date;
  watermark: string | null;
  last_key: string | null;
  last_run_at: Date | null;
  last_result: Record<string, unknown> | null;
}

interface Loaded {
  row: Row;
  secrets: ConnectorSecretsInput;
}

export interface PullResult {
  batches: number;
  read: number;
  inserted: number;
  updated: number;
  rejected: number;
  watermark: string | null;
  errors: { key: string; message: string }[];
}

const CONFIGS = { http: HttpConnectorConfig, 'sql-pull': SqlPullConnectorConfig, wecom: WecomConnectorConfig, sms: SmsConnectorConfig } as const;
const SECRET_OF: Record<ConnectorKind, keyof ConnectorSecretsInput> = { http: 'secret', sms: 'secret', 'sql-pull': 'connectionString', wecom: 'corpSecret' };
const MOBILE = /^1[3-9]\d{9}$/;
const MAX_REPORTED_ERRORS = 50;
/** WeCom errcodes: access_token invalid / expired; API frequency limits; every recipient invalid. */
const WECOM_TOKEN_STALE = new Set([40014, 42001]);
const WECOM_RATE = new Set([45009, 45033, 45011]);
const WECOM_ALL_INVALID = 81013;

/** A send refused by the shared rate limit: retried later by the job executor; 429 on demand. */
export class RateLimited extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`send rate limit reached; retry in ${retryAfterSeconds} s`);
  }
}

@Injectable()
export class ConnectorsService implements OnModuleInit {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();

  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly records: RecordsService,
    private readonly registry: ServiceTaskRegistry,
    private readonly audit: AuditService,
    @Inject('FIELD_CRYPTO') private readonly crypto: FieldCrypto,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CONNECTOR_CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    const plainHttp = this.registry.get('http');
    this.registry.register('http', (input, ctx) => (typeof input.connector === 'string' || !plainHttp ? this.task('http', input, ctx) : plainHttp(input, ctx)));
    for (const kind of ['sql-pull', 'wecom', 'sms'] as const) this.registry.register(kind, (input, ctx) => this.task(kind, input, ctx));
  }

  // ---------- definitions ----------

  async list(): Promise<Connector[]> {
    return (await this.rows(null)).map((r) => this.view(r));
  }

  async get(key: string): Promise<Connector> {
    return this.view(await this.row(key));
  }

  async create(p: Principal, raw: unknown): Promise<Connector> {
    const body = parseInput(ConnectorCreateBody, raw);
    await this.checkDefinition(body.kind, body.config as Record<string, unknown>, body.secrets ?? {});
    const secrets = body.secrets ?? {};
    await this.db.tx(async (c) => {
      const { rows } = await c.query(
        `INSERT INTO crm.connectors (key, name, kind, config, secrets_enc, secret_names, owner_id) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::uuid)
         ON CONFLICT (key) DO NOTHING RETURNING id`,
        [body.key, body.name, body.kind, JSON.stringify(body.config), this.seal(secrets), Object.keys(secrets).sort(), p.id],
      );
      if (!rows.length) throw conflict('connectors.exists', { key: body.key });
      await this.audit.record({ action: 'connector.create', data: { key: body.key, kind: body.kind, secrets: Object.keys(secrets).sort() } });
    });
    return this.get(body.key);
  }

  async update(p: Principal, key: string, body: ConnectorPatch): Promise<Connector> {
    const cur = await this.load(key);
    const config = body.config ? (parseInput(CONFIGS[cur.row.kind], body.config) as Record<string, unknown>) : cur.row.config;
    const secrets = { ...cur.secrets, ...(body.secrets ?? {}) };
    await this.checkDefinition(cur.row.kind, config, secrets);
    await this.db.tx(async (c) => {
      await c.query(
        `UPDATE crm.connectors SET name = $2, config = $3::jsonb, secrets_enc = $4, secret_names = $5, owner_id = $6::uuid, updated_at = now() WHERE id = $1::uuid`,
        [cur.row.id, body.name ?? cur.row.name, JSON.stringify(config), this.seal(secrets), Object.keys(secrets).sort(), p.id],
      );
      // A changed query or target starts the pull over only when asked to: the watermark stays.
      await this.audit.record({ action: 'connector.update', data: { key, changed: Object.keys(body).sort(), secrets: Object.keys(body.secrets ?? {}).sort() } });
    });
    this.tokens.delete(cur.row.id);
    return this.get(key);
  }

  async remove(key: string): Promise<void> {
    const cur = await this.row(key);
    await this.db.tx(async (c) => {
      await c.query('DELETE FROM crm.connectors WHERE id = $1::uuid', [cur.id]);
      await this.audit.record({ action: 'connector.delete', data: { key } });
    });
    this.tokens.delete(cur.id);
  }

  /** Whether the definition can work: reaches its counterpart without changing anything there. */
  async test(key: string, by: Principal | null = null): Promise<ConnectorTestResult> {
    const d = await this.load(key);
    const r = await this.probeOnce(d);
    await this.logRun(d, 'test', r.ok, r.latencyMs, r.message, by);
    return r;
  }

  private async probeOnce(d: Loaded): Promise<ConnectorTestResult> {
    const started = this.clock().getTime();
    const done = (ok: boolean, message: string, details?: Record<string, unknown>): ConnectorTestResult => ({
      ok, message, latencyMs: Math.max(0, this.clock().getTime() - started), ...(details ? { details } : {}),
    });
    try {
      switch (d.row.kind) {
        case 'http': {
          const cfg = d.row.config as HttpConfig;
          const a = await boundedFetch(cfg.baseUrl, this.config.workflowHttpAllow, { method: 'GET', headers: this.headers(cfg.auth, cfg.headers, d.secrets.secret, ''), timeoutMs: cfg.timeoutMs });
          return done(a.status < 400, `HTTP ${a.status}`, { status: a.status });
        }
        case 'sms': {
          const cfg = d.row.config as SmsConfig;
          const a = await boundedFetch(cfg.url, this.config.workflowHttpAllow, { method: 'GET', headers: this.headers(cfg.auth, undefined, d.secrets.secret, ''), timeoutMs: cfg.timeoutMs });
          return done(a.status < 500, `HTTP ${a.status}`, { status: a.status });
        }
        case 'wecom': {
          this.tokens.delete(d.row.id);
          await this.wecomToken(d);
          return done(true, 'access_token ok');
        }
        case 'sql-pull': {
          const described = await probe(this.sourceSpec(d));
          return done(true, 'ok', described);
        }
      }
    } catch (err) {
      return done(false, this.reason(err, d));
    }
  }

  /** Runs the connector once, as its service task would; errors as API errors. */
  async run(key: string, input: Record<string, unknown>, by: Principal | null = null): Promise<Record<string, unknown>> {
    const d = await this.load(key);
    try {
      const out = await this.execute(d, input, by);
      await this.audit.record({ action: 'connector.run', data: { key, kind: d.row.kind } });
      return out;
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof RateLimited) throw new AppError(429, 'connectors.rate_limited', { seconds: err.retryAfterSeconds }, undefined, { 'retry-after': String(err.retryAfterSeconds) });
      const code = err instanceof BpmnError ? err.code : 'CONNECTOR_FAILED';
      throw new AppError(err instanceof BpmnError ? 400 : 502, 'connectors.run_failed', { code, reason: this.reason(err, d) }, [{ path: '', code, message: this.reason(err, d) }]);
    }
  }

  // ---------- service tasks ----------

  private async task(kind: ConnectorKind, input: Record<string, unknown>, _ctx: ServiceContext): Promise<Record<string, unknown>> {
    const key = typeof input.connector === 'string' ? input.connector : '';
    const d = await this.loadOrNull(key);
    if (!d) throw new BpmnError('CONNECTOR_NOT_FOUND', `no connector "${key.slice(0, 63)}"`);
    if (d.row.kind !== kind) throw new BpmnError('CONNECTOR_KIND_MISMATCH', `connector ${key} is a ${d.row.kind} connector, not ${kind}`);
    // A technical failure is retried by the job executor, then an incident: its message is the
    // sanitised reason (never the raw error, which may quote a URL with a token or a connection string).
    const out = await this.execute(d, input).then((v) => ({ v }), (err: unknown) => ({ err }));
    if ('v' in out) return out.v;
    if (out.err instanceof BpmnError || out.err instanceof RateLimited) throw out.err;
    throw new Error(this.reason(out.err, d));
  }

  /** Runs the connector and keeps the outcome in its run history (latency, a short summary or the sanitised reason). */
  private async execute(d: Loaded, input: Record<string, unknown>, by: Principal | null = null): Promise<Record<string, unknown>> {
    const started = this.clock().getTime();
    const took = () => Math.max(0, this.clock().getTime() - started);
    try {
      const out = await this.executeKind(d, input);
      await this.logRun(d, 'run', true, took(), summaryOf(out), by);
      return out;
    } catch (err) {
      await this.logRun(d, 'run', false, took(), err instanceof AppError ? err.code : this.reason(err, d), by);
      throw err;
    }
  }

  private async logRun(d: Loaded, action: 'test' | 'run', ok: boolean, latencyMs: number, message: string, by: Principal | null): Promise<void> {
    await this.db.query(
      `INSERT INTO crm.connector_runs (connector_id, action, ok, latency_ms, message, run_by) VALUES ($1::uuid, $2, $3, $4, $5, $6::uuid)`,
      [d.row.id, action, ok, Math.round(latencyMs), message.slice(0, 500), by?.id ?? null],
    );
  }

  /** The connector's latest tests and runs, newest first. */
  async runs(key: string, limit = 50): Promise<ConnectorRunLogEntry[]> {
    const cur = await this.row(key);
    const rows = await this.db.query<{ id: string; action: 'test' | 'run'; ok: boolean; latency_ms: number; message: string; run_by: string | null; created_at: Date }>(
      `SELECT r.id::text, r.action, r.ok, r.latency_ms, r.message, u.username AS run_by, r.created_at
       FROM crm.connector_runs r LEFT JOIN crm.users u ON u.id = r.run_by WHERE r.connector_id = $1::uuid ORDER BY r.created_at DESC, r.id DESC LIMIT $2`,
      [cur.id, Math.min(Math.max(1, limit), 200)],
    );
    return rows.map((r) => ({ id: r.id, action: r.action, ok: r.ok, latencyMs: r.latency_ms, message: r.message, runBy: r.run_by, at: r.created_at.toISOString() }));
  }

  private async executeKind(d: Loaded, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const out = typeof input.resultVariable === 'string' && /^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(input.resultVariable) ? input.resultVariable : null;
    switch (d.row.kind) {
      case 'http':
        return { [out ?? 'response']: await this.http(d, input) };
      case 'sql-pull':
        return { [out ?? 'pull']: await this.pull(d) };
      case 'wecom':
        return { [out ?? 'wecom']: await this.wecom(d, input) };
      case 'sms':
        return { [out ?? 'sms']: await this.sms(d, input) };
    }
  }

  // ---------- http ----------

  private headers(auth: HttpAuth, extra: Record<string, string> | undefined, secret: string | undefined, body: string): Record<string, string> {
    return { ...(extra ?? {}), ...authHeaders(auth, secret, body, Math.floor(this.clock().getTime() / 1000)) };
  }

  private async http(d: Loaded, input: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
    const cfg = d.row.config as HttpConfig;
    const method = String(input.method ?? 'GET').toUpperCase();
    if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) throw new BpmnError('HTTP_BAD_METHOD', `method ${method.slice(0, 10)} is not allowed`);
    const url = urlUnder(cfg.baseUrl, typeof input.path === 'string' ? input.path : undefined);
    const body = input.body !== undefined && method !== 'GET' ? JSON.stringify(input.body) : undefined;
    const headers = { 'content-type': 'application/json', ...this.headers(cfg.auth, cfg.headers, d.secrets.secret, body ?? '') };
    const a = await boundedFetch(url, this.config.workflowHttpAllow, { method, headers, ...(body !== undefined ? { body } : {}), timeoutMs: cfg.timeoutMs });
    if (a.status >= 500) throw new Error(`HTTP ${a.status} from ${safeOrigin(url)}`);
    return { status: a.status, body: a.body };
  }

  // ---------- rate limit (shared by every process: one counter row per connector and minute) ----------

  private async takeSend(connectorId: string, perMinute: number): Promise<void> {
    const now = this.clock();
    const window = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
    await this.db.query('DELETE FROM crm.connector_sends WHERE connector_id = $1::uuid AND window_start < $2', [connectorId, window]);
    const rows = await this.db.query(
      `INSERT INTO crm.connector_sends (connector_id, window_start, sent) VALUES ($1::uuid, $2, 1)
       ON CONFLICT (connector_id, window_start) DO UPDATE SET sent = crm.connector_sends.sent + 1 WHERE crm.connector_sends.sent < $3
       RETURNING sent`,
      [connectorId, window, perMinute],
    );
    if (!rows.length) throw new RateLimited(Math.max(1, Math.ceil((window.getTime() + 60_000 - now.getTime()) / 1000)));
  }

  // ---------- wecom ----------

  private async wecomToken(d: Loaded): Promise<string> {
    const cached = this.tokens.get(d.row.id);
    if (cached && cached.expiresAt > this.clock().getTime()) return cached.token;
    const cfg = d.row.config as WecomConfig;
    if (!d.secrets.corpSecret) throw new BpmnError('CONNECTOR_NO_SECRET', 'the connector has no corp secret');
    const url = urlUnder(cfg.baseUrl, `cgi-bin/gettoken?corpid=${encodeURIComponent(cfg.corpId)}&corpsecret=${encodeURIComponent(d.secrets.corpSecret)}`);
    const a = await boundedFetch(url, this.config.workflowHttpAllow, { method: 'GET', headers: {}, timeoutMs: 10_000 });
    const b = (a.body ?? {}) as { errcode?: number; errmsg?: string; access_token?: string; expires_in?: number };
    if (a.status >= 500) throw new Error(`WeCom gettoken answered HTTP ${a.status}`);
    if (b.errcode !== 0 || typeof b.access_token !== 'string') throw new BpmnError('WECOM_TOKEN', `gettoken failed: ${b.errcode ?? a.status} ${String(b.errmsg ?? '').slice(0, 200)}`);
    const life = Number(b.expires_in ?? 0);
    // Refreshed a little before WeCom lets it expire (5 minutes, or a fifth of a short life).
    const margin = life > 1500 ? 300 : life / 5;
    if (life > 0) this.tokens.set(d.row.id, { token: b.access_token, expiresAt: this.clock().getTime() + (life - margin) * 1000 });
    return b.access_token;
  }

  private async wecom(d: Loaded, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const cfg = d.row.config as WecomConfig;
    const users = (Array.isArray(input.touser) ? input.touser : String(input.touser ?? '').split('|')).map((u) => String(u).trim()).filter(Boolean);
    const content = typeof input.content === 'string' ? input.content : typeof input.text === 'string' ? input.text : '';
    const msgtype = input.msgtype === 'markdown' ? 'markdown' : 'text';
    if (!users.length || users.length > 1000 || users.some((u) => !/^[A-Za-z0-9_.@-]{1,64}$/.test(u))) throw new BpmnError('WECOM_BAD_RECIPIENTS', 'touser: 1 to 1000 WeCom user ids');
    if (!content || Buffer.byteLength(content) > 2048) throw new BpmnError('WECOM_BAD_CONTENT', 'content: 1 to 2048 bytes');
    await this.takeSend(d.row.id, cfg.ratePerMinute);
    const body = JSON.stringify({ touser: users.join('|'), msgtype, agentid: cfg.agentId, [msgtype]: { content }, safe: 0 });
    for (let attempt = 0; ; attempt++) {
      const token = await this.wecomToken(d);
      const a = await boundedFetch(urlUnder(cfg.baseUrl, `cgi-bin/message/send?access_token=${encodeURIComponent(token)}`), this.config.workflowHttpAllow, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body, timeoutMs: 10_000,
      });
      if (a.status >= 500) throw new Error(`WeCom message/send answered HTTP ${a.status}`);
      const b = (a.body ?? {}) as { errcode?: number; errmsg?: string; msgid?: string; invaliduser?: string; invalidparty?: string; invalidtag?: string };
      if (b.errcode !== undefined && WECOM_TOKEN_STALE.has(b.errcode) && attempt === 0) {
        this.tokens.delete(d.row.id);
        continue;
      }
      if (b.errcode !== undefined && WECOM_RATE.has(b.errcode)) throw new RateLimited(60);
      const invalidUsers = String(b.invaliduser ?? '').split('|').filter(Boolean);
      if (b.errcode === WECOM_ALL_INVALID) throw new BpmnError('WECOM_INVALID_USER', `no valid recipient: ${invalidUsers.join('|').slice(0, 500)}`);
      if (b.errcode !== 0) throw new BpmnError('WECOM_SEND', `message/send failed: ${b.errcode ?? a.status} ${String(b.errmsg ?? '').slice(0, 200)}`);
      return { msgid: b.msgid ?? null, invalidUsers, invalidParties: String(b.invalidparty ?? '').split('|').filter(Boolean), sent: users.length - invalidUsers.length };
    }
  }

  // ---------- sms ----------

  private async sms(d: Loaded, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const cfg = d.row.config as SmsConfig;
    const phone = String(input.phone ?? '').trim();
    const text = typeof input.text === 'string' ? input.text : '';
    if (!MOBILE.test(phone)) throw new BpmnError('SMS_BAD_PHONE', 'phone: a mainland mobile number');
    if (!text || text.length > 500) throw new BpmnError('SMS_BAD_TEXT', 'text: 1 to 500 characters');
    await this.takeSend(d.row.id, cfg.ratePerMinute);
    const body = JSON.stringify({ ...(cfg.extra ?? {}), [cfg.phoneParam]: phone, [cfg.textParam]: text });
    const a = await boundedFetch(cfg.url, this.config.workflowHttpAllow, {
      method: 'POST', headers: { 'content-type': 'application/json', ...this.headers(cfg.auth, undefined, d.secrets.secret, body) }, body, timeoutMs: cfg.timeoutMs,
    });
    if (a.status >= 500 || a.status === 429) throw new Error(`the SMS gateway answered HTTP ${a.status}`);
    if (a.status >= 400) throw new BpmnError('SMS_REJECTED', `the SMS gateway refused the message: HTTP ${a.status}`);
    const b = (a.body && typeof a.body === 'object' ? a.body : {}) as Record<string, unknown>;
    const id = b.messageId ?? b.id ?? b.msgid ?? null;
    return { status: a.status, messageId: id === null ? null : String(id).slice(0, 200) };
  }

  // ---------- sql-pull ----------

  private sourceSpec(d: Loaded): SourceSpec {
    const cfg = d.row.config as SqlPullConfig;
    const connectionString = d.secrets.connectionString;
    if (!connectionString) throw new BpmnError('CONNECTOR_NO_SECRET', 'the connector has no connection string');
    const hp = hostPortOf(connectionString);
    if (!hp || !this.config.connectorSqlHosts.includes(hp.hostPort)) throw new BpmnError('SQL_PULL_HOST_NOT_ALLOWED', 'the source host is not in CRM_CONNECTOR_SQL_HOSTS');
    return {
      connectionString, query: cfg.query, keyColumn: cfg.keyColumn, watermarkColumn: cfg.watermarkColumn,
      columns: [...new Set([cfg.keyColumn, ...Object.keys(cfg.mapping)])], statementTimeoutMs: cfg.statementTimeoutMs,
    };
  }

  private async pull(d: Loaded): Promise<PullResult> {
    const cfg = d.row.config as SqlPullConfig;
    const spec = this.sourceSpec(d);
    const owner = d.row.owner_id ? await activePrincipal(this.db.q, d.row.owner_id) : null;
    if (!owner) throw new BpmnError('CONNECTOR_NO_OWNER', 'the user who saved this connector no longer exists or is disabled');
    const o = await this.meta.object(cfg.object);
    const keyField = o.byKey.get(cfg.keyField);
    if (!keyField) throw new BpmnError('SQL_PULL_BAD_MAPPING', `object ${cfg.object} has no field ${cfg.keyField}`);
    const total: PullResult = { batches: 0, read: 0, inserted: 0, updated: 0, rejected: 0, watermark: null, errors: [] };
    for (let b = 0; b < cfg.maxBatches; b++) {
      const n = await this.db.tx(async (c) => {
        await c.query('INSERT INTO crm.connector_state (connector_id) VALUES ($1::uuid) ON CONFLICT DO NOTHING', [d.row.id]);
        let state: { watermark: string | null; last_key: string | null };
        try {
          ({ rows: [state] } = await c.query('SELECT watermark, last_key FROM crm.connector_state WHERE connector_id = $1::uuid FOR UPDATE NOWAIT', [d.row.id]));
        } catch (err) {
          if ((err as { code?: string }).code === '55P03') throw new AppError(409, 'connectors.busy');
          throw err;
        }
        const after = state.watermark !== null && state.last_key !== null ? { watermark: state.watermark, key: state.last_key } : null;
        const rows = await readBatch(spec, after, cfg.batchSize);
        for (const r of rows) {
          await c.query('SAVEPOINT pull_row');
          try {
            const outcome = await this.upsert(c, o, keyField, cfg, r.key, r.values, owner);
            await c.query('RELEASE SAVEPOINT pull_row');
            total[outcome]++;
          } catch (err) {
            await c.query('ROLLBACK TO SAVEPOINT pull_row');
            total.rejected++;
            if (total.errors.length < MAX_REPORTED_ERRORS) total.errors.push({ key: r.key.slice(0, 200), message: this.rowMessage(err) });
          }
        }
        const last = rows[rows.length - 1];
        if (last) {
          await c.query('UPDATE crm.connector_state SET watermark = $2, last_key = $3, last_run_at = now() WHERE connector_id = $1::uuid', [d.row.id, last.watermark, last.key]);
          total.watermark = last.watermark;
        }
        return rows.length;
      });
      total.read += n;
      if (n) total.batches++;
      if (n < cfg.batchSize) break;
    }
    if (total.watermark === null) total.watermark = d.row.watermark;
    await this.db.query('UPDATE crm.connector_state SET last_run_at = now(), last_result = $2::jsonb WHERE connector_id = $1::uuid', [d.row.id, JSON.stringify(total)]);
    return total;
  }

  private async upsert(c: PoolClient, o: ObjectMeta, keyField: FieldDef, cfg: SqlPullConfig, key: string, values: Record<string, unknown>, as: Principal): Promise<'inserted' | 'updated'> {
    const input: Record<string, unknown> = {};
    for (const [column, field] of Object.entries(cfg.mapping)) {
      const f = o.byKey.get(field);
      if (f) input[field] = toInput(f, values[column]);
    }
    if (input[keyField.key] === undefined || input[keyField.key] === null) input[keyField.key] = toInput(keyField, key);
    const found = await recordsByKey(c, this.records.crypto, o, keyField, input[keyField.key], systemRead('sql-pull upsert: a key held outside the connector owner\'s scope must not be inserted twice'));
    if (found.length > 1) throw new BpmnError('SQL_PULL_AMBIGUOUS_KEY', 'more than one record has this key');
    if (found.length === 1) {
      await this.records.patch(o.key, found[0]!.id, { ...input, version: found[0]!.version }, as, { lang: 'zh-CN', client: c });
      return 'updated';
    }
    await this.records.create(o.key, input, as, { lang: 'zh-CN', client: c });
    return 'inserted';
  }

  private rowMessage(err: unknown): string {
    if (err instanceof AppError) {
      const details = typeof err.details === 'function' ? err.details('zh-CN') : err.details;
      if (details?.length) return details.map((x) => `${x.path ?? ''} ${x.code}: ${x.message}`.trim()).join('; ').slice(0, 500);
      return err.code;
    }
    if (err instanceof BpmnError) return `${err.code}: ${err.message}`.slice(0, 500);
    return 'the row could not be written';
  }

  // ---------- storage ----------

  /** Refuses what cannot be allowed: an origin outside the allow-list, a database host outside its list, a missing secret, a mapping to unknown fields. */
  private async checkDefinition(kind: ConnectorKind, config: Record<string, unknown>, secrets: ConnectorSecretsInput): Promise<void> {
    const need = SECRET_OF[kind];
    if (kind === 'http' || kind === 'sms') {
      const url = String(kind === 'http' ? config.baseUrl : config.url);
      if (!originAllowed(url, this.config.workflowHttpAllow)) throw badRequest('connectors.url_not_allowed', { origin: safeOrigin(url) });
      const auth = config.auth as HttpAuth | undefined;
      if (auth && auth.type !== 'none' && !secrets.secret) throw badRequest('connectors.secret_required', { name: need });
    } else if (kind === 'wecom') {
      const url = String(config.baseUrl);
      if (!originAllowed(url, this.config.workflowHttpAllow)) throw badRequest('connectors.url_not_allowed', { origin: safeOrigin(url) });
      if (!secrets.corpSecret) throw badRequest('connectors.secret_required', { name: need });
    } else {
      const cs = secrets.connectionString;
      if (!cs) throw badRequest('connectors.secret_required', { name: need });
      const hp = hostPortOf(cs);
      if (!hp) throw badRequest('connectors.bad_connection_string');
      if (!this.config.connectorSqlHosts.includes(hp.hostPort)) throw badRequest('connectors.sql_host_not_allowed');
      const own = this.config.databaseUrl ? hostPortOf(this.config.databaseUrl) : null;
      if (own && own.hostPort === hp.hostPort && own.database === hp.database) throw badRequest('connectors.sql_own_database');
      const cfg = config as SqlPullConfig;
      let o: ObjectMeta;
      try {
        o = await this.meta.object(cfg.object);
      } catch {
        throw badRequest('connectors.bad_mapping', { reason: `unknown object ${cfg.object}` });
      }
      const unknown = [cfg.keyField, ...Object.values(cfg.mapping)].filter((f) => !o.byKey.has(f));
      if (unknown.length) throw badRequest('connectors.bad_mapping', { reason: `unknown field ${unknown.join(', ')}` });
    }
  }

  private seal(secrets: ConnectorSecretsInput): string | null {
    return Object.keys(secrets).length ? this.crypto.encrypt(JSON.stringify(secrets)) : null;
  }

  private reason(err: unknown, d: Loaded): string {
    const raw = err instanceof Error ? err.message : String(err);
    let msg = raw;
    for (const s of Object.values(d.secrets)) if (typeof s === 'string' && s) msg = sanitize(new Error(msg), s);
    const lang = RequestContext.current()?.lang ?? 'zh-CN';
    if (err instanceof Error && err.name === 'TimeoutError') msg = translate('connectors.timeout', lang);
    if (msg === 'fetch failed') msg = translate('connectors.unreachable', lang);
    return msg.slice(0, 500);
  }

  private async rows(key: string | null): Promise<Row[]> {
    return this.db.query<Row & Record<string, unknown>>(
      `SELECT c.id::text, c.key, c.name, c.kind, c.config, c.secrets_enc, c.secret_names, c.owner_id::text, u.username AS owner, c.created_at, c.updated_at,
              s.watermark, s.last_key, s.last_run_at, s.last_result
       FROM crm.connectors c LEFT JOIN crm.users u ON u.id = c.owner_id LEFT JOIN crm.connector_state s ON s.connector_id = c.id
       WHERE ($1::text IS NULL OR c.key = $1) ORDER BY c.key LIMIT 1000`,
      [key],
    );
  }

  private async row(key: string): Promise<Row> {
    const r = (await this.rows(key))[0];
    if (!r) throw notFound('connectors.not_found');
    return r;
  }

  private async loadOrNull(key: string): Promise<Loaded | null> {
    if (!key) return null;
    const r = (await this.rows(key))[0];
    if (!r) return null;
    return { row: r, secrets: r.secrets_enc ? (JSON.parse(this.crypto.decrypt(r.secrets_enc)) as ConnectorSecretsInput) : {} };
  }

  private async load(key: string): Promise<Loaded> {
    const d = await this.loadOrNull(key);
    if (!d) throw notFound('connectors.not_found');
    return d;
  }

  private view(r: Row): Connector {
    return {
      key: r.key, name: r.name, kind: r.kind, config: r.config, secretsSet: r.secret_names, owner: r.owner,
      createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
      state: r.kind === 'sql-pull' ? { watermark: r.watermark, lastKey: r.last_key, lastRunAt: r.last_run_at?.toISOString() ?? null, lastResult: r.last_result } : null,
    };
  }
}

/** One line about what a run did, for the run history (counts and statuses, never a value read). */
function summaryOf(out: Record<string, unknown>): string {
  const v = Object.values(out)[0];
  if (!v || typeof v !== 'object') return 'ok';
  const facts = Object.entries(v as Record<string, unknown>).filter(([, x]) => typeof x === 'number' || typeof x === 'boolean');
  return facts.length ? facts.map(([k, x]) => `${k}=${String(x)}`).join(' ') : 'ok';
}

/** A source value as the wire value of its field: decimals stay strings, dates ISO, texts read like import cells. */
function toInput(f: FieldDef, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return f.type === 'date' ? v.toISOString().slice(0, 10) : v.toISOString();
  if (typeof v === 'string') {
    const x = cellToInput(f, v);
    return x === undefined ? null : x;
  }
  if (typeof v === 'number' && (f.type === 'money' || f.type === 'decimal' || f.type === 'percent')) return String(v);
  return v;
}

