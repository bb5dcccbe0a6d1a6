/**
 * Single sign-on settings (`/api/admin/sso`, platform right `admin.roles`: the mapping grants roles):
 * the directory (LDAP / Active Directory) and the OpenID provider. Kept in the database once saved from
 * the admin screen, in place of the CRM_LDAP_* / CRM_OIDC_* variables; secrets (the service account's
 * password, the client secret) are write-only — an answer says only whether one is stored.
 */
import { z } from 'zod';
import { Key, plainText } from './common.js';

const ATTRIBUTE = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;
const CLAIM = /^[A-Za-z_][A-Za-z0-9_.:-]{0,99}$/;
const attribute = () => z.string().regex(ATTRIBUTE);
const claim = () => z.string().regex(CLAIM);
const httpUrl = z.string().max(2000).url().refine((u) => /^https?:\/\//i.test(u), { message: 'an http(s) URL' });
/** A directory group (its cn or DN) or a claim value → platform roles. */
const roleMap = z
  .record(plainText().min(1).max(500), z.array(Key).min(1).max(50))
  .refine((m) => Object.keys(m).length >= 1 && Object.keys(m).length <= 500, { message: 'map 1 to 500 values' });

export const LdapSettingsBody = z
  .object({
    enabled: z.boolean(),
    url: z.string().regex(/^ldaps?:\/\/[^\s/]+\/?$/, { message: 'ldap://host[:port] or ldaps://host[:port]' }),
    bindDn: plainText().min(1).max(500),
    /** Write-only: absent keeps the stored one. */
    bindPassword: z.string().min(1).max(500).optional(),
    userBase: plainText().min(1).max(500),
    groupBase: plainText().min(1).max(500),
    userAttribute: attribute().default('uid'),
    displayNameAttribute: attribute().default('cn'),
    orgAttribute: attribute().nullable().default(null),
    groupRoles: roleMap,
    timeoutMs: z.number().int().min(100).max(60_000).default(5000),
  })
  .strict();
export type LdapSettingsInput = z.input<typeof LdapSettingsBody>;

export const OidcSettingsBody = z
  .object({
    enabled: z.boolean(),
    issuer: httpUrl,
    clientId: plainText().min(1).max(200),
    /** Write-only: absent keeps the stored one; null removes it (a public client, PKCE only). */
    clientSecret: z.string().min(1).max(500).nullable().optional(),
    redirectUri: httpUrl,
    scopes: z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/).refine((s) => s.split(' ').includes('openid'), { message: 'must include openid' }).default('openid profile'),
    usernameClaim: claim().default('preferred_username'),
    nameClaim: claim().default('name'),
    rolesClaim: claim().default('groups'),
    orgClaim: claim().nullable().default(null),
    roleMap,
    label: plainText().min(1).max(40).default('统一身份认证'),
  })
  .strict();
export type OidcSettingsInput = z.input<typeof OidcSettingsBody>;

const origin = z.enum(['database', 'environment', 'none']);
const stamp = { updatedAt: z.string().nullable(), updatedBy: z.string().nullable() };
export const SsoSettingsSchema = z
  .object({
    ldap: z.object({
      /** Where the settings in force come from: saved here, the CRM_LDAP_* variables, or nowhere (off). */
      source: origin,
      settings: LdapSettingsBody.omit({ bindPassword: true }).nullable(),
      secretSet: z.boolean(),
      ...stamp,
    }).strict(),
    oidc: z.object({
      source: origin,
      settings: OidcSettingsBody.omit({ clientSecret: true }).nullable(),
      secretSet: z.boolean(),
      ...stamp,
    }).strict(),
  })
  .strict();
export type SsoSettings = z.infer<typeof SsoSettingsSchema>;

/** Tries the settings in force: the directory binds as the service account (and finds `username`, if given); the provider's discovery document is read. */
export const SsoTestBody = z.object({ username: z.string().min(1).max(200).optional() }).strict();
export type SsoTest = z.infer<typeof SsoTestBody>;
export const SsoTestResultSchema = z
  .object({
    ok: z.boolean(),
    /** A message code (`sso.test_*`) and its text in the caller's language. */
    code: z.string(),
    message: z.string(),
    latencyMs: z.number().int(),
    /** LDAP with a username: the user's DN, groups and the roles they map to; OIDC: the provider's endpoints. */
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type SsoTestResult = z.infer<typeof SsoTestResultSchema>;
