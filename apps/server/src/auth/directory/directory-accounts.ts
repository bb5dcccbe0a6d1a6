/**
 * Accounts that come from the bank's directory. A login name with no local account (or one that came
 * from the directory) is checked against the directory: the account is provisioned on its first
 * login, and at every login its display name, org unit and roles follow the directory (roles through
 * CRM_LDAP_GROUP_ROLES; a user in no mapped group may not log in). A sync pass (every
 * CRM_LDAP_SYNC_INTERVAL_MS, and POST /api/admin/directory/sync) disables the accounts that are gone
 * from the directory and ends their sessions. Local accounts are never looked up in the directory:
 * they stay for break-glass administrators.
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { Db } from '../../database/db.js';
import { AuditService } from '../../audit/audit.service.js';
import { LOGGER } from '../../logging/logger.token.js';
import { UserCache } from '../user-cache.js';
import { registerMessages } from '../../common/i18n.js';
import { DirectoryUnavailable, LdapDirectory, type DirectoryUser } from './ldap-directory.js';
import { provisionExternal } from '../external-accounts.js';
import { ADVISORY_LOCKS } from '../../database/advisory-locks.js';
import type { LdapConfig } from '../../config/ldap-config.js';
import { SsoSettingsService } from '../sso/sso-settings.service.js';

registerMessages({
  'auth.directory_unavailable': { 'zh-CN': '统一身份认证目录暂时不可用，请稍后再试（本地应急账号不受影响）', en: 'The directory is unavailable; try again shortly (local break-glass accounts still work)' },
  'auth.no_role': { 'zh-CN': '您的目录账号未分配本系统的任何角色，请联系管理员', en: 'Your directory account has no role in this system; contact the administrator' },
  'auth.directory_account': { 'zh-CN': '该账号由统一身份认证目录管理，请在目录中修改密码', en: 'This account is managed by the directory; change its password there' },
});

const SYNC_LOCK = ADVISORY_LOCKS['directory.sync'];

export type DirectoryLogin =
  | { outcome: 'ok'; userId: string; created: boolean; roles: string[] }
  | { outcome: 'invalid' }
  | { outcome: 'no_role' }
  | { outcome: 'disabled'; userId: string }
  | { outcome: 'unavailable' };

@Injectable()
export class DirectoryAccounts implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private built: [LdapConfig, LdapDirectory] | null = null;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly users: UserCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly settings: SsoSettingsService,
  ) {}

  /** The directory as the settings in force describe it (saved on the admin screen, else CRM_LDAP_*); null when off. */
  async directory(): Promise<LdapDirectory | null> {
    const cfg = await this.settings.ldap();
    if (!cfg) return null;
    if (this.built?.[0] !== cfg) this.built = [cfg, new LdapDirectory(cfg)];
    return this.built[1];
  }

  onApplicationBootstrap(): void {
    // Directory settings may be saved later on the admin screen: the pass runs and finds nothing to do while it is off.
    const every = this.config.ldap?.syncIntervalMs ?? 3_600_000;
    if (!this.config.jobWorkers || every === 0) return;
    this.timer = setInterval(() => {
      void this.sync().catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'directory sync failed'));
    }, every);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Whether a login name goes to the directory: no local account, or an account that came from it. */
  async handles(user: { auth_source?: string } | null | undefined): Promise<boolean> {
    return (!user || user.auth_source === 'ldap') && !!(await this.directory());
  }

  async login(username: string, password: string): Promise<DirectoryLogin> {
    let found: DirectoryUser | null;
    const directory = (await this.directory())!;
    try {
      found = await directory.authenticate(username, password);
    } catch (err) {
      if (!(err instanceof DirectoryUnavailable)) throw err;
      this.logger.warn({ reason: err.message }, 'directory unavailable at login');
      return { outcome: 'unavailable' };
    }
    if (!found) return { outcome: 'invalid' };
    const who = { source: 'ldap' as const, username, externalId: found.externalId, dn: found.dn, displayName: found.displayName, orgCode: found.orgCode };
    const r = await this.db.tx((c) => provisionExternal(c, this.audit, who, directory.rolesOf(found)));
    // A name that belongs to a local account is never taken over: to the caller it is a wrong credential.
    return r.outcome === 'conflict' ? { outcome: 'invalid' } : r;
  }

  /**
   * Disables every enabled directory account that is gone from the directory, and ends its sessions and
   * keys. One runner at a time across processes; a directory that does not answer changes nothing.
   */
  async sync(): Promise<{ checked: number; disabled: string[]; busy: boolean }> {
    const directory = await this.directory();
    if (!directory) return { checked: 0, disabled: [], busy: false };
    // A directory that does not answer must never look like one where everybody is gone.
    await directory.ping();
    // The session lock is held on one dedicated connection (taken and released on the same one).
    const holder = await this.db.pool.connect();
    const { rows: got } = await holder.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [SYNC_LOCK]);
    if (!got[0]?.ok) {
      holder.release();
      return { checked: 0, disabled: [], busy: true };
    }
    try {
      const users = await this.db.query<{ id: string; username: string; external_id: string | null; external_dn: string | null }>(
        `SELECT id, username, external_id, external_dn FROM crm.users WHERE auth_source = 'ldap' AND NOT disabled ORDER BY username LIMIT 100000`,
      );
      const disabled: string[] = [];
      for (const u of users) {
        if (await directory.exists(u.external_id ?? u.external_dn ?? '', u.external_dn)) continue;
        await this.db.tx(async (c) => {
          await c.query(`UPDATE crm.users SET disabled = true, token_version = token_version + 1, updated_at = now() WHERE id = $1`, [u.id]);
          await c.query('UPDATE crm.api_keys SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [u.id]);
          await this.audit.record({ action: 'user.disabled', object: 'user', recordId: u.id, actorName: 'directory', actorId: null, data: { reason: 'gone_from_directory' } }, c);
        });
        // This process forgets the account now; the others hear of it through the users table's NOTIFY.
        this.users.forget(u.id);
        disabled.push(u.username);
      }
      return { checked: users.length, disabled, busy: false };
    } finally {
      await holder.query('SELECT pg_advisory_unlock($1)', [SYNC_LOCK]).catch(() => undefined);
      holder.release();
    }
  }
}
