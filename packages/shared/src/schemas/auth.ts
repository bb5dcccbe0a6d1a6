/** Sign-in, password change and API keys (`/api/auth/*`, `/api/admin/api-keys`). */
import { z } from 'zod';
import { plainText, StrongPassword, Timestamp } from './common.js';
import { OBJECT_ACTIONS, PLATFORM_RIGHTS } from '../rights.js';

export const LoginBody = z.object({
  username: plainText().min(1).max(64),
  password: z.string().min(1).max(256),
});

export const ChangePasswordBody = z.object({
  currentPassword: z.string().min(1).max(256),
  newPassword: StrongPassword,
}).strict();

/** An API key for the caller (`/api/auth/api-keys`) or, with `userId`, for a service account (`/api/admin/api-keys`). */
export const ApiKeyBody = z.object({
  name: plainText().trim().min(1).max(100),
  userId: z.string().uuid().optional(),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export const OwnApiKeyBody = ApiKeyBody.omit({ userId: true });
export const ServiceApiKeyBody = ApiKeyBody.required({ userId: true });

/** The signed-in user as a login answer names them. */
export const UserSummarySchema = z.strictObject({ id: z.string(), username: z.string(), roles: z.array(z.string()), displayName: z.string().nullable().optional() });

export const LoginResponseSchema = z.strictObject({
  accessToken: z.string(),
  expiresAt: Timestamp,
  user: UserSummarySchema,
  /** Signed in with a temporary password: the token only allows POST /api/auth/change-password. */
  passwordChangeRequired: z.literal(true).optional(),
});
/** A new password: a new token (every earlier token and key of the user stops working). */
export const ChangePasswordResponseSchema = z.strictObject({ accessToken: z.string(), expiresAt: Timestamp });
/**
 * `POST /api/auth/refresh`: a new access token from the session's refresh cookie (which is rotated), and
 * how long the session may sit idle before it ends.
 */
export const RefreshResponseSchema = z.strictObject({
  accessToken: z.string(),
  expiresAt: Timestamp,
  user: UserSummarySchema,
  idleTimeoutSeconds: z.number().int(),
});
export const OrgUnitRefSchema = z.strictObject({ id: z.string(), name: z.string() });
/**
 * `GET /api/auth/me`: the caller, their org unit, the platform rights their roles grant and, per object
 * key, the actions their roles allow on it (`*`: on every object). The web app builds its menus, routes
 * and buttons from these; the server still checks every request (row scopes and field rights too).
 */
export const CurrentUserSchema = UserSummarySchema.extend({
  orgUnitId: z.string().nullable().optional(),
  orgUnit: OrgUnitRefSchema.nullable().optional(),
  platform: z.array(z.enum(PLATFORM_RIGHTS)),
  objects: z.record(z.string(), z.array(z.enum(OBJECT_ACTIONS))),
  /** The names of the caller's roles by key (what the user menu shows). */
  roleNames: z.record(z.string(), z.string()),
});
/** An API key as listed (never its secret). */
export const ApiKeySchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  userId: z.string(),
  username: z.string(),
  serviceAccount: z.boolean(),
  createdAt: Timestamp,
  expiresAt: Timestamp.nullable(),
  lastUsedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
});
/** A new API key: `key` is the secret, shown this once. */
export const CreatedApiKeySchema = z.strictObject({ id: z.string(), name: z.string(), userId: z.string(), createdAt: Timestamp, expiresAt: Timestamp.nullable(), key: z.string() });
/** A directory check: accounts looked at, those disabled because they left the directory, and whether another pass was running. */
export const DirectorySyncResultSchema = z.strictObject({ checked: z.number().int(), disabled: z.array(z.string()), busy: z.boolean() });

/** Single sign-on: where to go after signing in (a path inside the app), the provider's redirect back, the one-time code. */
export const OidcLoginQuery = z.object({ returnTo: z.string().max(500).optional() });
export const OidcCallbackQuery = z.object({
  code: z.string().max(4096).optional(),
  state: z.string().max(200).optional(),
  iss: z.string().max(2048).optional(),
  session_state: z.string().max(2048).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(2000).optional(),
}).strict();
export const OidcExchangeBody = z.object({ code: z.string().min(20).max(200) }).strict();
/** How a user may sign in here, for the login page. */
export const AuthProvidersSchema = z.strictObject({ password: z.literal(true), oidc: z.object({ label: z.string() }).nullable(), ldap: z.boolean() });
/** The one-time code redeemed: a login answer plus where the browser goes next. */
export const OidcExchangeResponseSchema = LoginResponseSchema.extend({ returnTo: z.string() });
