/**
 * Login with lockout, token authentication and API keys.
 * Failures are counted per user name whether or not the user exists, and unknown users are verified
 * against a dummy hash, so neither the answer nor its timing tells which names exist.
 */
import { Inject, Injectable } from '@nestjs/common';
import { PLATFORM_RIGHTS, type ApiKey, type ChangePasswordResponse, type CreatedApiKey, type CurrentUser, type LoginResponse, type RefreshResponse, type PlatformRight, type Unserialized } from '@crm/shared';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Db } from '../database/db.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AppError } from '../common/app-error.js';
import { AuditService } from '../audit/audit.service.js';
import { dummyHash, verifyPassword } from './password.js';
import { replacePassword } from './credentials.js';
import { registerMessages } from '../common/i18n.js';
import { TokenService } from './tokens.js';
import { UserCache } from './user-cache.js';
import { AccessService } from '../access/access.service.js';
import type { Principal } from './principal.js';
import { DirectoryAccounts } from './directory/directory-accounts.js';
import { SessionStore, type IssuedSession, type SessionRefusal } from './sessions.js';

registerMessages({
  'auth.password_change_required': { 'zh-CN': '请先修改临时密码，再使用系统', en: 'Change your temporary password first' },
  'auth.wrong_current_password': { 'zh-CN': '当前密码错误', en: 'The current password is wrong' },
  'auth.same_password': { 'zh-CN': '新密码不能与当前密码相同', en: 'The new password must differ from the current one' },
  'auth.api_key_for_person': {
    'zh-CN': '不能为他人（自然人用户）创建或吊销 API 密钥：系统对接请使用技术账号，个人请在“我的 API 密钥”中自行创建',
    en: 'API keys cannot be created or revoked for another person: use a service account for systems; people create their own keys',
  },
  'auth.session_missing': { 'zh-CN': '未登录或登录已失效，请重新登录', en: 'Not signed in, or the session ended; sign in again' },
  'auth.session_idle': { 'zh-CN': '长时间未操作，已自动退出，请重新登录', en: 'Signed out after a period of inactivity; sign in again' },
  'auth.session_expired': { 'zh-CN': '登录时间已达上限，请重新登录', en: 'The session reached its maximum length; sign in again' },
  'auth.session_revoked': { 'zh-CN': '登录已失效（已退出、密码已修改或账号已停用），请重新登录', en: 'The session ended (signed out, password changed or account disabled); sign in again' },
  'auth.session_reused': { 'zh-CN': '检测到登录凭据被重复使用，为安全起见已结束该登录会话，请重新登录', en: 'A sign-in credential was used twice; the session was ended for safety; sign in again' },
  'auth.session_header': { 'zh-CN': '请求来源不被接受', en: 'The request did not come from this application' },
  'auth.rate_limited': { 'zh-CN': '请求过于频繁，请 {seconds} 秒后再试', en: 'Too many requests; try again in {seconds} seconds' },
});

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
  service_account: boolean;
  token_version: number;
  password_change_required: boolean;
  auth_source: string;
}

/** Locked, or more attempts in flight than failures allowed: refused before any password is checked. */
const refused = (a: { failures: number; locked_until: Date | null }): boolean => (!!a.locked_until && a.locked_until > new Date()) || a.failures > MAX_FAILURES;

const REFUSAL_CODES: Record<SessionRefusal, string> = {
  unknown: 'auth.session_missing', revoked: 'auth.session_revoked', user: 'auth.session_revoked',
  reuse: 'auth.session_reused', idle: 'auth.session_idle', expired: 'auth.session_expired',
};

const API_KEY_RE = /^crmk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

