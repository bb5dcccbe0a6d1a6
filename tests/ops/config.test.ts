/**
 * A bad environment variable stops the built server before anything starts: exit code 2 and one line
 * naming the variable and what it accepts, no stack trace. These variables used to be read deep inside
 * services, where a bad value fell back to the default without a word (or failed later, or never).
 */
import { describe, expect, it } from '@jest/globals';
import { freePort, runServerToExit, TEST_DATA_KEY, TEST_SECRET } from '../harness/server.js';

// Nothing listens there: a start that got past the configuration would fail differently (exit 1).
const UNREACHABLE_DB = 'postgres://crm:pw@127.0.0.1:1/never';

async function startWith(env: Record<string, string>) {
  return runServerToExit({
    PORT: String(await freePort()), DATABASE_URL: UNREACHABLE_DB, CRM_SECRET: TEST_SECRET, CRM_DATA_KEY: TEST_DATA_KEY,
    CRM_DEMO: '1', CRM_DEMO_TEMPLATES: 'none', LOG_LEVEL: 'warn', ...env,
  }, 30000);
}

describe('start-up refuses a bad environment variable', () => {
  it.each([
    ['CRM_JOB_MAX_ATTEMPTS', 'three', 'must be an integer from 1 to 100'],
    ['CRM_JOB_POLL_MS', '-1', 'must be an integer from 1 to 3600000'],
    ['CRM_BANK_JOBS_MS', 'hourly', 'must be an integer from 0 to 2147483647'],
    ['CRM_KYC_BATCH', '0', 'must be an integer from 1 to 100000'],
    ['CRM_WORKFLOW_HTTP_ALLOW', 'partner.example', 'must be a comma list of origins'],
    ['CRM_WORKFLOW_TEST_SERVICES', 'maybe', 'must be one of 1, 0, true, false'],
    ['CRM_DEMO_TEMPLATES', 'Bank CRM', 'must be a comma list of template keys'],
    ['CRM_DEMO_CUSTOMERS', 'many', 'must be an integer from 0 to 2000000'],
    ['CRM_BANK_COMPLAINT_SLA', '48h', 'must be an ISO 8601 duration'],
    ['PSQL', '/usr/bin/psql', 'is used only with PG_DUMP'],
    ['CRM_WORKERS', '0', 'must be an integer from 1 to 64'],
  ])('%s=%s: exit 2 and one line naming it', async (name, value, accepts) => {
    const { code, out } = await startWith({ [name]: value });
    expect(code).toBe(2);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Invalid configuration: ${name} `));
    expect(lines[0]).toContain(accepts);
    expect(out).not.toMatch(/\n\s+at /);
  }, 60000);

  it('gets past the configuration with good values (and then fails on the unreachable database, exit 1)', async () => {
    const { code, out } = await startWith({
      CRM_JOB_MAX_ATTEMPTS: '1', CRM_BANK_JOBS_MS: '0', CRM_KYC_BATCH: '10', CRM_WORKFLOW_HTTP_ALLOW: 'https://partner.example',
      CRM_DEMO_TEMPLATES: 'none', CRM_DEMO_CUSTOMERS: '0', CRM_BANK_COMPLAINT_SLA: 'P2D',
    });
    expect(code).toBe(1);
    expect(out).not.toContain('Invalid configuration');
  }, 90000);
});
