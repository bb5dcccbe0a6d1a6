/**
 * Connectors to bank systems (`/api/connectors`, platform right `designer`): one registry of named
 * definitions, each of a built-in kind, usable as a BPMN service task (`crm:type` = the kind, input
 * `connector` = the key) — so also from schedules (a timer start event) — and run on demand. Secrets
 * (a password, token, API key, HMAC key, WeCom corp secret, a database connection string) are write-only:
 * stored encrypted with the platform's data key, never answered (only the names of the ones set).
 */
import { z } from 'zod';
import { Key, plainText } from './common.js';

export const CONNECTOR_KINDS = ['http', 'sql-pull', 'wecom', 'sms'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

const HEADER = /^[A-Za-z0-9-]{1,64}$/;
const httpUrl = z.string().max(2000).url().refine((u) => /^https?:\/\//i.test(u), { message: 'an http(s) URL' });

/** How an HTTP call authenticates; the secret part (password, token, key) is the connector's `secret`. */
export const HttpAuthSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z.object({ type: z.literal('basic'), username: plainText().min(1).max(200) }).strict(),
  z.object({ type: z.literal('bearer') }).strict(),
  z.object({ type: z.literal('api-key'), header: z.string().regex(HEADER) }).strict(),
  /** Signs `<timestamp>.<body>` with HMAC (SHA-256, or SM3): headers `timestampHeader` (Unix seconds) and `signatureHeader` (base64). */
  z.object({
    type: z.literal('hmac'),
    algorithm: z.enum(['sha256', 'sm3']).default('sha256'),
    signatureHeader: z.string().regex(HEADER).default('x-signature'),
    timestampHeader: z.string().regex(HEADER).default('x-timestamp'),
  }).strict(),
]);
export type HttpAuth = z.infer<typeof HttpAuthSchema>;

const headers = z.record(z.string().regex(HEADER), plainText().max(1000)).refine((h) => Object.keys(h).length <= 20, { message: 'at most 20 headers' });

export const HttpConnectorConfig = z
  .object({
    /** Calls go to paths under this URL; its origin must be in CRM_WORKFLOW_HTTP_ALLOW. */
    baseUrl: httpUrl,
    auth: HttpAuthSchema.default({ type: 'none' }),
    headers: headers.optional(),
    timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  })
  .strict();

export const SqlPullConnectorConfig = z
  .object({
    /** A SELECT on the source; run read-only, wrapped, ordered by (watermark, key) and bounded by the batch size. */
    query: plainText().min(1).max(20_000),
    keyColumn: z.string().min(1).max(63),
    watermarkColumn: z.string().min(1).max(63),
    /** The target object, its unique key field, and source column → field. */
    object: Key,
    keyField: Key,
    mapping: z.record(z.string().min(1).max(63), Key).refine((m) => Object.keys(m).length >= 1 && Object.keys(m).length <= 200, { message: 'map 1 to 200 columns' }),
    batchSize: z.number().int().min(1).max(5000).default(500),
    maxBatches: z.number().int().min(1).max(1000).default(20),
    statementTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  })
  .strict();

export const WecomConnectorConfig = z
  .object({
    baseUrl: httpUrl.default('https://qyapi.weixin.qq.com'),
    corpId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    agentId: z.number().int().min(0),
    /** Messages per minute this connector sends at most (all server processes together). */
    ratePerMinute: z.number().int().min(1).max(10_000).default(600),
  })
  .strict();

export const SmsConnectorConfig = z
  .object({
    /** The gateway's send URL (POST, JSON body `{ <phoneParam>, <textParam>, ...extra }`). */
    url: httpUrl,
    auth: HttpAuthSchema.default({ type: 'none' }),
    phoneParam: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/).default('phone'),
    textParam: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/).default('text'),
    extra: z.record(z.string().max(64), plainText().max(500)).optional(),
    ratePerMinute: z.number().int().min(1).max(10_000).default(600),
    timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  })
  .strict();

