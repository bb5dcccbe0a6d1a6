/**
 * Process configuration, read once from environment variables and validated before anything starts.
 * A bad value throws ConfigError whose message is one line naming the variable and what it accepts;
 * main.ts prints it and exits non-zero.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { ldapConfig, type LdapConfig } from './ldap-config.js';
import { oidcConfig, type OidcConfig } from './oidc-config.js';
import { reportsConfig, type ReportsConfig } from './reports-config.js';
import { sessionConfig, type SessionConfig } from './session-config.js';
import { isStrongPassword } from '@crm/shared';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type CryptoSuite = 'aes' | 'sm';

export interface AppConfig {
  port: number;
  host: string;
  databaseUrl: string | null;
  embedded: boolean;
  dataDir: string;
  secret: string;
  dataKey: Buffer;
  crypto: CryptoSuite;
  demo: boolean;
  /** The local simulator that "sends" queued marketing messages (CRM_MARKETING_SIMULATOR, default on in demo mode). */
  marketingSimulator: boolean;
  /** How often a job worker looks for campaigns whose target refresh is due (CRM_MARKETING_REFRESH_POLL_MS; 0 = never). */
  marketingRefreshPollMs: number;
  adminPassword: string | null;
  logLevel: LogLevel;
  tokenTtlSeconds: number;
  /** Browser sessions: idle timeout and absolute maximum (CRM_IDLE_TIMEOUT_MINUTES, CRM_SESSION_MAX_HOURS). */
  sessions: SessionConfig;
  maxFileBytes: number;
  jobWorkers: boolean;
  /** HTTP server processes (CRM_WORKERS): 1 = this process serves; more = a primary supervising that many node:cluster workers. */
  workers: number;
  /** How long SIGTERM waits for in-flight requests and jobs before closing anyway (CRM_SHUTDOWN_TIMEOUT_MS). */
  shutdownTimeoutMs: number;
  /** Housekeeping: default time-to-live in days per retention target (null = keep forever), pass interval and batch size. */
  retention: { processInstances: number | null; loginAttempts: number | null; idempotencyKeys: number | null; webhookDeliveries: number | null; intervalMs: number; batch: number };
  /** Per FEEL evaluation: iterations and milliseconds (CRM_FEEL_MAX_ITERATIONS, CRM_FEEL_MAX_MS). */
  feelBudget: { maxIterations: number; maxMs: number };
  /** The most rows a records list's total counts (past it: `totalCapped`, unless a report rollup counts it exactly). */
  listTotalCap: number;
  version: string;
  rateLimits: RateLimits;
  /** Which X-Forwarded-For hops are believed for the client address (Fastify `trustProxy`). */
  trustProxy: boolean | number | string[];
  /** LDAP / Active Directory login (CRM_LDAP_*), or null when not configured. */
  ldap: LdapConfig | null;
  /** OpenID Connect single sign-on (CRM_OIDC_*), or null when not configured. */
  oidc: OidcConfig | null;
  /** The workflow job executor (CRM_JOB_*). */
  jobs: JobSettings;
  /** Outbound webhooks (CRM_WEBHOOK_*): allowed target origins (empty: none), delivery worker timing. */
  webhooks: WebhookSettings;
  /** Origins the `http` service task may call (CRM_WORKFLOW_HTTP_ALLOW); empty: none. */
  workflowHttpAllow: string[];
  /** `host:port` of the databases a sql-pull connector may read (CRM_CONNECTOR_SQL_HOSTS); empty: none. */
  connectorSqlHosts: string[];
  /** Registers the `fail` service task, for trying out retries and incidents (CRM_WORKFLOW_TEST_SERVICES). */
  workflowTestServices: boolean;
  /** Demo mode, first start: templates to install (CRM_DEMO_TEMPLATES) and demo customers to load (CRM_DEMO_CUSTOMERS). */
  /** null: every solution pack in this build. */
  demoTemplates: string[] | null;
  demoCustomers: number;
  /** Prints the phase timings of a demo data load on stderr (CRM_DEMO_TIMING). */
  demoTiming: boolean;
  /** Bank pack: how often rule tags and guarantee circles are recomputed (CRM_BANK_JOBS_MS, 0 = never) and KYC reviews started per run (CRM_KYC_BATCH). */
  bankJobsMs: number;
  /** Insight models: the hour (Beijing time, 0–23) of the nightly scoring of every trained model with a score field (CRM_MODEL_SCORE_HOUR, default 2; 24 = never). */
  modelScoreHour: number;
  kycBatch: number;
  /** Values of the environment variables that solution-pack parameters name (template.json `parameters[].env`). */
  packParameters: Readonly<Record<string, string>>;
  /** PostgreSQL's own tools for backup/restore (PG_DUMP, PG_RESTORE, PSQL); null: the built-in logical dump. */
  pgTools: PgTools | null;
  /** CRM_PACK_DIRS: folders of declarative solution packs (template.json, BPMN/DMN files, migrations/*.sql) beside the built-in ones. */
  packDirs: string[];
  /** Report queries: read replica, its allowed lag, statement timeout (CRM_REPORTS_*). */
  reports: ReportsConfig;
  /** PIPL requests: the statutory answer deadline in working days (CRM_PRIVACY_DEADLINE_DAYS) and the AML retention in years (CRM_PRIVACY_AML_YEARS). */
  privacyDeadlineDays: number;
  privacyAmlYears: number;
}

