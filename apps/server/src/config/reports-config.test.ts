/** CRM_REPORTS_*: the optional report replica, its allowed lag and the report statement timeout. */
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './config.js';

const BASE = { DATABASE_URL: 'postgres://crm:pw@db.internal:5432/crm', CRM_SECRET: 's'.repeat(32), CRM_DATA_KEY: 'a'.repeat(64) };
const load = (env: Record<string, string>) => loadConfig({ ...BASE, ...env }).reports;

describe('report settings', () => {
  it('default to the primary, 30 s of lag and a 10 s statement timeout', () => {
    expect(load({})).toEqual({ databaseUrl: null, maxLagSeconds: 30, statementTimeoutMs: 10_000 });
  });

  it('take a replica URL, a lag and a timeout', () => {
    expect(load({ CRM_REPORTS_DATABASE_URL: ' postgres://ro:pw@replica:5432/crm ', CRM_REPORTS_MAX_LAG_SECONDS: '0', CRM_REPORTS_STATEMENT_TIMEOUT_MS: '250' })).toEqual({
      databaseUrl: 'postgres://ro:pw@replica:5432/crm', maxLagSeconds: 0, statementTimeoutMs: 250,
    });
  });

  it('refuse a bad value naming the variable, without echoing a URL (it may hold a password)', () => {
    for (const [name, value] of [
      ['CRM_REPORTS_DATABASE_URL', 'mysql://ro:secret@replica/crm'], ['CRM_REPORTS_DATABASE_URL', 'not a url secret'], ['CRM_REPORTS_DATABASE_URL', 'postgres://ro:secret@replica'],
      ['CRM_REPORTS_MAX_LAG_SECONDS', '-1'], ['CRM_REPORTS_MAX_LAG_SECONDS', 'soon'], ['CRM_REPORTS_STATEMENT_TIMEOUT_MS', '0'], ['CRM_REPORTS_STATEMENT_TIMEOUT_MS', '600001'],
    ]) {
      let err: unknown;
      try {
        load({ [name!]: value! });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(name);
      expect((err as Error).message).not.toContain('secret');
    }
  });
});
