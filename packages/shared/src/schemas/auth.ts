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