@Injectable()
export class AuthService {
  readonly tokens: TokenService;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly users: UserCache,
    private readonly access: AccessService,
    private readonly directory: DirectoryAccounts,
    private readonly sessions: SessionStore,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.tokens = new TokenService(config.secret, config.tokenTtlSeconds);
  }

  async login(usernameRaw: string, password: string): Promise<LoginResponse> {
    const username = usernameRaw.trim().toLowerCase();
    // The attempt is counted before the password is checked, in one statement: however many arrive
    // at once, no more than MAX_FAILURES of them are ever verified before the lock.
    const attempt = await this.reserveAttempt(username);
    const user = await this.db.one<UserRow>('SELECT * FROM crm.users WHERE lower(username) = $1', [username]);
    if (refused(attempt)) {
      const until = attempt.locked_until && attempt.locked_until > new Date() ? attempt.locked_until.getTime() : Date.now() + LOCK_MINUTES * 60000;
      await this.audit.record({ action: 'auth.login', outcome: 'denied', actorId: user?.id ?? null, actorName: username, data: { reason: 'locked' } });
      throw new AppError(423, 'auth.locked', { minutes: Math.ceil((until - Date.now()) / 60000) });
    }
    if (await this.directory.handles(user)) return this.loginThroughDirectory(username, password, attempt.failures);
    // Always pay for one argon2 verification, whatever the outcome. Service accounts never log in.
    const valid = await verifyPassword(user?.password_hash ?? (await dummyHash()), password);
    if (!user || !valid || user.service_account) {
      const failures = attempt.failures;
      await this.lockWhenExhausted(username, failures);
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
      await this.audit.record({ action: 'auth.login', actorId: user.id, actorName: user.username, data: user.password_change_required ? { passwordChangeRequired: true } : undefined }, c);
    });
    const { token, expiresAt } = await this.tokens.issue(user.id, user.token_version);
    return {
      accessToken: token,
      expiresAt: expiresAt.toISOString(),
      // A temporary password: the token only lets its holder choose a new password.
      ...(user.password_change_required ? { passwordChangeRequired: true as const } : {}),
      user: { id: user.id, username: user.username, roles: user.roles },
    };
  }

  /**
   * A name with no local account, or one that came from the directory: the directory decides. The
   * same lockout and audit as a local login; a directory that does not answer is 503 and not counted.
   */
  private async loginThroughDirectory(username: string, password: string, failures: number): Promise<Awaited<ReturnType<AuthService['login']>>> {
    // Local names pay one argon2 verification; so does this path, so timing does not tell them apart.
    await verifyPassword(await dummyHash(), password);
    const r = await this.directory.login(username, password);
    if (r.outcome === 'unavailable') {
      await this.db.query('UPDATE crm.login_attempts SET failures = greatest(failures - 1, 0) WHERE username = $1', [username]);
      await this.audit.record({ action: 'auth.login', outcome: 'failure', actorId: null, actorName: username, data: { method: 'ldap', reason: 'directory_unavailable' } });
      throw new AppError(503, 'auth.directory_unavailable');
    }
    if (r.outcome === 'invalid') {
      await this.lockWhenExhausted(username, failures);
      await this.audit.record({ action: 'auth.login', outcome: 'failure', actorId: null, actorName: username, data: { method: 'ldap', reason: 'invalid_credentials', failures } });
      if (failures >= MAX_FAILURES) throw new AppError(423, 'auth.locked', { minutes: LOCK_MINUTES });
      throw new AppError(401, 'auth.invalid_credentials');
    }
    if (r.outcome === 'no_role' || r.outcome === 'disabled') {
      await this.audit.record({ action: 'auth.login', outcome: 'denied', actorId: r.outcome === 'disabled' ? r.userId : null, actorName: username, data: { method: 'ldap', reason: r.outcome } });
      throw r.outcome === 'no_role' ? new AppError(403, 'auth.no_role') : new AppError(401, 'auth.disabled');
    }
    return this.signInExternal(r.userId, 'ldap', r.created);
  }

  /**
   * Signs in an account whose identity another system proved (the directory, an OpenID provider):
   * the same bookkeeping, audit and token as a password login.
   */
  async signInExternal(userId: string, method: 'ldap' | 'oidc', provisioned = false): Promise<Awaited<ReturnType<AuthService['login']>>> {
    const user = await this.db.one<UserRow>('SELECT * FROM crm.users WHERE id = $1', [userId]);
    if (!user || user.disabled) throw new AppError(401, 'auth.disabled');
    await this.db.tx(async (c) => {
      await c.query('DELETE FROM crm.login_attempts WHERE username = $1', [user.username.toLowerCase()]);
      await c.query('UPDATE crm.users SET last_login_at = now() WHERE id = $1', [user.id]);
      await this.audit.record({ action: 'auth.login', actorId: user.id, actorName: user.username, data: { method, ...(provisioned ? { provisioned: true } : {}) } }, c);
    });
    this.users.forget(user.id);
    const { token, expiresAt } = await this.tokens.issue(user.id, user.token_version);
    return { accessToken: token, expiresAt: expiresAt.toISOString(), user: { id: user.id, username: user.username, roles: user.roles } };
  }

  /** Counts one more attempt (a lapsed lock starts the count again) and returns the count and lock. */
  private async reserveAttempt(username: string): Promise<{ failures: number; locked_until: Date | null }> {
    const row = await this.db.one<{ failures: number; locked_until: Date | null }>(
      `INSERT INTO crm.login_attempts AS a (username, failures, locked_until, updated_at)
       VALUES ($1, 1, NULL, now())
       ON CONFLICT (username) DO UPDATE SET
         failures = CASE WHEN a.locked_until IS NOT NULL AND a.locked_until <= now() THEN 1 ELSE a.failures + 1 END,
         locked_until = CASE WHEN a.locked_until IS NOT NULL AND a.locked_until <= now() THEN NULL ELSE a.locked_until END,
         updated_at = now()
       RETURNING failures, locked_until`,
      [username],
    );
    return row ?? { failures: 1, locked_until: null };
  }

  /** A failed attempt that used up the allowance locks the name (once: a later one does not extend it). */
  private async lockWhenExhausted(username: string, failures: number): Promise<void> {
    if (failures < MAX_FAILURES) return;
    await this.db.query(`UPDATE crm.login_attempts SET locked_until = now() + make_interval(mins => $2) WHERE username = $1 AND locked_until IS NULL`, [username, LOCK_MINUTES]);
  }

  /** The caller replaces their own password (the only thing a temporary password allows). */
  async changePassword(p: Principal, current: string, next: string): Promise<ChangePasswordResponse> {
    const user = await this.db.one<UserRow>('SELECT * FROM crm.users WHERE id = $1 AND NOT disabled', [p.id]);
    if (!user || user.service_account) throw new AppError(403, 'common.forbidden');
    if (current === next) throw new AppError(400, 'auth.same_password', {}, [{ path: '/newPassword', code: 'same_password', message: 'same as the current password' }]);
    // A wrong current password counts like a failed login (same lockout), so a stolen session cannot guess it.
    const attempt = await this.reserveAttempt(user.username.toLowerCase());
    if (refused(attempt)) throw new AppError(423, 'auth.locked', { minutes: LOCK_MINUTES });
    if (!(await verifyPassword(user.password_hash, current))) {
      await this.lockWhenExhausted(user.username.toLowerCase(), attempt.failures);
      await this.audit.record({ action: 'auth.password.change', outcome: 'failure', object: 'user', recordId: user.id, data: { reason: 'invalid_credentials' } });
      throw new AppError(400, 'auth.wrong_current_password', {}, [{ path: '/currentPassword', code: 'wrong_password', message: 'wrong current password' }]);
    }
    const version = await this.db.tx(async (c) => {
      await c.query('DELETE FROM crm.login_attempts WHERE username = $1', [user.username.toLowerCase()]);
      const done = await replacePassword(c, user.id, next, false);
      await this.audit.record({ action: 'auth.password.change', object: 'user', recordId: user.id, data: { revokedApiKeys: done.revokedKeys } }, c);
      return done.tokenVersion;
    });
    this.users.forget(user.id);
    const { token, expiresAt } = await this.tokens.issue(user.id, version);
    return { accessToken: token, expiresAt: expiresAt.toISOString() };
  }

  /**
   * A browser session for a user who just signed in or chose a new password; none while a temporary
   * password is in force (that sign-in only opens the change-password step).
   */
  async openSession(userId: string): Promise<IssuedSession | null> {
    const user = await this.db.one<UserRow>('SELECT * FROM crm.users WHERE id = $1 AND NOT disabled', [userId]);
    if (!user || user.password_change_required || user.service_account) return null;
    return this.sessions.start(user.id, user.token_version);
  }

  /** A new access token for a refresh token, which is rotated: `next` is the cookie's new value. */
  async refresh(token: string | null): Promise<{ answer: RefreshResponse; next: IssuedSession }> {
    if (!token) throw new AppError(401, 'auth.session_missing');
    const r = await this.sessions.refresh(token);
    if (!r.ok) throw new AppError(401, REFUSAL_CODES[r.reason]);
    const user = await this.db.one<UserRow>('SELECT * FROM crm.users WHERE id = $1 AND NOT disabled', [r.userId]);
    if (!user || user.password_change_required) throw new AppError(401, 'auth.session_revoked');
    const { token: accessToken, expiresAt } = await this.tokens.issue(user.id, user.token_version);
    return {
      answer: {
        accessToken, expiresAt: expiresAt.toISOString(),
        user: { id: user.id, username: user.username, roles: user.roles, displayName: user.display_name },
        idleTimeoutSeconds: Math.round(this.sessions.idleMs / 1000),
      },
      next: r.next,
    };
  }

  /** Signs out: the session of this refresh token ends (its whole family). */
  async logout(token: string | null): Promise<void> {
    const userId = token ? await this.sessions.end(token) : null;
    if (userId) await this.audit.record({ action: 'auth.logout', actorId: userId, object: 'user', recordId: userId });
  }

  /** Resolves a bearer credential (JWT or API key) to a principal; null when it is not valid now. */
  async authenticate(credential: string): Promise<Principal | null> {
    const key = API_KEY_RE.exec(credential);
    if (key) return this.authenticateApiKey(key[1], key[2]);
    const claims = this.tokens.verify(credential);
    if (!claims) return null;
    const user = await this.loadActiveUser(claims.sub);
    // A password change (or reset) moves the user's token generation on: every earlier token dies.
    if (!user || claims.ver !== user.token_version) return null;
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
    return {
      id: u.id, username: u.username, displayName: u.display_name, roles: u.roles, orgUnitId: u.org_unit_id, via,
      ...(u.password_change_required ? { passwordChangeRequired: true } : {}),
    };
  }

  async me(p: Principal): Promise<CurrentUser> {
    const org = p.orgUnitId
      ? await this.db.one<{ id: string; name: string }>('SELECT id, name FROM crm.org_units WHERE id = $1', [p.orgUnitId])
      : undefined;
    const rights = await this.access.platformRights(p.roles);
    const names = await this.db.query<{ key: string; name: string }>('SELECT key, name FROM crm.roles WHERE key = ANY($1)', [p.roles]);
    return {
      id: p.id,
      username: p.username,
      displayName: p.displayName,
      roles: p.roles,
      orgUnitId: p.orgUnitId,
      orgUnit: org ?? null,
      platform: [...rights].filter(isPlatformRight).sort(),
      objects: await this.access.objectActions(p.roles),
      roleNames: Object.fromEntries(names.map((r) => [r.key, r.name])),
    };
  }

  /**
   * Creates an API key acting as `userId`, which is the caller or a service account: nobody holds
   * credentials of another person. The secret is returned once and stored only as a hash.
   */
  async createApiKey(p: Principal, name: string, userId: string, expiresInDays?: number): Promise<Unserialized<CreatedApiKey>> {
    const secret = randomBytes(32).toString('base64url');
    return this.db.tx(async (c) => {
      const target = await c.query<{ service_account: boolean }>('SELECT service_account FROM crm.users WHERE id = $1', [userId]);
      if (target.rowCount === 0) throw new AppError(404, 'common.not_found');
      if (userId !== p.id && !target.rows[0].service_account) {
        await this.audit.recordRefusal({ action: 'auth.api_key.create', outcome: 'denied', object: 'user', recordId: userId, data: { name, reason: 'not_a_service_account' } });
        throw new AppError(403, 'auth.api_key_for_person');
      }
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

  async listApiKeys(userId: string | null): Promise<Unserialized<ApiKey>[]> {
    return this.db.query<Unserialized<ApiKey>>(
      `SELECT k.id, k.name, k.user_id AS "userId", u.username, u.service_account AS "serviceAccount", k.created_at AS "createdAt",
         k.expires_at AS "expiresAt", k.last_used_at AS "lastUsedAt", k.revoked_at AS "revokedAt"
       FROM crm.api_keys k JOIN crm.users u ON u.id = k.user_id ${userId ? 'WHERE k.user_id = $1' : ''} ORDER BY k.created_at DESC LIMIT 500`,
      userId ? [userId] : [],
    );
  }

  /** Revokes one of the caller's keys, or (administrators: `onlyOwnedBy` null) a key of a service account. */
  async revokeApiKey(id: string, onlyOwnedBy: string | null): Promise<void> {
    await this.db.tx(async (c) => {
      const res = await c.query(
        `UPDATE crm.api_keys k SET revoked_at = now() FROM crm.users u
         WHERE k.id = $1 AND k.revoked_at IS NULL AND u.id = k.user_id AND ${onlyOwnedBy ? 'k.user_id = $2' : 'u.service_account'}`,
        onlyOwnedBy ? [id, onlyOwnedBy] : [id],
      );
      if (res.rowCount === 0) {
        const other = onlyOwnedBy ? { rowCount: 0 } : await c.query('SELECT 1 FROM crm.api_keys WHERE id = $1 AND revoked_at IS NULL', [id]);
        throw other.rowCount ? new AppError(403, 'auth.api_key_for_person') : new AppError(404, 'auth.api_key_not_found');
      }
      await this.audit.record({ action: 'auth.api_key.revoke', object: 'api_key', recordId: id }, c);
    });
  }
}

const isPlatformRight = (r: string): r is PlatformRight => (PLATFORM_RIGHTS as readonly string[]).includes(r);
