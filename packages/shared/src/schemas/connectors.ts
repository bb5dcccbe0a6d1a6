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

/**
 * The settings form of each kind, declared once: the web app renders it (labels in both languages,
 * the secret as a write-only field) and turns the values into the kind's `config` above, which the
 * server validates. `key` is a path into `config` (`auth.type`); `showIf` shows a field only while
 * another one has one of the listed values; `map` fields are `name=value` lines (a record of strings).
 */
export interface ConnectorSettingField {
  key: string;
  label: readonly [zh: string, en: string];
  type: 'text' | 'url' | 'number' | 'select' | 'textarea' | 'map';
  required?: boolean;
  /** For `text`: the value must match (message in both languages). */
  pattern?: { source: string; message: readonly [zh: string, en: string] };
  min?: number;
  max?: number;
  options?: readonly { value: string; label: readonly [zh: string, en: string] }[];
  showIf?: { key: string; in: readonly string[] };
  help?: readonly [zh: string, en: string];
  default?: string | number;
}
export interface ConnectorSettingsSchema {
  fields: readonly ConnectorSettingField[];
  /** The one write-only secret of the kind: stored encrypted, never answered. */
  secret: { name: keyof ConnectorSecretsInput; label: readonly [zh: string, en: string] };
}

const HEADER_PATTERN = { source: HEADER.source, message: ['只能包含字母、数字和连字符（最多 64 个）', 'letters, digits and hyphens (at most 64)'] } as const;
const PARAM_PATTERN = { source: '^[A-Za-z_][A-Za-z0-9_]{0,63}$', message: ['字母或下划线开头，只含字母、数字和下划线', 'a letter or _ first, then letters, digits, _'] } as const;
const COLUMN_PATTERN = { source: '^.{1,63}$', message: ['1 至 63 个字符', '1 to 63 characters'] } as const;
const KEY_PATTERN = { source: '^[a-z][a-z0-9_]{0,62}$', message: ['小写字母开头，只含小写字母、数字和下划线', 'lower case letters, digits and _'] } as const;
const TIMEOUT: ConnectorSettingField = { key: 'timeoutMs', label: ['超时（毫秒）', 'Timeout (ms)'], type: 'number', min: 100, max: 60_000, default: 10_000 };
const RATE: ConnectorSettingField = { key: 'ratePerMinute', label: ['每分钟最多发送条数', 'Messages per minute at most'], type: 'number', min: 1, max: 10_000, default: 600 };
const AUTH: readonly ConnectorSettingField[] = [
  {
    key: 'auth.type', label: ['认证方式', 'Authentication'], type: 'select', required: true, default: 'none',
    options: [
      { value: 'none', label: ['无', 'None'] },
      { value: 'basic', label: ['用户名和口令（Basic）', 'User name and password (Basic)'] },
      { value: 'bearer', label: ['令牌（Bearer）', 'Token (Bearer)'] },
      { value: 'api-key', label: ['API Key 请求头', 'API key header'] },
      { value: 'hmac', label: ['HMAC 签名', 'HMAC signature'] },
    ],
  },
  { key: 'auth.username', label: ['用户名', 'User name'], type: 'text', required: true, showIf: { key: 'auth.type', in: ['basic'] } },
  { key: 'auth.header', label: ['API Key 请求头名称', 'API key header name'], type: 'text', required: true, pattern: HEADER_PATTERN, showIf: { key: 'auth.type', in: ['api-key'] }, default: 'x-api-key' },
  {
    key: 'auth.algorithm', label: ['签名算法', 'Algorithm'], type: 'select', showIf: { key: 'auth.type', in: ['hmac'] }, default: 'sha256',
    options: [{ value: 'sha256', label: ['HMAC-SHA256', 'HMAC-SHA256'] }, { value: 'sm3', label: ['HMAC-SM3（国密）', 'HMAC-SM3'] }],
  },
  { key: 'auth.signatureHeader', label: ['签名请求头', 'Signature header'], type: 'text', pattern: HEADER_PATTERN, showIf: { key: 'auth.type', in: ['hmac'] }, default: 'x-signature' },
  { key: 'auth.timestampHeader', label: ['时间戳请求头', 'Timestamp header'], type: 'text', pattern: HEADER_PATTERN, showIf: { key: 'auth.type', in: ['hmac'] }, default: 'x-timestamp' },
];

