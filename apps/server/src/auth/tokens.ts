/**
 * Short-lived HS256 access tokens (RFC 7519), signed and verified synchronously with node:crypto.
 * Every authenticated request verifies one, so the check is a single HMAC over a key object made once
 * — no asynchronous WebCrypto hop per request (that hop cost ~9 % of a workflow step's CPU). Only
 * tokens this class issues are accepted: header exactly HS256 (no `none`, no other algorithm, no
 * `crit`), a canonical 32-byte signature compared in constant time, issuer `bank-crm`, and exp/nbf
 * checked against the injectable clock.
 *
 * A token that passed is remembered until it expires (a bounded LRU, keyed by its signature — the
 * HMAC of the rest of the token under our key, so a keyed hash of it): the next request with it
 * compares strings and its exp, instead of decoding two JSON segments and computing an HMAC. Only
 * the signature check is cached: who the user is now (disabled, token generation moved on by a
 * password change or reset) is decided by the caller on every request, so those tokens stop at once.
 */
import { createHmac, createSecretKey, randomUUID, timingSafeEqual, type KeyObject } from 'node:crypto';

export interface AccessClaims {
  sub: string;
  iat: number;
  exp: number;
  /** The user's token generation when issued: a password reset or change bumps it (no second rounding). */
  ver: number;
}

const ISSUER = 'bank-crm';
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const SIGNATURE_BYTES = 32;
/** Tokens remembered as verified (a few hundred bytes each): every active user's current token, and then some. */
export const VERIFIED_CACHE_MAX = 10_000;

function decodeJsonObject(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export class TokenService {
  private readonly key: KeyObject;
  /** signature segment → the header.payload it signs and the claims; Map order is recency (oldest first). */
  private readonly verified = new Map<string, { input: string; claims: Readonly<AccessClaims> }>();

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
    /** Injectable so expiry is tested by moving the clock, not by waiting. */
    private readonly now: () => Date = () => new Date(),
    private readonly maxRemembered = VERIFIED_CACHE_MAX,
  ) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  private sign(signingInput: string): Buffer {
    return createHmac('sha256', this.key).update(signingInput).digest();
  }

  /** Async for its callers' sake (they await it); the work is synchronous. */
  async issue(userId: string, version: number): Promise<{ token: string; expiresAt: Date }> {
    const now = Math.floor(this.now().getTime() / 1000);
    const claims = { ver: version, sub: userId, iat: now, exp: now + this.ttlSeconds, iss: ISSUER, jti: randomUUID() };
    const input = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return { token: `${input}.${this.sign(input).toString('base64url')}`, expiresAt: new Date((now + this.ttlSeconds) * 1000) };
  }

  /** Returns the claims, or null for any malformed, tampered, foreign, expired or not-yet-valid token. */
  verify(token: string): AccessClaims | null {
    const dot = token.lastIndexOf('.');
    const known = dot > 0 ? this.verified.get(token.slice(dot + 1)) : undefined;
    if (known && known.input === token.slice(0, dot)) {
      if (known.claims.exp <= Math.floor(this.now().getTime() / 1000)) {
        this.verified.delete(token.slice(dot + 1));
        return null;
      }
      // Most recently used goes last: the oldest entry is the one evicted.
      this.verified.delete(token.slice(dot + 1));
      this.verified.set(token.slice(dot + 1), known);
      return { ...known.claims };
    }
    const claims = this.verifyAfresh(token);
    if (claims) {
      if (this.verified.size >= this.maxRemembered) this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(token.slice(dot + 1), { input: token.slice(0, dot), claims: Object.freeze({ ...claims }) });
    }
    return claims;
  }

  /** How many verified tokens are remembered (for tests of the bound). */
  get rememberedTokens(): number {
    return this.verified.size;
  }

  private verifyAfresh(token: string): AccessClaims | null {
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) return null;
    const [h, p, s] = parts as [string, string, string];
    const header = decodeJsonObject(h);
    // Exactly what issue() writes: the algorithm is never taken from the token, and no extension header is honoured.
    if (!header || header.alg !== 'HS256' || (header.typ !== undefined && header.typ !== 'JWT') || 'crit' in header || 'b64' in header) return null;
    const given = Buffer.from(s, 'base64url');
    // A non-canonical encoding (stray trailing bits) of a valid signature is refused too: one token, one spelling.
    if (given.length !== SIGNATURE_BYTES || given.toString('base64url') !== s) return null;
    if (!timingSafeEqual(this.sign(`${h}.${p}`), given)) return null;
    const payload = decodeJsonObject(p);
    if (!payload || payload.iss !== ISSUER) return null;
    const { sub, iat, exp, nbf } = payload;
    if (typeof sub !== 'string' || !isTime(iat) || !isTime(exp) || iat > exp) return null;
    const now = Math.floor(this.now().getTime() / 1000);
    if (exp <= now) return null;
    if (nbf !== undefined && (!isTime(nbf) || nbf > now)) return null;
    // Tokens from before generations existed carry none: they belong to generation 0.
    const ver = payload.ver === undefined ? 0 : payload.ver;
    if (typeof ver !== 'number' || !Number.isInteger(ver)) return null;
    return { sub, iat, exp, ver };
  }
}
