/**
 * Login with lockout, token authentication and API keys.
 * Failures are counted per user name whether or not the user exists, and unknown users are verified
 * against a dummy hash, so neither the answer nor its timing tells which names exist.
 */
import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Db } from '../database/db.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AppError } from '../common/app-error.js';
import { AuditService } from '../audit/audit.service.js';
import { dummyHash, verifyPassword } from './password.js';
import { TokenService } from './tokens.js';
import { UserCache } from './user-cache.js';
import { AccessService } from '../access/access.service.js';
import type { Principal } from './principal.js';

export const MAX_FAILURES = 5;
export const LOCK_MINUTES = 15;

interface UserRow {
  id: string;
  username: string;
  display_name: string | null;
  password_hash: string;
  org_unit_id: string | null;
  roles: string[];
  disabled: boolean;
  password_changed_at: Date;
}

const API_KEY_RE = /^crmk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

@Injectable()
export class AuthService {
  readonly tokens: TokenService;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly users: UserCache,
    private readonly access: AccessService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.tokens = new TokenService(config.secret, config.tokenTtlSeconds);
  }

  async login(usernameRaw: string, password: string): Promise<{ accessToken: string; expiresAt: string; user: Record<string, unknown> }> {
    const username = usernameRaw.trim().toLowerCase();
    const attempt = await this.db.one<{ failures: number; locked_until: Date | null }>(
      'SELECT failures, locked_until FROM crm.login_attempts WHERE username = $1',
      [username],
    );
    const user = await this.db.one<UserRow>('SELECT * FROM crm.users WHERE lower(username) = $1', [username]);
    // Always pay for one argon2 verification, whatever the outcome.
    const valid = await verifyPassword(user?.password_hash ?? (await dummyHash()), password);

    if (attempt?.locked_until && attempt.locked_until > new Date()) {
      const minutes = Math.ceil((attempt.locked_until.getTime() - Date.now()) / 60000);
      await this.audit.record({ action: 'auth.login', outcome: 'denied', actorId: user?.id ?? null, actorName: username, data: { reason: 'locked' } });
      throw new AppError(423, 'auth.locked', { minutes });
    }
    if (!user || !valid) {
      const failures = await this.countFailure(username);
      await this.audit.record({
        action: 'auth.login', outcome: 'failure', actorId: user?.id ?? null, actorName: username,
        data: { reason: 'invalid_credentials', failures },
      });
      if (failures >= MAX_FAILURES) throw new AppError(423, 'auth.locked', { minutes: LOCK_MINUTES });
      throw new AppError(401, 'auth.invalid_credentials');
    }
    if (user.disabled) {
      await this.audit.record({ action: 'auth.login', outcome: 'denied', actorId: user.id, actorName: user.username, data: { reason: 'disabled' } });
      throw new AppError(401, 'auth.disabled');
    }
    await this.db.tx(async (c) => {
      await c.query('DELETE FROM crm.login_attempts WHERE username = $1', [username]);
      await c.query('UPDATE crm.users SET last_login_at = now() WHERE id = $1', [user.id]);
      await this.audit.record({ action: 'auth.login', actorId: user.id, actorName: user.username }, c);
    });
    const { token, expiresAt } = await this.tokens.issue(user.id);
    return { accessToken: token, expiresAt: expiresAt.toISOString(), user: { id: user.id, username: user.username, roles: user.roles } };
  }

  private async countFailure(username: string): Promise<number> {
    const row = await this.db.one<{ failures: number }>(
      `INSERT INTO crm.login_attempts (username, failures, locked_until, updated_at)
       VALUES ($1, 1, NULL, now())
       ON CONFLICT (username) DO UPDATE SET
         failures = CASE WHEN crm.login_attempts.locked_until IS NOT NULL AND crm.login_attempts.locked_until <= now()
                         THEN 1 ELSE crm.login_attempts.failures + 1 END,
         locked_until = NULL,
         updated_at = now()
       RETURNING failures`,
      [username],
    );
    const failures = row?.failures ?? 1;
    if (failures >= MAX_FAILURES) {
      await this.db.query(`UPDATE crm.login_attempts SET locked_until = now() + make_interval(mins => $2) WHERE username = $1`, [username, LOCK_MINUTES]);
    }
    return failures;
  }

  /** Resolves a bearer credential (JWT or API key) to a principal; null when it is not valid now. */
  async authenticate(credential: string): Promise<Principal | null> {
    const key = API_KEY_RE.exec(credential);
    if (key) return this.authenticateApiKey(key[1], key[2]);
    const claims = await this.tokens.verify(credential);
    if (!claims) return null;
    const user = await this.loadActiveUser(claims.sub);
    // A password change (or reset) revokes every token issued before it.
    if (!user || claims.iat * 1000 < Math.floor(user.password_changed_at.getTime() / 1000) * 1000) return null;
    return this.toPrincipal(user, 'token');
  }

  private async authenticateApiKey(idHex: string, secret: string): Promise<Principal | null> {
    const id = `${idHex.slice(0, 8)}-${idHex.slice(8, 12)}-${idHex.slice(12, 16)}-${idHex.slice(16, 20)}-${idHex.slice(20)}`;
    const row = await this.db.one<{ user_id: string; secret_hash: string }>(
      `SELECT user_id, secret_hash FROM crm.api_keys
       WHERE id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
      [id],
    );
    if (!row) return null;
    const given = createHash('sha256').update(secret).digest();
    const stored = Buffer.from(row.secret_hash, 'hex');
    if (stored.length !== given.length || !timingSafeEqual(stored, given)) return null;
    const user = await this.loadActiveUser(row.user_id);
    if (!user) return null;
    void this.db.query('UPDATE crm.api_keys SET last_used_at = now() WHERE id = $1', [id]).catch(() => undefined);
    return this.toPrincipal(user, 'api_key');
  }

  private loadActiveUser(id: string): Promise<UserRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return Promise.resolve(undefined);
    return this.users.get(id, () => this.db.one<UserRow>('SELECT * FROM crm.users WHERE id = $1 AND NOT disabled', [id])) as Promise<UserRow | undefined>;
  }

  private toPrincipal(u: UserRow, via: Principal['via']): Principal {
    return { id: u.id, username: u.username, displayName: u.display_name, roles: u.roles, orgUnitId: u.org_unit_id, via };
  }

  async me(p: Principal): Promise<Record<string, unknown>> {
    const org = p.orgUnitId
      ? await this.db.one<{ id: string; name: string }>('SELECT id, name FROM crm.org_units WHERE id = $1', [p.orgUnitId])
      : undefined;
    const rights = await this.access.platformRights(p.roles);
    return {
      id: p.id,
      username: p.username,
      displayName: p.displayName,
      roles: p.roles,
      orgUnitId: p.orgUnitId,
      orgUnit: org ?? null,
      platform: [...rights].sort(),
    };
  }

  /** Creates an API key acting as `userId`; the secret is returned once and stored only as a hash. */
  async createApiKey(p: Principal, name: string, userId: string, expiresInDays?: number): Promise<Record<string, unknown>> {
    const secret = randomBytes(32).toString('base64url');
    return this.db.tx(async (c) => {
      const target = await c.query('SELECT id FROM crm.users WHERE id = $1', [userId]);
      if (target.rowCount === 0) throw new AppError(404, 'common.not_found');
      const { rows } = await c.query<{ id: string; created_at: Date; expires_at: Date | null }>(
        `INSERT INTO crm.api_keys (name, user_id, secret_hash, created_by, expires_at)
         VALUES ($1, $2, $3, $4, CASE WHEN $5::int IS NULL THEN NULL ELSE now() + make_interval(days => $5::int) END)
         RETURNING id, created_at, expires_at`,
        [name, userId, createHash('sha256').update(secret).digest('hex'), p.id, expiresInDays ?? null],
      );
      const row = rows[0];
      await this.audit.record({ action: 'auth.api_key.create', object: 'api_key', recordId: row.id, data: { name, userId } }, c);
      return { id: row.id, name, userId, createdAt: row.created_at, expiresAt: row.expires_at, key: `crmk_${row.id.replace(/-/g, '')}_${secret}` };
    });
  }

  async listApiKeys(userId: string | null): Promise<Record<string, unknown>[]> {
    return this.db.query(
      `SELECT id, name, user_id AS "userId", created_at AS "createdAt", expires_at AS "expiresAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"
       FROM crm.api_keys ${userId ? 'WHERE user_id = $1' : ''} ORDER BY created_at DESC LIMIT 500`,
      userId ? [userId] : [],
    );
  }

  async revokeApiKey(id: string, onlyOwnedBy: string | null): Promise<void> {
    await this.db.tx(async (c) => {
      const res = await c.query(
        `UPDATE crm.api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL ${onlyOwnedBy ? 'AND user_id = $2' : ''}`,
        onlyOwnedBy ? [id, onlyOwnedBy] : [id],
      );
      if (res.rowCount === 0) throw new AppError(404, 'auth.api_key_not_found');
      await this.audit.record({ action: 'auth.api_key.revoke', object: 'api_key', recordId: id }, c);
    });
  }
}
