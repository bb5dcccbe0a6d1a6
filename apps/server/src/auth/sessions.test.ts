/**
 * Refresh-token rotation against a real PostgreSQL with an injected clock: each token works once and
 * is replaced; a replaced token presented again after the race grace revokes the whole family; the
 * idle timeout and the absolute maximum end a session exactly at their limits; a password change, a
 * disabled account and a logout end it too.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Db } from '../database/db.js';
import { AuditService } from '../audit/audit.service.js';
import type { AppConfig } from '../config/config.js';
import { scratchDatabase } from '../database/scratch-database.test-util.js';
import { REUSE_GRACE_MS, SessionStore } from './sessions.js';

const MIN = 60_000;
const config = { crypto: 'aes', dataKey: Buffer.alloc(32, 9), sessions: { idleMinutes: 30, maxHours: 12 } } as AppConfig;

let drop: (() => Promise<void>) | undefined;
let db: Db;
let now = new Date('2026-06-30T08:00:00.000Z');
let store: SessionStore;
const advance = (ms: number) => { now = new Date(now.getTime() + ms); };

async function user(name: string): Promise<string> {
  const r = await db.one<{ id: string }>(`INSERT INTO crm.users (username, password_hash, roles) VALUES ($1, 'x', '{rm}') RETURNING id`, [name]);
  return r!.id;
}
const ok = async (token: string) => {
  const r = await store.refresh(token);
  if (!r.ok) throw new Error(`refused: ${r.reason}`);
  return r.next.token;
};
const reason = async (token: string) => {
  const r = await store.refresh(token);
  return r.ok ? 'accepted' : r.reason;
};

beforeAll(async () => {
  ({ db, drop } = await scratchDatabase('sess'));
  store = new SessionStore(db, new AuditService(db, config), config, () => now);
});
afterAll(async () => {
  await drop?.();
});

describe('refresh-token sessions with an injected clock', () => {
  it('rotates on every use; a replaced token replayed after the grace revokes the whole family', async () => {
    const id = await user('rot');
    const first = (await store.start(id, 0)).token;
    advance(MIN);
    const second = await ok(first);
    expect(second).not.toBe(first);
    // A racing request of the same browser within the grace gets a successor of its own.
    advance(REUSE_GRACE_MS);
    const fork = await ok(first);
    advance(1);
    const third = await ok(second);
    // Later, the replaced token is a copy: refused, and every token of the family with it.
    expect(await reason(first)).toBe('reuse');
    expect(await reason(third)).toBe('revoked');
    expect(await reason(fork)).toBe('revoked');
    const rows = await db.query<{ revoked_reason: string }>(`SELECT DISTINCT revoked_reason FROM crm.auth_sessions WHERE user_id = $1`, [id]);
    expect(rows).toEqual([{ revoked_reason: 'reuse' }]);
    const audit = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM crm.audit_log WHERE action = 'auth.session.refresh' AND outcome = 'denied' AND actor_id = $1`, [id]);
    expect(audit[0].n).toBe(1);
    // Another session of the same user is untouched.
    const other = (await store.start(id, 0)).token;
    expect(await ok(other)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('ends after the idle timeout, exactly at its limit', async () => {
    const id = await user('idle');
    let t = (await store.start(id, 0)).token;
    advance(30 * MIN);
    t = await ok(t); // exactly at the limit: still accepted
    advance(30 * MIN + 1);
    expect(await reason(t)).toBe('idle');
    expect(await reason(t)).toBe('revoked');
  });

  it('ends at the absolute maximum however busy', async () => {
    const id = await user('busy');
    let t = (await store.start(id, 0)).token;
    for (let i = 0; i < 35; i++) { advance(20 * MIN); t = await ok(t); } // 11 h 40 min
    advance(20 * MIN);
    expect(await reason(t)).toBe('expired');
  });

  it('ends when the password changes, the account is disabled, or at logout; refuses anything else', async () => {
    const a = await user('pw');
    const s1 = (await store.start(a, 0)).token;
    await db.query('UPDATE crm.users SET token_version = token_version + 1 WHERE id = $1', [a]);
    expect(await reason(s1)).toBe('user');
    const b = await user('off');
    const s2 = (await store.start(b, 0)).token;
    await db.query('UPDATE crm.users SET disabled = true WHERE id = $1', [b]);
    expect(await reason(s2)).toBe('user');
    const c = await user('bye');
    const s3 = (await store.start(c, 0)).token;
    const s4 = await ok(s3);
    expect(await store.end(s4)).toBe(c);
    expect(await reason(s4)).toBe('revoked');
    for (const junk of ['', 'x', "' OR 1=1 --", 'A'.repeat(43), s4 + 'A']) expect(await reason(junk)).toMatch(/^(unknown|revoked)$/);
    expect(await store.end('nonsense')).toBeNull();
  });

  it('a sign-in deletes rows of families that ended more than a day ago, and no others', async () => {
    const id = await user('old');
    const old = (await store.start(id, 0)).token;
    advance(12 * 60 * MIN + 24 * 60 * MIN + 1);
    const recent = (await store.start(id, 0)).token;
    expect(await reason(old)).toBe('unknown');
    expect(await ok(recent)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
