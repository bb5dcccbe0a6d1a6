/**
 * OpenID Connect single sign-on (authorisation code with PKCE, `openid-client`). `/login` stores a
 * single-use request (state, verifier, nonce) and sends the browser to the provider; the callback
 * consumes it, lets openid-client check the code, state, nonce and ID token, maps the claims to an
 * account (provisioned at the first login; roles from CRM_OIDC_ROLE_MAP, none → refused) and hands the
 * browser a one-time code for `POST /api/auth/oidc/exchange`, which answers like a password login.
 */
import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { Logger } from 'pino';
import type { OidcConfig } from '../../config/oidc-config.js';
import { Db } from '../../database/db.js';
import { AuditService } from '../../audit/audit.service.js';
import { LOGGER } from '../../logging/logger.token.js';
import { AppError } from '../../common/app-error.js';
import { registerMessages } from '../../common/i18n.js';
import { provisionExternal } from '../external-accounts.js';
import { SsoSettingsService } from './sso-settings.service.js';

registerMessages({
  'auth.sso_unavailable': { 'zh-CN': '统一身份认证服务暂时不可用，请稍后再试', en: 'Single sign-on is unavailable; try again shortly' },
  'auth.sso_failed': { 'zh-CN': '统一身份认证登录未完成，请重新登录', en: 'Single sign-on did not complete; sign in again' },
  'auth.sso_bad_username': { 'zh-CN': '身份认证服务提供的用户名不符合本系统要求', en: 'The user name the identity provider sent is not valid here' },
  'auth.sso_conflict': { 'zh-CN': '该用户名已属于本地账号，不能通过统一身份认证登录', en: 'This user name belongs to a local account and cannot sign in through single sign-on' },
});

const REQUEST_TTL_MIN = 10;
const CODE_TTL_S = 60;
const USERNAME = /^[A-Za-z0-9_.@-]{2,64}$/;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Where to go after sign-in: a path inside this application only (never another origin). */
export function safeReturnTo(raw: unknown): string {
  return typeof raw === 'string' && /^\/(?![/\\])[\x21-\x7E]{0,499}$/.test(raw) ? raw : '/';
}

@Injectable()
export class OidcLoginService {
  /** The provider's metadata for the settings it was discovered with. */
  private discovered: { cfg: OidcConfig; config: Promise<oidc.Configuration> } | null = null;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly sso: SsoSettingsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The settings in force (saved on the admin screen, else CRM_OIDC_*); null when single sign-on is off. */
  settings(): Promise<OidcConfig | null> {
    return this.sso.oidc();
  }

  private async cfgOr404(): Promise<OidcConfig> {
    const cfg = await this.settings();
    if (!cfg) throw new AppError(404, 'common.not_found');
    return cfg;
  }

  /** The provider's metadata, discovered once per settings (and again after a failure). */
  provider(cfg: OidcConfig): Promise<oidc.Configuration> {
    if (this.discovered?.cfg === cfg) return this.discovered.config;
    const config = oidc
      .discovery(cfg.issuer, cfg.clientId, cfg.clientSecret ?? undefined, undefined, {
        timeout: 5,
        ...(cfg.allowInsecureHttp ? { execute: [oidc.allowInsecureRequests] } : {}),
      })
      .catch((err: unknown) => {
        if (this.discovered?.config === config) this.discovered = null;
        this.logger.warn({ reason: (err as Error).name }, 'OIDC discovery failed');
        throw new AppError(503, 'auth.sso_unavailable');
      });
    this.discovered = { cfg, config };
    return config;
  }

