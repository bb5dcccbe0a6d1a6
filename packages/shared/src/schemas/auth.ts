/** Sign-in, password change and API keys (`/api/auth/*`, `/api/admin/api-keys`). */
import { z } from 'zod';
import { plainText, StrongPassword } from './common.js';

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

export const LoginResponseSchema = z.object({
  accessToken: z.string(),
  user: z.object({ id: z.string(), username: z.string(), roles: z.array(z.string()) }).passthrough(),
  passwordChangeRequired: z.boolean().optional(),
}).passthrough();

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
export const AuthProvidersSchema = z.object({ password: z.literal(true), oidc: z.object({ label: z.string() }).nullable(), ldap: z.boolean() });
