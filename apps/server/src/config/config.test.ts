/**
 * Every environment variable the server reads is parsed here, typed and defaulted; a bad value is a
 * ConfigError naming the variable. (That the built server then exits 2 with that line: tests/ops/config.test.ts.)
 */
import { describe, expect, it } from '@jest/globals';
import { availableParallelism } from 'node:os';
import { ConfigError, loadConfig } from './config.js';

// An external database, so loadConfig never generates secrets on disk.
const BASE = {
  DATABASE_URL: 'postgres://crm:pw@db.internal:5432/crm',
  CRM_SECRET: 's'.repeat(32),
  CRM_DATA_KEY: 'a'.repeat(64),
};

const load = (env: Record<string, string>) => loadConfig({ ...BASE, ...env });

function refusal(env: Record<string, string>): ConfigError {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('loadConfig: the variables that used to be read elsewhere', () => {
  it('gives the documented defaults', () => {
    const c = load({});
    expect(c.jobs).toEqual({ pollMs: 200, leaseMs: 30_000, backoffMs: 1000, batch: 32, concurrency: 4, maxAttempts: 3 });
    expect(c.workflowHttpAllow).toEqual([]);
    expect(c.workflowTestServices).toBe(false);
    expect(c.demoTemplates).toBeNull(); // every solution pack in this build
    expect(c.demoCustomers).toBe(0); // with DATABASE_URL; 5000 on the embedded database
    expect(c.demoTiming).toBe(false);
    expect(c.bankJobsMs).toBe(3_600_000);
    expect(c.kycBatch).toBe(200);
    expect(c.packParameters).toEqual({});
    expect(c.pgTools).toBeNull();
    expect(c.packDirs).toEqual([]);
    expect(c.listTotalCap).toBe(100_000);
    expect(load({ CRM_LIST_TOTAL_CAP: '2000000' }).listTotalCap).toBe(2_000_000);
  });

  it('reads the folders of declarative packs (CRM_PACK_DIRS) as absolute paths', () => {
    expect(load({ CRM_PACK_DIRS: ' /opt/packs/a , /opt/packs/b ' }).packDirs).toEqual(['/opt/packs/a', '/opt/packs/b']);
  });

  it('reads good values', () => {
    const c = load({
      CRM_JOB_POLL_MS: '50', CRM_JOB_LEASE_MS: '2000', CRM_JOB_BACKOFF_MS: '0', CRM_JOB_BATCH: '1', CRM_JOB_CONCURRENCY: '8', CRM_JOB_MAX_ATTEMPTS: '1',
      CRM_WORKFLOW_HTTP_ALLOW: ' https://partner.example:8443 , http://127.0.0.1:9000/ ',
      CRM_WORKFLOW_TEST_SERVICES: '1', CRM_DEMO_TEMPLATES: 'none', CRM_DEMO_CUSTOMERS: '40', CRM_DEMO_TIMING: 'yes',
      CRM_BANK_JOBS_MS: '0', CRM_KYC_BATCH: '10', CRM_BANK_COMPLAINT_SLA: 'P2D',
      PG_DUMP: '/usr/lib/postgresql/17/bin/pg_dump', PSQL: '/opt/psql',
    });
    expect(c.jobs).toEqual({ pollMs: 50, leaseMs: 2000, backoffMs: 0, batch: 1, concurrency: 8, maxAttempts: 1 });
    expect(c.workflowHttpAllow).toEqual(['https://partner.example:8443', 'http://127.0.0.1:9000']);
    expect(c.workflowTestServices).toBe(true);
    expect(c.demoTemplates).toEqual([]);
    expect(c.demoCustomers).toBe(40);
    expect(c.demoTiming).toBe(true);
    expect(c.bankJobsMs).toBe(0);
    expect(c.kycBatch).toBe(10);
    expect(c.packParameters).toEqual({ CRM_BANK_COMPLAINT_SLA: 'P2D' });
    expect(c.pgTools).toEqual({ pgDump: '/usr/lib/postgresql/17/bin/pg_dump', pgRestore: '/usr/lib/postgresql/17/bin/pg_restore', psql: '/opt/psql' });
    expect(load({ CRM_DEMO_TEMPLATES: 'bank-crm, other-pack' }).demoTemplates).toEqual(['bank-crm', 'other-pack']);
    expect(load({ CRM_DEMO_TEMPLATES: 'NONE' }).demoTemplates).toEqual([]);
    expect(load({ CRM_DEMO_TEMPLATES: 'bank-crm,none' }).demoTemplates).toEqual(['bank-crm']);
  });

  it('reads the webhook settings (CRM_WEBHOOK_*), none allowed by default', () => {
    expect(load({}).webhooks.allowedOrigins).toEqual([]);
    const c = load({ CRM_WEBHOOK_ALLOWED_ORIGINS: ' https://hooks.partner.example , http://127.0.0.1:9000/ ', CRM_WEBHOOK_BACKOFF_MS: '100', CRM_WEBHOOK_DISABLE_AFTER_DAYS: '2', CRM_RETENTION_WEBHOOK_DAYS: '7' });
    expect(c.webhooks).toMatchObject({ allowedOrigins: ['https://hooks.partner.example', 'http://127.0.0.1:9000'], backoffMs: 100, disableAfterMs: 2 * 86_400_000, workers: true });
    expect(c.retention.webhookDeliveries).toBe(7);
  });

  it('defaults the demo customers by database: 5000 embedded', () => {
    const dir = `${process.cwd()}/.never-written`;
    // Given secrets, the embedded branch writes nothing.
    expect(loadConfig({ CRM_SECRET: BASE.CRM_SECRET, CRM_DATA_KEY: BASE.CRM_DATA_KEY, CRM_DATA_DIR: dir }).demoCustomers).toBe(5000);
  });

  it.each([
    ['CRM_JOB_POLL_MS', 'abc'],
    ['CRM_JOB_POLL_MS', '0'],
    ['CRM_JOB_LEASE_MS', '-5'],
    ['CRM_JOB_BACKOFF_MS', '1.5'],
    ['CRM_JOB_BATCH', '0'],
    ['CRM_JOB_CONCURRENCY', '1000'],
    ['CRM_JOB_MAX_ATTEMPTS', '0'],
    ['CRM_JOB_MAX_ATTEMPTS', 'three'],
    ['CRM_WORKFLOW_HTTP_ALLOW', 'partner.example'],
    ['CRM_WEBHOOK_ALLOWED_ORIGINS', 'hooks.partner.example'],
    ['CRM_WEBHOOK_ALLOWED_ORIGINS', 'https://hooks.partner.example/path'],
    ['CRM_WEBHOOK_BACKOFF_MS', '0'],
    ['CRM_WORKFLOW_HTTP_ALLOW', 'https://ok.example,ftp://files.example'],
    ['CRM_WORKFLOW_HTTP_ALLOW', 'https://partner.example/api'],
    ['CRM_WORKFLOW_HTTP_ALLOW', 'https://user:pw@partner.example'],
    ['CRM_WORKFLOW_TEST_SERVICES', 'maybe'],
    ['CRM_DEMO_TEMPLATES', 'Bank CRM'],
    ['CRM_DEMO_TEMPLATES', '../etc'],
    ['CRM_DEMO_TEMPLATES', ','],
    ['CRM_DEMO_CUSTOMERS', '-1'],
    ['CRM_DEMO_CUSTOMERS', '2000001'],
    ['CRM_DEMO_TIMING', 'sometimes'],
    ['CRM_BANK_JOBS_MS', '1e3'],
    ['CRM_BANK_JOBS_MS', '2147483648'],
    ['CRM_KYC_BATCH', '0'],
    ['CRM_BANK_COMPLAINT_SLA', '48 hours'],
    ['PG_RESTORE', '/usr/bin/pg_restore'],
    ['PSQL', '/usr/bin/psql'],
    ['CRM_WORKERS', '0'],
    ['CRM_WORKERS', '65'],
    ['CRM_WORKERS', 'auto'],
    ['CRM_WORKERS', '2.5'],
    ['CRM_PACK_DIRS', 'packs/mine'],
    ['CRM_PACK_DIRS', '/opt/packs/a,../b'],
    ['CRM_LIST_TOTAL_CAP', '9'],
    ['CRM_LIST_TOTAL_CAP', '10000001'],
    ['CRM_LIST_TOTAL_CAP', 'all'],
  ])('refuses %s=%j naming the variable', (name, value) => {
    const err = refusal({ [name]: value });
    expect(err.variable).toBe(name);
    expect(err.message).toMatch(new RegExp(`^Invalid configuration: ${name} `));
  });

  it('never echoes a secret it refuses', () => {
    const err = refusal({ CRM_SECRET: 'short-secret-value' });
    expect(err.variable).toBe('CRM_SECRET');
    expect(err.message).not.toContain('short-secret-value');
  });

  it('runs one HTTP process per core by default, at most four; CRM_WORKERS=1 is a single process', () => {
    expect(load({}).workers).toBe(Math.min(availableParallelism(), 4));
    expect(load({ CRM_WORKERS: '1' }).workers).toBe(1);
    expect(load({ CRM_WORKERS: ' 8 ' }).workers).toBe(8);
  });
});