  /** Starts a sign-in: the provider URL to send the browser to. */
  async start(returnTo: unknown): Promise<string> {
    const cfg = await this.cfgOr404();
    const config = await this.provider(cfg);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    await this.db.query(`DELETE FROM crm.sso_requests WHERE created_at < now() - make_interval(mins => $1)`, [REQUEST_TTL_MIN]);
    await this.db.query('INSERT INTO crm.sso_requests (state, code_verifier, nonce, return_to) VALUES ($1, $2, $3, $4)', [state, verifier, nonce, safeReturnTo(returnTo)]);
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: cfg.redirectUri.href,
      scope: cfg.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    }).href;
  }

  /**
   * The provider's redirect back: answers where to send the browser — the login page with a one-time
   * code, or with an error code. Never throws a provider's error text at the user.
   */
  async callback(query: Record<string, unknown>): Promise<string> {
    const cfg = await this.cfgOr404();
    const fail = (code: string) => `/login?sso_error=${encodeURIComponent(code)}`;
    const state = typeof query.state === 'string' ? query.state : '';
    const { rows } = await this.db.pool.query<{ code_verifier: string; nonce: string; return_to: string }>(
      `DELETE FROM crm.sso_requests WHERE state = $1 AND created_at >= now() - make_interval(mins => $2) RETURNING code_verifier, nonce, return_to`,
      [state, REQUEST_TTL_MIN],
    );
    const pending = rows[0];
    if (!pending) return this.refuse(null, 'unknown_state', fail('auth.sso_failed'));
    let claims: Record<string, unknown>;
    try {
      const config = await this.provider(cfg);
      const current = new URL(cfg.redirectUri.href);
      for (const [k, v] of Object.entries(query)) if (typeof v === 'string') current.searchParams.set(k, v);
      const tokens = await oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: pending.code_verifier, expectedState: state, expectedNonce: pending.nonce, idTokenExpected: true });
      claims = (tokens.claims() ?? {}) as Record<string, unknown>;
    } catch (err) {
      return this.refuse(null, `grant_failed:${(err as Error).name}`, fail(err instanceof AppError ? err.code : 'auth.sso_failed'));
    }
    const username = claims[cfg.usernameClaim];
    const sub = claims.sub;
    if (typeof sub !== 'string' || typeof username !== 'string' || !USERNAME.test(username)) return this.refuse(null, 'bad_username', fail('auth.sso_bad_username'));
    const values = claims[cfg.rolesClaim];
    const list = (Array.isArray(values) ? values : typeof values === 'string' ? [values] : []).filter((v): v is string => typeof v === 'string');
    const wanted = [...new Set(list.flatMap((v) => cfg.roleMap.get(v.toLowerCase()) ?? []))];
    const name = claims[cfg.nameClaim];
    const org = cfg.orgClaim ? claims[cfg.orgClaim] : null;
    const r = await this.db.tx((c) =>
      provisionExternal(c, this.audit, { source: 'oidc', username, externalId: sub, dn: null, displayName: typeof name === 'string' ? name.slice(0, 200) : null, orgCode: typeof org === 'string' ? org : null }, wanted),
    );
    if (r.outcome === 'no_role') return this.refuse(username, 'no_role', fail('auth.no_role'));
    if (r.outcome === 'conflict') return this.refuse(username, 'conflict', fail('auth.sso_conflict'));
    if (r.outcome === 'disabled') return this.refuse(username, 'disabled', fail('auth.disabled'));
    const code = randomBytes(32).toString('base64url');
    await this.db.query(`DELETE FROM crm.sso_codes WHERE created_at < now() - make_interval(secs => $1)`, [CODE_TTL_S]);
    await this.db.query('INSERT INTO crm.sso_codes (code_hash, user_id, return_to) VALUES ($1, $2, $3)', [sha256(code), r.userId, pending.return_to]);
    return `/login?sso=${code}`;
  }

  /** The one-time code → the user it signs in (single use, 60 s), and where they were going. */
  async redeem(code: string): Promise<{ userId: string; returnTo: string }> {
    const { rows } = await this.db.pool.query<{ user_id: string; return_to: string }>(
      `DELETE FROM crm.sso_codes WHERE code_hash = $1 AND created_at >= now() - make_interval(secs => $2) RETURNING user_id, return_to`,
      [sha256(code), CODE_TTL_S],
    );
    if (!rows[0]) throw new AppError(401, 'auth.sso_failed');
    return { userId: rows[0].user_id, returnTo: rows[0].return_to };
  }

  private async refuse(username: string | null, reason: string, to: string): Promise<string> {
    await this.audit.record({ action: 'auth.login', outcome: reason === 'no_role' || reason === 'conflict' || reason === 'disabled' ? 'denied' : 'failure', actorId: null, actorName: username, data: { method: 'oidc', reason } });
    return to;
  }
}