/** Write-only secrets: the one a kind uses. */
export const ConnectorSecrets = z
  .object({
    /** http / sms: the password (basic), token (bearer), key value (api-key) or HMAC key. */
    secret: z.string().min(1).max(4000).optional(),
    /** sql-pull: `postgresql://user:password@host:port/db` of the source (its host:port in CRM_CONNECTOR_SQL_HOSTS). */
    connectionString: z.string().min(1).max(2000).optional(),
    /** wecom: the application's corp secret. */
    corpSecret: z.string().min(1).max(500).optional(),
  })
  .strict();
export type ConnectorSecretsInput = z.infer<typeof ConnectorSecrets>;

const common = { key: Key, name: plainText().min(1).max(200), secrets: ConnectorSecrets.optional() };
export const ConnectorCreateBody = z.discriminatedUnion('kind', [
  z.object({ ...common, kind: z.literal('http'), config: HttpConnectorConfig }).strict(),
  z.object({ ...common, kind: z.literal('sql-pull'), config: SqlPullConnectorConfig }).strict(),
  z.object({ ...common, kind: z.literal('wecom'), config: WecomConnectorConfig }).strict(),
  z.object({ ...common, kind: z.literal('sms'), config: SmsConnectorConfig }).strict(),
]);
export type ConnectorCreate = z.input<typeof ConnectorCreateBody>;
export type ConnectorDefinition = z.output<typeof ConnectorCreateBody>;

/** A change: name, the whole config (validated against the connector's kind), secrets to replace. */
export const ConnectorPatchBody = z
  .object({ name: plainText().min(1).max(200).optional(), config: z.record(z.string(), z.unknown()).optional(), secrets: ConnectorSecrets.optional() })
  .strict();
export type ConnectorPatch = z.infer<typeof ConnectorPatchBody>;

/** Where an incremental pull stands. */
export const ConnectorStateSchema = z
  .object({ watermark: z.string().nullable(), lastKey: z.string().nullable(), lastRunAt: z.string().nullable(), lastResult: z.record(z.string(), z.unknown()).nullable() })
  .strict();

export const ConnectorSchema = z
  .object({
    key: z.string(),
    name: z.string(),
    kind: z.enum(CONNECTOR_KINDS),
    config: z.record(z.string(), z.unknown()),
    /** Which secrets are stored (never their values). */
    secretsSet: z.array(z.string()),
    /** Whose rights a run writes with: the user who last saved the definition. */
    owner: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    state: ConnectorStateSchema.nullable(),
  })
  .strict();
export type Connector = z.infer<typeof ConnectorSchema>;

export const ConnectorTestResultSchema = z
  .object({ ok: z.boolean(), message: z.string(), latencyMs: z.number().int(), details: z.record(z.string(), z.unknown()).optional() })
  .strict();
export type ConnectorTestResult = z.infer<typeof ConnectorTestResultSchema>;

/** Runs a connector once, as a service task would: `input` is what the task's input mappings give. */
export const ConnectorRunBody = z.object({ input: z.record(z.string(), z.unknown()).optional() }).strict();
export type ConnectorRun = z.infer<typeof ConnectorRunBody>;
export const ConnectorRunResultSchema = z.object({ output: z.record(z.string(), z.unknown()) }).strict();
export type ConnectorRunResult = z.infer<typeof ConnectorRunResultSchema>;

/** One entry of a connector's run history: a test or a run (by the API, a service task or a schedule). */
export const ConnectorRunLogEntrySchema = z
  .object({
    id: z.string(),
    action: z.enum(['test', 'run']),
    ok: z.boolean(),
    latencyMs: z.number().int(),
    /** A short summary (counts, HTTP status) or the sanitised reason of a failure; never a secret. */
    message: z.string(),
    /** Who ran it from the API; null for a service task or a schedule. */
    runBy: z.string().nullable(),
    at: z.string(),
  })
  .strict();
export type ConnectorRunLogEntry = z.infer<typeof ConnectorRunLogEntrySchema>;
