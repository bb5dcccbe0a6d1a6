/**
 * Standard Webhooks signing: a secret is `whsec_` + base64 of 24 random bytes; a request is signed
 * `v1,<base64 HMAC-SHA256(secret bytes, "<webhook-id>.<webhook-timestamp>.<body>")>`, one signature
 * per valid secret separated by spaces (during a rotation both the new and the old secret sign).
 *
 * With CRM_CRYPTO=sm (the national algorithms) the same construction uses HMAC-SM3 (GB/T 32905) and
 * is marked with its own version: `v1-sm3,<base64 HMAC-SM3(secret bytes, "<id>.<timestamp>.<body>")>`.
 * A receiver verifies it exactly like `v1`, with SM3 in place of SHA-256; a Standard Webhooks library
 * ignores the unknown version (and so fails closed rather than accepting an unchecked message).
 */
import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
export type SignatureSuite = 'sha256' | 'sm3';
const VERSION: Record<SignatureSuite, string> = { sha256: 'v1', sm3: 'v1-sm3' };

export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

export function sign(secret: string, id: string, timestampSeconds: number, body: string, suite: SignatureSuite = 'sha256'): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return `${VERSION[suite]},${createHmac(suite, key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** The `webhook-signature` header for every secret currently valid. */
export function signatureHeader(secrets: string[], id: string, timestampSeconds: number, body: string, suite: SignatureSuite = 'sha256'): string {
  return secrets.map((s) => sign(s, id, timestampSeconds, body, suite)).join(' ');
}