export interface JobSettings {
  pollMs: number;
  leaseMs: number;
  backoffMs: number;
  batch: number;
  concurrency: number;
  /** Attempts of a service job before an incident (1 = no retry). */
  maxAttempts: number;
}

export interface PgTools {
  pgDump: string;
  pgRestore: string;
  psql: string;
}

/** Requests per minute; 0 turns a limit off. */
export interface RateLimits {
  ip: number;
  credential: number;
  loginIp: number;
  loginUser: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    accepts: string,
  ) {
    super(`Invalid configuration: ${variable} ${accepts}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/** CRM_WORKERS defaults to one process per core, at most this many (each holds its own database pool). */
const MAX_DEFAULT_WORKERS = 4;
const MAX_WORKERS = 64;

export function intVar(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${raw}")`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${raw}")`);
  return n;
}

function boolVar(env: Env, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(name, `must be one of 1, 0, true, false, yes, no, on, off (got "${raw}")`);
}

function enumVar<T extends string>(env: Env, name: string, def: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const v = raw.trim().toLowerCase() as T;
  if (!allowed.includes(v)) throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${raw}")`);
  return v;
}

/** Days 0–36500, or `off` / `never` for keep forever. */
function daysVar(env: Env, name: string, def: number | null): number | null {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return def;
  if (raw === 'off' || raw === 'never') return null;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 36500) throw new ConfigError(name, `must be a number of days from 0 to 36500, or off (got "${env[name]}")`);
  return Number(raw);
}

function databaseUrlVar(env: Env): string | null {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw.trim() === '') return null;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError('DATABASE_URL', 'must be a URL like postgres://user:password@host:5432/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError('DATABASE_URL', 'must be a URL like postgres://user:password@host:5432/database');
  }
  if (!url.hostname || url.pathname.length <= 1) {
    throw new ConfigError('DATABASE_URL', 'must name a host and a database: postgres://user:password@host:5432/database');
  }
  return raw.trim();
}

/** Secrets kept in the data dir in embedded mode so a restart keeps tokens and encrypted data valid. */
interface StoredSecrets {
  secret: string;
  dataKey: string;
  pgPassword: string;
}

