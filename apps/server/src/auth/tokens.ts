/** Short-lived HS256 access tokens (jose). */
import { SignJWT, jwtVerify, errors } from 'jose';
import { randomUUID, webcrypto } from 'node:crypto';

export interface AccessClaims {
  sub: string;
  iat: number;
  exp: number;
  /** The user's token generation when issued: a password reset or change bumps it (no second rounding). */
  ver: number;
}

export class TokenService {
  // A WebCrypto key imported once: given raw bytes or a KeyObject, jose imports it again on every
  // sign and verify, which costs more than the HMAC itself.
  private readonly key: Promise<webcrypto.CryptoKey>;
  constructor(
    secret: string,
    private readonly ttlSeconds: number,
    /** Injectable so expiry is tested by moving the clock, not by waiting. */
    private readonly now: () => Date = () => new Date(),
  ) {
    this.key = webcrypto.subtle.importKey('raw', Buffer.from(secret, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  }

  async issue(userId: string, version: number): Promise<{ token: string; expiresAt: Date }> {
    const now = Math.floor(this.now().getTime() / 1000);
    const token = await new SignJWT({ ver: version })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuedAt(now)
      .setExpirationTime(now + this.ttlSeconds)
      .setIssuer('bank-crm')
      .setJti(randomUUID())
      .sign(await this.key);
    return { token, expiresAt: new Date((now + this.ttlSeconds) * 1000) };
  }

  /** Returns the claims, or null for any invalid, tampered or expired token. */
  async verify(token: string): Promise<AccessClaims | null> {
    try {
      const { payload } = await jwtVerify(token, await this.key, { algorithms: ['HS256'], issuer: 'bank-crm', currentDate: this.now() });
      if (typeof payload.sub !== 'string' || typeof payload.iat !== 'number' || typeof payload.exp !== 'number') return null;
      // Tokens from before generations existed carry none: they belong to generation 0.
      const ver = payload.ver === undefined ? 0 : payload.ver;
      if (typeof ver !== 'number' || !Number.isInteger(ver)) return null;
      return { sub: payload.sub, iat: payload.iat, exp: payload.exp, ver };
    } catch (err) {
      if (err instanceof errors.JOSEError) return null;
      throw err;
    }
  }
}