export const CONNECTOR_SETTINGS: Record<ConnectorKind, ConnectorSettingsSchema> = {
  http: {
    fields: [
      { key: 'baseUrl', label: ['接口地址', 'Base URL'], type: 'url', required: true, help: ['调用此地址下的路径；其来源须在允许列表中', 'calls go to paths under it; its origin must be allowed'] },
      ...AUTH,
      { key: 'headers', label: ['附加请求头', 'Extra headers'], type: 'map', help: ['每行一项：名称=值', 'one per line: name=value'] },
      TIMEOUT,
    ],
    secret: { name: 'secret', label: ['接口密钥（口令、令牌或 API Key）', 'Secret (password, token or API key)'] },
  },
  'sql-pull': {
    fields: [
      { key: 'query', label: ['查询语句（SELECT）', 'Query (SELECT)'], type: 'textarea', required: true },
      { key: 'keyColumn', label: ['主键列', 'Key column'], type: 'text', required: true, pattern: COLUMN_PATTERN },
      { key: 'watermarkColumn', label: ['增量水位列', 'Watermark column'], type: 'text', required: true, pattern: COLUMN_PATTERN },
      { key: 'object', label: ['写入对象', 'Target object'], type: 'text', required: true, pattern: KEY_PATTERN },
      { key: 'keyField', label: ['对象匹配键字段', 'Key field of the object'], type: 'text', required: true, pattern: KEY_PATTERN },
      { key: 'mapping', label: ['列映射', 'Column mapping'], type: 'map', required: true, help: ['每行一项：源列=字段', 'one per line: column=field'] },
      { key: 'batchSize', label: ['每批行数', 'Rows per batch'], type: 'number', min: 1, max: 5000, default: 500 },
      { key: 'maxBatches', label: ['每次最多批数', 'Batches per run at most'], type: 'number', min: 1, max: 1000, default: 20 },
      { key: 'statementTimeoutMs', label: ['查询超时（毫秒）', 'Statement timeout (ms)'], type: 'number', min: 100, max: 600_000, default: 30_000 },
    ],
    secret: { name: 'connectionString', label: ['数据库连接串', 'Connection string'] },
  },
  wecom: {
    fields: [
      { key: 'baseUrl', label: ['接口地址', 'API URL'], type: 'url', required: true, default: 'https://qyapi.weixin.qq.com' },
      { key: 'corpId', label: ['企业 ID（CorpID）', 'Corp ID'], type: 'text', required: true, pattern: { source: '^[A-Za-z0-9_-]{1,64}$', message: ['只能包含字母、数字、下划线和连字符', 'letters, digits, _ and -'] } },
      { key: 'agentId', label: ['应用 AgentId', 'Agent ID'], type: 'number', required: true, min: 0 },
      RATE,
    ],
    secret: { name: 'corpSecret', label: ['应用 Secret', 'Corp secret'] },
  },
  sms: {
    fields: [
      { key: 'url', label: ['发送地址', 'Send URL'], type: 'url', required: true },
      ...AUTH,
      { key: 'phoneParam', label: ['手机号参数名', 'Phone parameter'], type: 'text', pattern: PARAM_PATTERN, default: 'phone' },
      { key: 'textParam', label: ['内容参数名', 'Text parameter'], type: 'text', pattern: PARAM_PATTERN, default: 'text' },
      { key: 'extra', label: ['附加参数', 'Extra parameters'], type: 'map', help: ['每行一项：名称=值', 'one per line: name=value'] },
      RATE,
      TIMEOUT,
    ],
    secret: { name: 'secret', label: ['网关密钥', 'Gateway secret'] },
  },
};

/** A stored `config` as the settings form's flat values (`auth.type` → …; maps as `name=value` lines). */
export function connectorSettingsToForm(kind: ConnectorKind, config: Record<string, unknown> | null): Record<string, string | number | undefined> {
  const out: Record<string, string | number | undefined> = {};
  for (const f of CONNECTOR_SETTINGS[kind].fields) {
    const v = config ? f.key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), config) : undefined;
    if (f.type === 'map') out[f.key] = v && typeof v === 'object' ? Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}=${String(x)}`).join('\n') : undefined;
    else out[f.key] = typeof v === 'string' || typeof v === 'number' ? v : config ? undefined : f.default;
  }
  return out;
}

/** The settings form's values as the kind's `config` (hidden and empty fields left out, so defaults apply). */
export function connectorSettingsFromForm(kind: ConnectorKind, values: Record<string, unknown>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const shown = (f: ConnectorSettingField) => !f.showIf || f.showIf.in.includes(String(values[f.showIf.key] ?? ''));
  for (const f of CONNECTOR_SETTINGS[kind].fields) {
    const raw = values[f.key];
    if (!shown(f) || raw === undefined || raw === null || raw === '') continue;
    let v: unknown;
    if (f.type === 'number') v = Number(raw);
    else if (f.type === 'map') {
      const entries = String(raw).split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
        const at = l.indexOf('=');
        return at < 0 ? [l, ''] : [l.slice(0, at).trim(), l.slice(at + 1).trim()];
      });
      if (!entries.length) continue;
      v = Object.fromEntries(entries);
    } else v = String(raw).trim();
    const path = f.key.split('.');
    let at = config;
    for (const k of path.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
    at[path.at(-1)!] = v;
  }
  return config;
}