export function loadStoredSecrets(dataDir: string): StoredSecrets {
  const file = path.join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<StoredSecrets>;
    if (parsed.secret && parsed.dataKey && parsed.pgPassword) return parsed as StoredSecrets;
  }
  mkdirSync(dataDir, { recursive: true });
  const secrets: StoredSecrets = {
    secret: randomBytes(48).toString('base64url'),
    dataKey: randomBytes(32).toString('hex'),
    pgPassword: randomBytes(24).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function loadConfig(env: Env = process.env): AppConfig {
  const port = intVar(env, 'PORT', 3000, 0, 65535);
  const databaseUrl = databaseUrlVar(env);
  const embedded = databaseUrl === null;
  const dataDirRaw = env.CRM_DATA_DIR?.trim() || './.data';
  if (dataDirRaw.includes('\0')) throw new ConfigError('CRM_DATA_DIR', 'must be a directory path');
  const dataDir = path.resolve(dataDirRaw);
  const logLevel = enumVar<LogLevel>(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
  const demo = boolVar(env, 'CRM_DEMO', embedded);
  const cryptoSuite = enumVar<CryptoSuite>(env, 'CRM_CRYPTO', 'aes', ['aes', 'sm']);
  const tokenTtlSeconds = intVar(env, 'CRM_TOKEN_TTL', 1800, 5, 86400);
  const maxFileMb = intVar(env, 'CRM_MAX_FILE_MB', 20, 1, 1024);
  const jobWorkers = boolVar(env, 'CRM_JOB_WORKERS', true);
  const workers = intVar(env, 'CRM_WORKERS', Math.min(availableParallelism(), MAX_DEFAULT_WORKERS), 1, MAX_WORKERS);
  const shutdownTimeoutMs = intVar(env, 'CRM_SHUTDOWN_TIMEOUT_MS', 20000, 0, 600000);
  const retention = {
    processInstances: daysVar(env, 'CRM_RETENTION_PROCESS_DAYS', 1825),
    loginAttempts: daysVar(env, 'CRM_RETENTION_LOGIN_ATTEMPTS_DAYS', 30),
    idempotencyKeys: daysVar(env, 'CRM_RETENTION_IDEMPOTENCY_DAYS', 1),
    webhookDeliveries: daysVar(env, 'CRM_RETENTION_WEBHOOK_DAYS', 30),
    intervalMs: intVar(env, 'CRM_HOUSEKEEPING_INTERVAL_MS', 3_600_000, 0, 86_400_000),
    batch: intVar(env, 'CRM_HOUSEKEEPING_BATCH', 500, 1, 10_000),
  };
  const feelBudget = { maxIterations: intVar(env, 'CRM_FEEL_MAX_ITERATIONS', 100_000, 100, 100_000_000), maxMs: intVar(env, 'CRM_FEEL_MAX_MS', 100, 1, 60_000) };
  const trustProxy = trustProxyVar(env);
  const rateLimits: RateLimits = {
    ip: intVar(env, 'CRM_RATE_LIMIT_IP', 120000, 0, 10_000_000),
    credential: intVar(env, 'CRM_RATE_LIMIT_USER', 60000, 0, 10_000_000),
    loginIp: intVar(env, 'CRM_LOGIN_RATE_IP', 120, 0, 1_000_000),
    loginUser: intVar(env, 'CRM_LOGIN_RATE_USER', 10, 0, 1_000_000),
  };

  const jobs: JobSettings = {
    pollMs: intVar(env, 'CRM_JOB_POLL_MS', 200, 1, 3_600_000),
    leaseMs: intVar(env, 'CRM_JOB_LEASE_MS', 30_000, 100, 86_400_000),
    backoffMs: intVar(env, 'CRM_JOB_BACKOFF_MS', 1000, 0, 86_400_000),
    batch: intVar(env, 'CRM_JOB_BATCH', 32, 1, 10_000),
    concurrency: intVar(env, 'CRM_JOB_CONCURRENCY', 4, 1, 256),
    maxAttempts: intVar(env, 'CRM_JOB_MAX_ATTEMPTS', 3, 1, 100),
  };

  const adminPassword = env.CRM_ADMIN_PASSWORD?.length ? env.CRM_ADMIN_PASSWORD : null;
  if (adminPassword !== null && !isStrongPassword(adminPassword)) {
    throw new ConfigError('CRM_ADMIN_PASSWORD', 'must be at least 8 characters with upper case, lower case, a digit and a symbol');
  }

  let secret = env.CRM_SECRET?.trim() || '';
  let dataKeyHex = env.CRM_DATA_KEY?.trim() || '';
  if (secret && secret.length < 32) throw new ConfigError('CRM_SECRET', 'must be at least 32 characters');
  if (dataKeyHex && !/^[0-9a-fA-F]{64}$/.test(dataKeyHex)) throw new ConfigError('CRM_DATA_KEY', 'must be 64 hexadecimal characters (a 256-bit key)');
  if (embedded) {
    if (!secret || !dataKeyHex) {
      const stored = loadStoredSecrets(dataDir);
      secret ||= stored.secret;
      dataKeyHex ||= stored.dataKey;
    }
  } else {
    if (!secret) throw new ConfigError('CRM_SECRET', 'is required when DATABASE_URL is set (at least 32 characters)');
    if (!dataKeyHex) throw new ConfigError('CRM_DATA_KEY', 'is required when DATABASE_URL is set (64 hexadecimal characters)');
  }

  return {
    port,
    host: env.HOST?.trim() || '0.0.0.0',
    databaseUrl,
    embedded,
    dataDir,
    secret,
    dataKey: Buffer.from(dataKeyHex, 'hex'),
    crypto: cryptoSuite,
    demo,
    marketingSimulator: boolVar(env, 'CRM_MARKETING_SIMULATOR', demo),
    marketingRefreshPollMs: intVar(env, 'CRM_MARKETING_REFRESH_POLL_MS', 60_000, 0, 86_400_000),
    adminPassword,
    logLevel,
    tokenTtlSeconds,
    sessions: sessionConfig(env),
    maxFileBytes: maxFileMb * 1024 * 1024,
    privacyDeadlineDays: intVar(env, 'CRM_PRIVACY_DEADLINE_DAYS', 15, 1, 60),
    privacyAmlYears: intVar(env, 'CRM_PRIVACY_AML_YEARS', 5, 0, 100),
    jobWorkers,
    workers,
    shutdownTimeoutMs,
    retention,
    feelBudget,
    listTotalCap: intVar(env, 'CRM_LIST_TOTAL_CAP', 100_000, 10, 10_000_000),
    version: readVersion(),
    rateLimits,
    trustProxy,
    ldap: ldapConfig(env),
    oidc: oidcConfig(env),
    jobs,
    workflowHttpAllow: originListVar(env, 'CRM_WORKFLOW_HTTP_ALLOW'),
    connectorSqlHosts: hostPortListVar(env, 'CRM_CONNECTOR_SQL_HOSTS'),
    workflowTestServices: boolVar(env, 'CRM_WORKFLOW_TEST_SERVICES', false),
    demoTemplates: templateListVar(env, 'CRM_DEMO_TEMPLATES', null),
    demoCustomers: intVar(env, 'CRM_DEMO_CUSTOMERS', embedded ? 5000 : 0, 0, 2_000_000),
    demoTiming: boolVar(env, 'CRM_DEMO_TIMING', false),
    // setInterval's largest delay: a longer one would fire at once, over and over.
    bankJobsMs: intVar(env, 'CRM_BANK_JOBS_MS', 3_600_000, 0, 2_147_483_647),
    kycBatch: intVar(env, 'CRM_KYC_BATCH', 200, 1, 100_000),
    modelScoreHour: intVar(env, 'CRM_MODEL_SCORE_HOUR', 2, 0, 24),
    packParameters: packParametersVar(env),
    pgTools: pgToolsVar(env),
    packDirs: packDirsVar(env),
    webhooks: webhookSettings(env),
    reports: reportsConfig(env),
  };
}

export interface WebhookSettings {
  /** CRM_WEBHOOK_ALLOWED_ORIGINS: the only origins a subscription may target; a private or loopback address only when its origin is listed. */
  allowedOrigins: string[];
  /** Delivery worker on in this process (CRM_WEBHOOK_WORKERS, default on). */
  workers: boolean;
  pollMs: number;
  timeoutMs: number;
  /** First retry delay; each next one doubles (with jitter) up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** A message still failing after this many attempts is given up (status failed). */
  maxAttempts: number;
  /** An endpoint failing without one success for this long is disabled. */
  disableAfterMs: number;
}

function webhookSettings(env: Env): WebhookSettings {
  return {
    allowedOrigins: originListVar(env, 'CRM_WEBHOOK_ALLOWED_ORIGINS'),
    workers: boolVar(env, 'CRM_WEBHOOK_WORKERS', true),
    pollMs: intVar(env, 'CRM_WEBHOOK_POLL_MS', 500, 10, 600_000),
    timeoutMs: intVar(env, 'CRM_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    backoffMs: intVar(env, 'CRM_WEBHOOK_BACKOFF_MS', 30_000, 1, 86_400_000),
    maxBackoffMs: intVar(env, 'CRM_WEBHOOK_MAX_BACKOFF_MS', 3_600_000, 1, 86_400_000),
    maxAttempts: intVar(env, 'CRM_WEBHOOK_MAX_ATTEMPTS', 16, 1, 100),
    disableAfterMs: intVar(env, 'CRM_WEBHOOK_DISABLE_AFTER_DAYS', 5, 1, 365) * 86_400_000,
  };
}

/** A comma list of URL origins (`https://host:port`); anything with a path, query or credentials is refused. */
function hostPortListVar(env: Env, name: string): string[] {
  const raw = env[name]?.trim();
  if (!raw) return [];
  return raw.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean).map((s) => {
    const m = /^([a-z0-9.-]+|\[[0-9a-f:]+\]):(\d{1,5})$/.exec(s);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new ConfigError(name, `must be a comma list of host:port like replica.bank.local:5432 (got "${s}")`);
    return s;
  });
}

function originListVar(env: Env, name: string): string[] {
  const raw = env[name]?.trim();
  if (!raw) return [];
  return raw.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    let url: URL | null = null;
    try {
      url = new URL(s);
    } catch {
      /* refused below */
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.username || url.password || url.search || url.hash || url.pathname !== '/') {
      throw new ConfigError(name, `must be a comma list of origins like https://partner.example:8443 (got "${s}")`);
    }
    return url.origin;
  });
}

