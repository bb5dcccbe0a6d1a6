/**
 * OpenID Connect single sign-on settings (CRM_OIDC_*). Off unless CRM_OIDC_ISSUER is set; then the
 * client id, the redirect URI and the role mapping are required and checked at start-up.
 */
import { ConfigError, type Env } from './config.js';
import { roleMapVar } from './role-map.js';

export interface OidcConfig {
  issuer: URL;
  clientId: string;
  /** Absent for a public client (PKCE alone). */
  clientSecret: string | null;
  /** This platform's callback as registered at the provider: https://<host>/api/auth/oidc/callback. */
  redirectUri: URL;
  scopes: string;
  usernameClaim: string;
  nameClaim: string;
  rolesClaim: string;
  orgClaim: string | null;
  /** A value of the roles claim (lower case) → platform roles. A user with no mapped value may not log in. */
  roleMap: Map<string, string[]>;
  /** The label of the sign-in button. */
  label: string;
  /** Only for tests against a provider on http://localhost: openid-client refuses plain HTTP otherwise. */
  allowInsecureHttp: boolean;
}

const CLAIM = /^[A-Za-z_][A-Za-z0-9_.:-]{0,99}$/;

function urlVar(env: Env, name: string, required: boolean): URL | null {
  const raw = env[name]?.trim();
  if (!raw) {
    if (required) throw new ConfigError(name, 'is required when CRM_OIDC_ISSUER is set');
    return null;
  }
  try {
    const u = new URL(raw);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
    return u;
  } catch {
    throw new ConfigError(name, `must be an http(s) URL (got "${raw.slice(0, 80)}")`);
  }
}

function claimVar(env: Env, name: string, def: string | null): string | null {
  const v = env[name]?.trim();
  if (!v) return def;
  if (!CLAIM.test(v)) throw new ConfigError(name, `must be a claim name (got "${v.slice(0, 40)}")`);
  return v;
}

export function oidcConfig(env: Env): OidcConfig | null {
  const issuer = urlVar(env, 'CRM_OIDC_ISSUER', false);
  if (!issuer) return null;
  const allowInsecureHttp = ['1', 'true', 'yes', 'on'].includes((env.CRM_OIDC_ALLOW_INSECURE_HTTP ?? '').trim().toLowerCase());
  const redirectUri = urlVar(env, 'CRM_OIDC_REDIRECT_URI', true)!;
  if (!allowInsecureHttp && (issuer.protocol !== 'https:' || redirectUri.protocol !== 'https:')) {
    throw new ConfigError('CRM_OIDC_ISSUER', 'and CRM_OIDC_REDIRECT_URI must be https:// URLs');
  }
  const clientId = env.CRM_OIDC_CLIENT_ID?.trim();
  if (!clientId) throw new ConfigError('CRM_OIDC_CLIENT_ID', 'is required when CRM_OIDC_ISSUER is set');
  const scopes = env.CRM_OIDC_SCOPES?.trim() || 'openid profile';
  if (!/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/.test(scopes) || !scopes.split(' ').includes('openid')) {
    throw new ConfigError('CRM_OIDC_SCOPES', 'must be space-separated scopes including openid');
  }
  return {
    issuer,
    clientId,
    clientSecret: env.CRM_OIDC_CLIENT_SECRET?.trim() || null,
    redirectUri,
    scopes,
    usernameClaim: claimVar(env, 'CRM_OIDC_USERNAME_CLAIM', 'preferred_username')!,
    nameClaim: claimVar(env, 'CRM_OIDC_NAME_CLAIM', 'name')!,
    rolesClaim: claimVar(env, 'CRM_OIDC_ROLES_CLAIM', 'groups')!,
    orgClaim: claimVar(env, 'CRM_OIDC_ORG_CLAIM', null),
    roleMap: roleMapVar(env, 'CRM_OIDC_ROLE_MAP', 'claim value'),
    label: env.CRM_OIDC_LABEL?.trim().slice(0, 40) || '统一身份认证',
    allowInsecureHttp,
  };
}
