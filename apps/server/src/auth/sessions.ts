/**
 * Browser sessions behind refresh tokens (standard refresh-token rotation). Signing in starts a family;
 * its token is an opaque random value that lives only in an HttpOnly cookie and, hashed, in
 * crm.auth_sessions. Every use replaces it with a successor (rotation). A replaced token that comes
 * back later than a few seconds after its replacement (two tabs racing is the only innocent reason)
 * means someone holds a copy: the whole family is revoked. A family also ends when unused for the
 * idle timeout, at its absolute maximum, at logout, when the password changes or is reset (the user's
 * token generation moves on) and when the user is disabled. Time comes from the injectable clock.
 */
import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { Db } from '../database/db.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AuditService } from '../audit/audit.service.js';

export const AUTH_CLOCK = Symbol('AUTH_CLOCK');
export type AuthClock = () => Date;
export const systemAuthClock: AuthClock = () => new Date();

/** How long after its rotation a token may still be presented by a racing request of the same browser. */
export const REUSE_GRACE_MS = 10_000;

/** Why a refresh token was not accepted (the family is revoked where that makes sense). */
export type SessionRefusal = 'unknown' | 'revoked' | 'reuse' | 'idle' | 'expired' | 'user';

export type Refreshed =
  | { ok: true; userId: string; tokenVersion: number; next: IssuedSession }
  | { ok: false; reason: SessionRefusal };

export interface IssuedSession {
  token: string;
  /** When the family reaches its absolute maximum (the cookie's lifetime). */
  endsAt: Date;
}

interface SessionRow {
  id: string;
  family_id: string;
  user_id: string;
  token_version: number;
  started_at: Date;
  used_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
  disabled: boolean;
  current_version: number;
  username: string;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
/** 32 random bytes, base64url: nothing in it but chance. */
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;
/** Rows kept this long after their family ended (a late reuse still finds them), then deleted. */
const KEEP_EXPIRED_MS = 86_400_000;
const PURGE_BATCH = 200;

@Injectable()
export class SessionStore {
  readonly idleMs: number;
  readonly maxMs: number;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'sessions'>,
    @Inject(AUTH_CLOCK) private readonly now: AuthClock,
  ) {
    this.idleMs = config.sessions.idleMinutes * 60_000;
    this.maxMs = config.sessions.maxHours * 3_600_000;
  }

  /** A new family for a user who just proved who they are. */
  async start(userId: string, tokenVersion: number): Promise<IssuedSession> {
    const now = this.now();
    // Rows of families past their maximum (and a day more, so a late replay is still recognised) go on
    // the way, a bounded batch per sign-in.
    await this.db.query(
      `DELETE FROM crm.auth_sessions WHERE id IN (SELECT id FROM crm.auth_sessions WHERE started_at < $1 LIMIT ${PURGE_BATCH})`,
      [new Date(now.getTime() - this.maxMs - KEEP_EXPIRED_MS)],
    );
    return this.insert(this.db, randomUUID(), userId, tokenVersion, now, now);
  }

  private async insert(q: { query: (sql: string, params: unknown[]) => Promise<unknown> }, familyId: string, userId: string, tokenVersion: number, startedAt: Date, now: Date): Promise<IssuedSession> {
    const token = randomBytes(32).toString('base64url');
    const endsAt = new Date(startedAt.getTime() + this.maxMs);
    const expiresAt = new Date(Math.min(endsAt.getTime(), now.getTime() + this.idleMs));
    await q.query(
      `INSERT INTO crm.auth_sessions (family_id, user_id, token_hash, token_version, started_at, used_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [familyId, userId, hashOf(token), tokenVersion, startedAt, now, expiresAt],
    );
    return { token, endsAt };
  }

  /** Uses a refresh token: its successor, or why it was refused. */
  async refresh(token: string): Promise<Refreshed> {
    if (!TOKEN_RE.test(token)) return { ok: false, reason: 'unknown' };
    const now = this.now();
    const result = await this.db.tx(async (c): Promise<Refreshed & { audit?: { userId: string; username: string; reason: SessionRefusal } }> => {
      const { rows } = await c.query<SessionRow>(
        `SELECT s.id, s.family_id, s.user_id, s.token_version, s.started_at, s.used_at, s.rotated_at, s.revoked_at,
                u.disabled, u.token_version AS current_version, u.username
         FROM crm.auth_sessions s JOIN crm.users u ON u.id = s.user_id
         WHERE s.token_hash = $1 FOR UPDATE OF s`,
        [hashOf(token)],
      );
      const s = rows[0];
      if (!s) return { ok: false, reason: 'unknown' };
      if (s.revoked_at) return { ok: false, reason: 'revoked' };
      const refuse = async (reason: SessionRefusal, stored: 'reuse' | 'idle' | 'expired' | 'password' | 'disabled') => {
        await c.query(`UPDATE crm.auth_sessions SET revoked_at = $2, revoked_reason = $3 WHERE family_id = $1 AND revoked_at IS NULL`, [s.family_id, now, stored]);
        return { ok: false as const, reason, audit: { userId: s.user_id, username: s.username, reason } };
      };
      // Replaced a moment ago: a racing request of the same browser (two tabs, a reload that dropped the
      // answer with the new cookie) gets a successor of its own; later, it is a copy being replayed.
      if (s.rotated_at && now.getTime() - s.rotated_at.getTime() > REUSE_GRACE_MS) return refuse('reuse', 'reuse');
      if (s.disabled) return refuse('user', 'disabled');
      if (s.token_version !== s.current_version) return refuse('user', 'password');
      if (now.getTime() >= s.started_at.getTime() + this.maxMs) return refuse('expired', 'expired');
      if (now.getTime() > s.used_at.getTime() + this.idleMs) return refuse('idle', 'idle');
      if (!s.rotated_at) await c.query('UPDATE crm.auth_sessions SET rotated_at = $2 WHERE id = $1', [s.id, now]);
      const next = await this.insert(c, s.family_id, s.user_id, s.current_version, s.started_at, now);
      return { ok: true, userId: s.user_id, tokenVersion: s.current_version, next };
    });
    if (!result.ok && result.audit) {
      await this.audit.record({
        action: 'auth.session.refresh', outcome: 'denied', actorId: result.audit.userId, actorName: result.audit.username, data: { reason: result.audit.reason },
      });
    }
    if (result.ok) return { ok: true, userId: result.userId, tokenVersion: result.tokenVersion, next: result.next };
    return { ok: false, reason: result.reason };
  }

  /** Ends the family of this token (logout); the user whose session it was, if any. */
  async end(token: string): Promise<string | null> {
    if (!TOKEN_RE.test(token)) return null;
    const rows = await this.db.query<{ user_id: string }>(
      `UPDATE crm.auth_sessions SET revoked_at = $2, revoked_reason = 'logout'
       WHERE family_id = (SELECT family_id FROM crm.auth_sessions WHERE token_hash = $1) AND revoked_at IS NULL
       RETURNING user_id`,
      [hashOf(token), this.now()],
    );
    return rows[0]?.user_id ?? null;
  }
}

/** Ends every session of a user, in the caller's transaction (a password change or reset). */
export async function revokeSessions(c: PoolClient, userId: string, reason: 'password' | 'disabled'): Promise<void> {
  await c.query(`UPDATE crm.auth_sessions SET revoked_at = now(), revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL`, [userId, reason]);
}