/** A comma list of template keys, or `none`. */
function templateListVar(env: Env, name: string, def: string[] | null): string[] | null {
  const raw = env[name]?.trim();
  if (!raw) return def;
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const keys = items.filter((k) => k.toLowerCase() !== 'none');
  if (!items.length || keys.some((k) => !/^[a-z][a-z0-9-]{0,62}$/.test(k))) {
    throw new ConfigError(name, `must be a comma list of template keys (like bank-crm) or none (got "${raw}")`);
  }
  return keys;
}

/**
 * Environment variables that solution-pack parameters read, with what each accepts. Checked here so a bad
 * value stops the start instead of failing the pack's install later.
 */
const PACK_PARAMETER_VARS: Record<string, { pattern: RegExp; accepts: string }> = {
  CRM_BANK_COMPLAINT_SLA: { pattern: /^P(T?[0-9]+[DHMS])+$/, accepts: 'must be an ISO 8601 duration like PT48H or P2D' },
};

function packParametersVar(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, rule] of Object.entries(PACK_PARAMETER_VARS)) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    if (!rule.pattern.test(raw)) throw new ConfigError(name, `${rule.accepts} (got "${raw}")`);
    out[name] = raw;
  }
  return out;
}

/** A comma list of absolute folder paths, each holding a pack's template.json. */
function packDirsVar(env: Env): string[] {
  const raw = env.CRM_PACK_DIRS?.trim();
  if (!raw) return [];
  const dirs = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (dirs.some((d) => !path.isAbsolute(d) || d.includes('\0'))) throw new ConfigError('CRM_PACK_DIRS', `must be a comma list of absolute folder paths (got "${raw}")`);
  return dirs;
}

