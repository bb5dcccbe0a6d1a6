/**
 * Replacing a password ends every credential issued before it: the token generation moves on (tokens
 * carry the generation they were issued in, so even one from the same second dies) and every API key of
 * the user is revoked, and so is every browser session (refresh token), in the transaction of the change.
 */
import type { PoolClient } from 'pg';
import { hashPassword } from './password.js';
import { AppError } from '../common/app-error.js';
import { revokeSessions } from './sessions.js';

export async function replacePassword(c: PoolClient, userId: string, plain: string, mustChange: boolean): Promise<{ revokedKeys: number; tokenVersion: number }> {
  // A directory account's password lives in the directory: nobody sets or resets one here.
  const { rows: src } = await c.query<{ auth_source: string }>('SELECT auth_source FROM crm.users WHERE id = $1', [userId]);
  if (src[0] && src[0].auth_source !== 'local') throw new AppError(400, 'auth.directory_account');
  const hash = await hashPassword(plain);
  const { rows } = await c.query<{ token_version: number }>(
    `UPDATE crm.users SET password_hash = $2, password_change_required = $3, token_version = token_version + 1,
       password_changed_at = now(), updated_at = now()
     WHERE id = $1 RETURNING token_version`,
    [userId, hash, mustChange],
  );
  const keys = await c.query('UPDATE crm.api_keys SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
  await revokeSessions(c, userId, 'password');
  return { revokedKeys: keys.rowCount ?? 0, tokenVersion: rows[0].token_version };
}
