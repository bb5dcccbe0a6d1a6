/**
 * Single sign-on settings in force. Saved from the admin screen into `crm.sso_settings` (migration
 * 0044), they take the place of the CRM_LDAP_* / CRM_OIDC_* variables for their kind; without a saved
 * row the variables apply. Secrets (the directory service account's password, the OIDC client secret)
 * are stored encrypted with the data key and never answered. Every process reads the settings through
 * a cache dropped on the `sso` change topic, so a save applies to all processes at once.
 */
import { Inject, Injectable } from '@nestjs/common';
import {
  LdapSettingsBody, OidcSettingsBody, type SsoSettings, type SsoTestResult,
} from '@crm/shared';
import type { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import type { LdapConfig } from '../../config/ldap-config.js';
import type { OidcConfig } from '../../config/oidc-config.js';
import type { FieldCrypto } from '../../crypto/field-crypto.js';
import { Db } from '../../database/db.js';
import { ChangeFeed } from '../../database/change-feed.js';
import { NotifiedCache } from '../../database/notified-cache.js';
import { AuditService } from '../../audit/audit.service.js';
import { AppError, badRequest } from '../../common/app-error.js';
import { parseInput } from '../../common/validation.js';
import { RequestContext } from '../../common/request-context.js';
import { registerMessages, translate } from '../../common/i18n.js';
import type { Principal } from '../principal.js';

registerMessages({
  'sso.secret_required': { 'zh-CN': '请填写{name}', en: 'Enter the {name}' },
  'sso.https_required': { 'zh-CN': '身份提供方地址与回调地址必须是 https://', en: 'The issuer and the redirect URI must be https:// URLs' },
  'sso.test_ok_ldap': { 'zh-CN': '目录连接成功，服务账号绑定通过', en: 'The directory answered and the service account bound' },
  'sso.test_ok_user': { 'zh-CN': '目录连接成功：找到用户 {username}，映射角色：{roles}', en: 'The directory answered: found {username}, mapped roles: {roles}' },
  'sso.test_user_not_found': { 'zh-CN': '目录连接成功，但未找到用户 {username}', en: 'The directory answered, but {username} was not found' },
  'sso.test_ldap_failed': { 'zh-CN': '目录连接失败：{reason}', en: 'The directory test failed: {reason}' },
  'sso.test_ok_oidc': { 'zh-CN': '身份提供方可用：已读取发现文档（{issuer}）', en: 'The provider answered: discovery document read ({issuer})' },
  'sso.test_oidc_failed': { 'zh-CN': '身份提供方不可用：{reason}', en: 'The provider test failed: {reason}' },
  'sso.not_configured': { 'zh-CN': '尚未配置或未启用', en: 'Not configured or not enabled' },
  'sso.none': { 'zh-CN': '（无）', en: '(none)' },
});

type LdapSaved = Omit<z.output<typeof LdapSettingsBody>, 'bindPassword' | 'enabled'>;
type OidcSaved = Omit<z.output<typeof OidcSettingsBody>, 'clientSecret' | 'enabled'>;
interface Row { kind: 'ldap' | 'oidc'; enabled: boolean; config: Record<string, unknown>; secret_enc: string | null; updated_at: Date; updated_by: string | null }
interface Loaded { ldap: Row | null; oidc: Row | null }

const toMap = (r: Record<string, string[]>) => new Map(Object.entries(r).map(([k, v]) => [k.trim().toLowerCase(), v]));
const toRecord = (m: Map<string, string[]>) => Object.fromEntries(m);

@Injectable()
export class SsoSettingsService {
  private readonly cache: NotifiedCache<Loaded>;
  /** The settings object built from each saved row (rebuilt when the row is reloaded, so each login compares by identity). */
  private readonly built = new WeakMap<Row, LdapConfig | OidcConfig | null>();

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    feed: ChangeFeed,
    @Inject('FIELD_CRYPTO') private readonly crypto: FieldCrypto,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.cache = new NotifiedCache<Loaded>(feed, 'sso', { fallbackMs: 1000, liveMs: 300_000, maxEntries: 1 });
  }

  private load(): Promise<Loaded> {
    return this.cache.get('', async () => {
      const rows = await this.db.query<Row>(`SELECT s.kind, s.enabled, s.config, s.secret_enc, s.updated_at, u.username AS updated_by FROM crm.sso_settings s LEFT JOIN crm.users u ON u.id = s.updated_by`);
      return { ldap: rows.find((r) => r.kind === 'ldap') ?? null, oidc: rows.find((r) => r.kind === 'oidc') ?? null };
    });
  }

  /** The directory settings in force (null: directory login is off). */
  ldap(): Promise<LdapConfig | null> {
    return this.inForce('ldap', this.config.ldap, (row, c: LdapSaved): LdapConfig => ({
      url: c.url, bindDn: c.bindDn, bindPassword: row.secret_enc ? this.crypto.decrypt(row.secret_enc) : '', userBase: c.userBase, groupBase: c.groupBase,
      userAttribute: c.userAttribute, displayNameAttribute: c.displayNameAttribute, orgAttribute: c.orgAttribute, groupRoles: toMap(c.groupRoles), timeoutMs: c.timeoutMs,
      // Not set on the screen: the sync interval and the CA file stay the deployment's.
      syncIntervalMs: this.config.ldap?.syncIntervalMs ?? 3_600_000, tlsCa: this.config.ldap?.tlsCa ?? null,
    }));
  }

  /** A kind's saved row as settings (built once per loaded row), or the deployment's when nothing is saved. */
  private async inForce<S, C extends LdapConfig | OidcConfig>(kind: 'ldap' | 'oidc', env: C | null, build: (row: Row, saved: S) => C): Promise<C | null> {
    const row = (await this.load())[kind];
    if (!row) return env;
    if (!this.built.has(row)) this.built.set(row, row.enabled ? build(row, row.config as S) : null);
    return this.built.get(row) as C | null;
  }

  /** The OpenID Connect settings in force (null: single sign-on is off). */
  oidc(): Promise<OidcConfig | null> {
    return this.inForce('oidc', this.config.oidc, (row, c: OidcSaved): OidcConfig => ({
      issuer: new URL(c.issuer), clientId: c.clientId, clientSecret: row.secret_enc ? this.crypto.decrypt(row.secret_enc) : null, redirectUri: new URL(c.redirectUri),
      scopes: c.scopes, usernameClaim: c.usernameClaim, nameClaim: c.nameClaim, rolesClaim: c.rolesClaim, orgClaim: c.orgClaim, roleMap: toMap(c.roleMap), label: c.label,
      allowInsecureHttp: this.allowInsecureHttp(),
    }));
  }

  /** Plain-HTTP providers stay a deployment decision (CRM_OIDC_ALLOW_INSECURE_HTTP), never a screen's. */
  private allowInsecureHttp(): boolean {
    return ['1', 'true', 'yes', 'on'].includes((process.env.CRM_OIDC_ALLOW_INSECURE_HTTP ?? '').trim().toLowerCase());
  }

  /** What the admin screen shows: the settings in force and where they come from; never a secret. */
  async view(): Promise<SsoSettings> {
    const { ldap, oidc } = await this.load();
    const envLdap = this.config.ldap;
    const envOidc = this.config.oidc;
    return {
      ldap: describe<SsoSettings['ldap']>(ldap, envLdap && {
        secretSet: !!envLdap.bindPassword,
        settings: {
          enabled: true, url: envLdap.url, bindDn: envLdap.bindDn, userBase: envLdap.userBase, groupBase: envLdap.groupBase, userAttribute: envLdap.userAttribute,
          displayNameAttribute: envLdap.displayNameAttribute, orgAttribute: envLdap.orgAttribute, groupRoles: toRecord(envLdap.groupRoles), timeoutMs: envLdap.timeoutMs,
        },
      }),
      oidc: describe<SsoSettings['oidc']>(oidc, envOidc && {
        secretSet: !!envOidc.clientSecret,
        settings: {
          enabled: true, issuer: envOidc.issuer.href, clientId: envOidc.clientId, redirectUri: envOidc.redirectUri.href, scopes: envOidc.scopes, usernameClaim: envOidc.usernameClaim,
          nameClaim: envOidc.nameClaim, rolesClaim: envOidc.rolesClaim, orgClaim: envOidc.orgClaim, roleMap: toRecord(envOidc.roleMap), label: envOidc.label,
        },
      }),
    };
  }

  async saveLdap(p: Principal, raw: unknown): Promise<SsoSettings> {
    const { bindPassword, enabled, ...config } = parseInput(LdapSettingsBody, raw);
    // A secret left empty keeps the stored one (or the deployment's, the first time settings are saved here).
    const cur = (await this.load()).ldap;
    const secret = bindPassword ?? (cur ? (cur.secret_enc ? this.crypto.decrypt(cur.secret_enc) : null) : (this.config.ldap?.bindPassword ?? null));
    if (!secret) throw badRequest('sso.secret_required', { name: lang() === 'en' ? 'service account password' : '服务账号密码' });
    await this.save(p, 'ldap', enabled, config, secret, bindPassword !== undefined);
    return this.view();
  }

  async saveOidc(p: Principal, raw: unknown): Promise<SsoSettings> {
    const { clientSecret, enabled, ...config } = parseInput(OidcSettingsBody, raw);
    if (!this.allowInsecureHttp() && (!config.issuer.startsWith('https://') || !config.redirectUri.startsWith('https://'))) throw badRequest('sso.https_required');
    const cur = (await this.load()).oidc;
    const secret = clientSecret === null ? null : (clientSecret ?? (cur ? (cur.secret_enc ? this.crypto.decrypt(cur.secret_enc) : null) : (this.config.oidc?.clientSecret ?? null)));
    await this.save(p, 'oidc', enabled, config, secret, clientSecret !== undefined);
    return this.view();
  }

  private async save(p: Principal, kind: 'ldap' | 'oidc', enabled: boolean, config: Record<string, unknown>, secret: string | null, secretChanged: boolean): Promise<void> {
    await this.db.tx(async (c) => {
      await c.query(
        `INSERT INTO crm.sso_settings (kind, enabled, config, secret_enc, updated_by, updated_at) VALUES ($1, $2, $3::jsonb, $4, $5::uuid, now())
         ON CONFLICT (kind) DO UPDATE SET enabled = EXCLUDED.enabled, config = EXCLUDED.config, secret_enc = EXCLUDED.secret_enc, updated_by = EXCLUDED.updated_by, updated_at = now()`,
        [kind, enabled, JSON.stringify(config), secret ? this.crypto.encrypt(secret) : null, p.id],
      );
      await this.audit.record({ action: 'sso.settings', object: kind, data: { enabled, config, secretChanged } }, c);
    });
    this.cache.clear();
  }

  /** A test result in the caller's language. */
  result(ok: boolean, code: string, params: Record<string, string>, started: number, details?: Record<string, unknown>): SsoTestResult {
    return { ok, code, message: translate(code, lang(), params), latencyMs: Math.max(0, Math.round(performance.now() - started)), ...(details ? { details } : {}) };
  }

  notConfigured(): never {
    throw new AppError(404, 'sso.not_configured');
  }
}

const lang = () => RequestContext.current()?.lang ?? 'zh-CN';

/** One kind as the screen shows it: saved here, from the deployment's variables, or off. */
function describe<V extends SsoSettings['ldap'] | SsoSettings['oidc']>(row: Row | null, env: Pick<V, 'settings' | 'secretSet'> | null): V {
  if (row) return { source: 'database', settings: { enabled: row.enabled, ...row.config }, secretSet: !!row.secret_enc, updatedAt: row.updated_at.toISOString(), updatedBy: row.updated_by } as V;
  return { source: env ? 'environment' : 'none', settings: null, secretSet: false, ...env, updatedAt: null, updatedBy: null } as V;
}
