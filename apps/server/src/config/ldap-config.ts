/**
 * LDAP / Active Directory login settings (CRM_LDAP_*). Off unless CRM_LDAP_URL is set; then every other
 * required value must be there and well-formed, or start-up stops naming the variable.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, intVar, type Env } from './config.js';
import { roleMapVar } from './role-map.js';

export interface LdapConfig {
  url: string;
  /** The service account that searches the directory (never a user's own credentials). */
  bindDn: string;
  bindPassword: string;
  userBase: string;
  /** The attribute a login name is matched on: `uid` (OpenLDAP) or `sAMAccountName` (AD). */
  userAttribute: string;
  displayNameAttribute: string;
  /** An attribute whose value is an org unit's code (e.g. `departmentNumber`), or null. */
  orgAttribute: string | null;
  groupBase: string;
  /** Group (its cn or full DN, lower case) → platform roles. A user in no mapped group may not log in. */
  groupRoles: Map<string, string[]>;
  timeoutMs: number;
  /** How often accounts that came from the directory are checked against it (0 = only at login and on demand). */
  syncIntervalMs: number;
  /** PEM file of the CA that signed the directory's certificate, for ldaps://. */
  tlsCa: string | null;
}

const ATTRIBUTE = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;

function required(env: Env, name: string): string {
  const v = env[name]?.trim();
  if (!v) throw new ConfigError(name, 'is required when CRM_LDAP_URL is set');
  return v;
}

function attribute(env: Env, name: string, def: string | null): string | null {
  const v = env[name]?.trim();
  if (!v) return def;
  if (!ATTRIBUTE.test(v)) throw new ConfigError(name, `must be an LDAP attribute name (got "${v.slice(0, 40)}")`);
  return v;
}

export function ldapConfig(env: Env): LdapConfig | null {
  const url = env.CRM_LDAP_URL?.trim();
  if (!url) return null;
  if (!/^ldaps?:\/\/[^\s/]+\/?$/.test(url)) throw new ConfigError('CRM_LDAP_URL', `must be ldap://host[:port] or ldaps://host[:port] (got "${url.slice(0, 80)}")`);
  const caFile = env.CRM_LDAP_TLS_CA_FILE?.trim();
  let tlsCa: string | null = null;
  if (caFile) {
    try {
      tlsCa = readFileSync(caFile, 'utf8');
    } catch {
      throw new ConfigError('CRM_LDAP_TLS_CA_FILE', `must be a readable PEM file (${caFile.slice(0, 120)})`);
    }
  }
  return {
    url,
    bindDn: required(env, 'CRM_LDAP_BIND_DN'),
    bindPassword: required(env, 'CRM_LDAP_BIND_PASSWORD'),
    userBase: required(env, 'CRM_LDAP_USER_BASE'),
    userAttribute: attribute(env, 'CRM_LDAP_USER_ATTRIBUTE', 'uid')!,
    displayNameAttribute: attribute(env, 'CRM_LDAP_DISPLAY_NAME_ATTRIBUTE', 'cn')!,
    orgAttribute: attribute(env, 'CRM_LDAP_ORG_ATTRIBUTE', null),
    groupBase: required(env, 'CRM_LDAP_GROUP_BASE'),
    groupRoles: roleMapVar(env, 'CRM_LDAP_GROUP_ROLES', 'group cn or DN'),
    timeoutMs: intVar(env, 'CRM_LDAP_TIMEOUT_MS', 5000, 100, 60000),
    syncIntervalMs: intVar(env, 'CRM_LDAP_SYNC_INTERVAL_MS', 3_600_000, 0, 86_400_000),
    tlsCa,
  };
}