/** PG_DUMP, with pg_restore and psql from the same folder unless PG_RESTORE / PSQL name them. */
function pgToolsVar(env: Env): PgTools | null {
  const tool = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return undefined;
    if (raw.includes('\0')) throw new ConfigError(name, 'must be the path of an executable');
    return raw;
  };
  const pgDump = tool('PG_DUMP');
  const pgRestore = tool('PG_RESTORE');
  const psql = tool('PSQL');
  if (!pgDump) {
    // Without PG_DUMP the built-in dump is used: a lone PG_RESTORE or PSQL would be ignored without a word.
    if (pgRestore) throw new ConfigError('PG_RESTORE', 'is used only with PG_DUMP: set PG_DUMP too, or unset PG_RESTORE');
    if (psql) throw new ConfigError('PSQL', 'is used only with PG_DUMP: set PG_DUMP too, or unset PSQL');
    return null;
  }
  const dir = path.dirname(pgDump);
  return { pgDump, pgRestore: pgRestore ?? path.join(dir, 'pg_restore'), psql: psql ?? path.join(dir, 'psql') };
}

/**
 * CRM_TRUST_PROXY: `true` (every hop: only behind a proxy that overwrites X-Forwarded-For), `false`
 * (the socket address), a number of proxy hops, or a comma list of proxy addresses / CIDRs.
 */
function trustProxyVar(env: Env): boolean | number | string[] {
  const raw = env.CRM_TRUST_PROXY?.trim();
  // Default: believe no proxy, so a client cannot choose the IP that rate limits and the audit trail see.
  if (!raw) return false;
  const v = raw.toLowerCase();
  if (['true', 'yes', 'on'].includes(v)) return true;
  if (['false', 'no', 'off'].includes(v)) return false;
  if (/^\d{1,2}$/.test(v)) return Number(v);
  const list = raw.split(',').map((x) => x.trim()).filter(Boolean);
  if (list.length && list.every((x) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(x))) return list;
  throw new ConfigError('CRM_TRUST_PROXY', `must be true, false, a number of proxy hops or a comma list of proxy addresses/CIDRs (got "${raw}")`);
}

/** The password policy is part of the API contract (the same rule checks request bodies). */
export { isStrongPassword };

/** Nest injection token for the config object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
