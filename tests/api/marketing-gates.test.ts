/**
 * The contact gates on the bank pack's consent ledger and a real database: consent (none, withdrawn,
 * valid, not yet given), do-not-disturb, quiet hours at an injected time, and frequency caps over
 * rolling windows — overall and per channel — counted across two campaigns (and a journey), with
 * repeats inside one batch. The settings and do-not-disturb routes are the marketing right's only.
 * The gate service runs in this process against the server's database (the same class the server
 * uses); its metadata is the server's own (read over HTTP).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { PlatformRight } from '@crm/shared';
import { startServer, type TestServer } from '../harness/server.js';
import { as, refused } from '../harness/http.js';
import { ContactGates, inQuietHours, type GateVerdict } from '../../apps/server/src/marketing/contact-gates.js';
import type { MetadataService } from '../../apps/server/src/metadata/metadata.service.js';

type Client = Awaited<ReturnType<typeof as>>;

let srv: TestServer;
let rm: Client, analyst: Client, security: Client;
let pool: pg.Pool;
let gates: ContactGates;
const ids: Record<string, string> = {};
const NOW = new Date('2026-03-02T03:00:00Z'); // 11:00 in Shanghai

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_MARKETING_SIMULATOR: '0' }, timeoutMs: 120000 });
  [rm, analyst, security] = await Promise.all(['rm', 'analyst', 'security'].map((u) => as(srv.baseUrl, u)));
  // The analyst plans campaigns (the marketing right); the security administrator grants it.
  const role = await security.api.admin.getRole('analyst');
  await security.api.admin.updateRole('analyst', { platform: [...new Set([...(role.platform ?? []), 'marketing.manage'])] as PlatformRight[] });
  // The pack's onboarding journey contacts every new customer: these tests count their own contacts only.
  for (const j of await analyst.api.journeys.list()) await analyst.api.journeys.pause(j.key);
  for (const name of ['valid', 'withdrawn', 'none', 'future', 'dnd', 'dndsms', 'capped']) {
    ids[name] = (await rm.api.records.create('customer', { customer_type: 'individual', name: `闸门${name}` })).id as string;
  }
  const consent = (customer: string, extra: Record<string, unknown> = {}) =>
    rm.api.records.create('consent', { customer, purpose: 'marketing', notice_version: 'v1', channel: 'app', consented_at: '2026-01-01T00:00:00+08:00', ...extra });
  for (const k of ['valid', 'dnd', 'dndsms', 'capped']) await consent(ids[k]!);
  await consent(ids.withdrawn!, { withdrawn: true, withdrawn_at: '2026-02-01T00:00:00+08:00' });
  await consent(ids.future!, { consented_at: '2027-01-01T00:00:00+08:00' });
  // A consent for another purpose is no marketing consent.
  await rm.api.records.create('consent', { customer: ids.none!, purpose: 'credit_report', notice_version: 'v1', channel: 'app', consented_at: '2026-01-01T00:00:00+08:00' });
  pool = new pg.Pool({ connectionString: srv.dbUrl, max: 2 });
  const objects = new Map((await analyst.api.meta.listObjects()).map((o) => [o.key, o]));
  const meta = { current: async () => ({ objects }) } as unknown as MetadataService;
  gates = new ContactGates(meta, () => NOW);
}, 150000);

afterAll(async () => {
  await pool?.end();
  await srv?.stop();
});

const reasons = (m: Map<string, GateVerdict>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, (v => (v.allowed ? 'ok' : v.reason))(m.get(ids[k]!)!)]));
const tx = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const r = await fn(c);
    await c.query('COMMIT');
    return r;
  } catch (e) {
    await c.query('ROLLBACK');
    throw e;
  } finally {
    c.release();
  }
};
const contacts = async (customer: string) => (await pool.query('SELECT count(*)::int AS n FROM crm.marketing_contacts WHERE customer_id = $1', [customer])).rows[0].n as number;

describe('settings and the do-not-disturb list', () => {
  it('are the marketing right’s: others get 403, bad bodies 400', async () => {
    for (const who of [rm]) {
      expect((await refused(who.api.marketing.settings())).status).toBe(403);
      expect((await refused(who.api.marketing.saveSettings({ caps: [] }))).status).toBe(403);
      expect((await refused(who.api.marketing.doNotDisturb({ customerId: ids.valid! }))).status).toBe(403);
    }
    expect(await analyst.api.marketing.settings()).toEqual({ caps: [{ max: 3, days: 7 }] });
    const bad = await refused(analyst.api.marketing.saveSettings({ caps: [{ max: -1, days: 0 }], quietHours: { from: '25:00', to: '8' } } as never));
    expect(bad.status).toBe(400);
    expect((await refused(analyst.api.marketing.saveSettings({ caps: [], extra: 1 } as never))).status).toBe(400);
    const s = { caps: [{ max: 2, days: 7 }, { channel: 'sms' as const, max: 1, days: 1 }], quietHours: { from: '21:00', to: '08:00' } };
    expect(await analyst.api.marketing.saveSettings(s)).toEqual(s);
    expect(await analyst.api.marketing.settings()).toEqual(s);
    await analyst.api.marketing.doNotDisturb({ customerId: ids.dnd!, reason: '客户要求' });
    await analyst.api.marketing.doNotDisturb({ customerId: ids.dndsms!, channel: 'sms' });
  });
});

describe('the gates', () => {
  it('exclude without a valid marketing consent, on the do-not-disturb list, and in quiet hours (messages only)', async () => {
    const keys = ['valid', 'withdrawn', 'none', 'future', 'dnd', 'dndsms'];
    const sms = await tx((c) => gates.check(c, keys.map((k) => ids[k]!), 'sms'));
    expect(reasons(sms, keys)).toEqual({ valid: 'ok', withdrawn: 'consent_withdrawn', none: 'no_consent', future: 'no_consent', dnd: 'do_not_disturb', dndsms: 'do_not_disturb' });
    const push = await tx((c) => gates.check(c, keys.map((k) => ids[k]!), 'push'));
    expect(reasons(push, ['dndsms', 'dnd'])).toEqual({ dndsms: 'ok', dnd: 'do_not_disturb' });
    // 22:30 in Shanghai is inside 21:00–08:00: messages wait, a call task does not.
    const late = new Date('2026-03-02T14:30:00Z');
    expect(reasons(await tx((c) => gates.check(c, [ids.valid!], 'sms', late)), ['valid'])).toEqual({ valid: 'quiet_hours' });
    expect(reasons(await tx((c) => gates.check(c, [ids.valid!], 'task', late)), ['valid'])).toEqual({ valid: 'ok' });
    // Checking records nothing.
    expect(await contacts(ids.valid!)).toBe(0);
  });

  it('quiet hours: windows spanning midnight and within a day, in the configured zone', () => {
    const at = (iso: string) => new Date(iso);
    const night = { from: '21:00', to: '08:00' };
    expect(inQuietHours(at('2026-03-02T12:59:00Z'), night)).toBe(false); // 20:59 Shanghai
    expect(inQuietHours(at('2026-03-02T13:00:00Z'), night)).toBe(true); // 21:00
    expect(inQuietHours(at('2026-03-02T23:59:00Z'), night)).toBe(true); // 07:59
    expect(inQuietHours(at('2026-03-03T00:00:00Z'), night)).toBe(false); // 08:00
    expect(inQuietHours(at('2026-03-02T04:30:00Z'), { from: '12:00', to: '14:00' })).toBe(true);
    expect(inQuietHours(at('2026-03-02T04:30:00Z'), { from: '12:00', to: '14:00', timeZone: 'UTC' })).toBe(false);
    expect(inQuietHours(at('2026-03-02T04:30:00Z'), { from: '12:00', to: '12:00' })).toBe(false);
    expect(inQuietHours(at('2026-03-02T04:30:00Z'), undefined)).toBe(false);
  });

  it('cap contacts across two campaigns and a journey, per channel and overall, over rolling windows', async () => {
    const c = ids.capped!;
    const a = { kind: 'campaign' as const, id: 'campaign-a' };
    const b = { kind: 'campaign' as const, id: 'campaign-b' };
    // Campaign A sends an SMS: admitted and recorded in the caller's transaction.
    expect(reasons(await tx((q) => gates.admit(q, [c], 'sms', a)), ['capped'])).toEqual({ capped: 'ok' });
    expect(await contacts(c)).toBe(1);
    // Campaign B on the same day: the SMS cap (1 per day) holds, a WeChat message does not hit it.
    expect(reasons(await tx((q) => gates.admit(q, [c], 'sms', b)), ['capped'])).toEqual({ capped: 'frequency_cap' });
    expect(reasons(await tx((q) => gates.admit(q, [c], 'wecom', b)), ['capped'])).toEqual({ capped: 'ok' });
    // Two contacts in 7 days: the overall cap stops a journey on any channel.
    expect(reasons(await tx((q) => gates.admit(q, [c], 'push', { kind: 'journey', id: 'j1' })), ['capped'])).toEqual({ capped: 'frequency_cap' });
    expect(await contacts(c)).toBe(2);
    // A rolled-back transaction leaves no contact behind.
    await expect(tx(async (q) => {
      await gates.admit(q, [ids.valid!], 'sms', a);
      throw new Error('rollback');
    })).rejects.toThrow('rollback');
    expect(await contacts(ids.valid!)).toBe(0);
    // Rolling: eight days later both windows have passed.
    const later = new Date(NOW.getTime() + 8 * 86400000);
    expect(reasons(await tx((q) => gates.check(q, [c], 'sms', later)), ['capped'])).toEqual({ capped: 'ok' });
    // Six days later the 1-day SMS window has passed, the 7-day overall window has not.
    const sixDays = new Date(NOW.getTime() + 6 * 86400000);
    expect(reasons(await tx((q) => gates.check(q, [c], 'wecom', sixDays)), ['capped'])).toEqual({ capped: 'frequency_cap' });
  });

  it('count repeats inside one batch against the caps, in a constant number of statements', async () => {
    await analyst.api.marketing.saveSettings({ caps: [{ max: 1, days: 7 }] });
    const v = ids.valid!;
    let statements = 0;
    const verdicts = await tx(async (c) => {
      const counting = { query: (...args: Parameters<pg.PoolClient['query']>) => { statements++; return (c.query as (...a: unknown[]) => unknown)(...args); } } as unknown as pg.PoolClient;
      return gates.admit(counting, [v, v, v, ids.none!], 'task', { kind: 'campaign', id: 'campaign-c' });
    });
    expect(verdicts.get(v)).toEqual({ allowed: true });
    expect(await contacts(v)).toBe(1);
    expect(statements).toBeLessThanOrEqual(5);
  });
});
