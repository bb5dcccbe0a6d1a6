/** Access-token lifetime, with an injected clock instead of waiting for a token to expire. */
import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { SignJWT, UnsecuredJWT, jwtVerify } from 'jose';
import { TokenService } from './tokens.js';

const SECRET = 'unit-test-secret-unit-test-secret-0123';

function clockAt(iso: string) {
  let now = new Date(iso).getTime();
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

describe('TokenService with an injected clock', () => {
  it('accepts a token until its TTL has passed, then refuses it', async () => {
    const clock = clockAt('2026-03-01T08:00:00Z');
    const tokens = new TokenService(SECRET, 5, clock.now);
    const { token, expiresAt } = await tokens.issue('user-1', 3);
    expect(expiresAt.toISOString()).toBe('2026-03-01T08:00:05.000Z');
    expect(await tokens.verify(token)).toEqual({ sub: 'user-1', iat: Date.parse('2026-03-01T08:00:00Z') / 1000, exp: Date.parse('2026-03-01T08:00:05Z') / 1000, ver: 3 });
    clock.advance(4999);
    expect((await tokens.verify(token))?.sub).toBe('user-1');
    clock.advance(1);
    expect(await tokens.verify(token)).toBeNull();
  });

  it('refuses a token issued by a clock ahead of the verifier only once it has expired there too', async () => {
    // Two processes whose clocks differ: the token's own times decide, not the issuer's.
    const issuer = new TokenService(SECRET, 60, clockAt('2026-03-01T08:01:00Z').now);
    const verifierClock = clockAt('2026-03-01T08:00:00Z');
    const verifier = new TokenService(SECRET, 60, verifierClock.now);
    const { token } = await issuer.issue('user-2', 0);
    expect((await verifier.verify(token))?.sub).toBe('user-2');
    verifierClock.advance(120_000);
    expect(await verifier.verify(token)).toBeNull();
  });

  it('refuses a token signed with another secret or altered', async () => {
    const clock = clockAt('2026-03-01T08:00:00Z');
    const mine = new TokenService(SECRET, 60, clock.now);
    const theirs = new TokenService('another-secret-another-secret-0123456', 60, clock.now);
    const { token } = await theirs.issue('user-3', 0);
    expect(await mine.verify(token)).toBeNull();
    const own = (await mine.issue('user-3', 0)).token;
    const [h, p, s] = own.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const raised = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3600 })).toString('base64url');
    expect(await mine.verify(`${h}.${raised}.${s}`)).toBeNull();
  });

  // jose is an independent implementation: tokens it signs with our secret show what verify() accepts.
  const key = Buffer.from(SECRET, 'utf8');
  const at = Date.parse('2026-03-01T08:00:00Z') / 1000;
  const claims = { sub: 'user-4', ver: 1 };
  const signed = (header: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    new SignJWT({ ...claims, ...extra }).setProtectedHeader(header as { alg: string }).setIssuer('bank-crm').setIssuedAt(at).setExpirationTime(at + 60);

  it('interoperates with jose both ways', async () => {
    const tokens = new TokenService(SECRET, 60, clockAt('2026-03-01T08:00:10Z').now);
    expect(tokens.verify(await signed({ alg: 'HS256', typ: 'JWT' }).sign(key))).toEqual({ sub: 'user-4', iat: at, exp: at + 60, ver: 1 });
    const own = (await new TokenService(SECRET, 60, clockAt('2026-03-01T08:00:00Z').now).issue('user-5', 2)).token;
    const { payload, protectedHeader } = await jwtVerify(own, key, { algorithms: ['HS256'], issuer: 'bank-crm', currentDate: new Date('2026-03-01T08:00:10Z') });
    expect(protectedHeader).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toMatchObject({ sub: 'user-5', ver: 2, iat: at, exp: at + 60 });
  });

  it('refuses alg none, another algorithm, a critical header and a wrong issuer', async () => {
    const tokens = new TokenService(SECRET, 60, clockAt('2026-03-01T08:00:10Z').now);
    const none = new UnsecuredJWT(claims).setIssuer('bank-crm').setIssuedAt(at).setExpirationTime(at + 60).encode();
    expect(tokens.verify(none)).toBeNull();
    // The same unsecured token with a signature glued on, and with the HS256 signature of its own input.
    const [nh, np] = none.split('.');
    expect(tokens.verify(`${nh}.${np}.${createHmac('sha256', key).update(`${nh}.${np}`).digest('base64url')}`)).toBeNull();
    expect(tokens.verify(await signed({ alg: 'HS384' }).sign(key))).toBeNull();
    expect(tokens.verify(await signed({ alg: 'HS512' }).sign(key))).toBeNull();
    expect(tokens.verify(await signed({ alg: 'HS256', typ: 'at+jwt' }).sign(key))).toBeNull();
    // jose refuses to sign an unknown critical header, so this one is signed by hand.
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const critInput = `${b64({ alg: 'HS256', crit: ['x-level'], 'x-level': 1 })}.${b64({ ...claims, iss: 'bank-crm', iat: at, exp: at + 60 })}`;
    expect(tokens.verify(`${critInput}.${createHmac('sha256', key).update(critInput).digest('base64url')}`)).toBeNull();
    expect(tokens.verify(await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('elsewhere').setIssuedAt(at).setExpirationTime(at + 60).sign(key))).toBeNull();
    expect(tokens.verify(await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(at).setExpirationTime(at + 60).sign(key))).toBeNull();
  });

  it('refuses a tampered signature, header or payload, and malformed tokens', async () => {
    const tokens = new TokenService(SECRET, 60, clockAt('2026-03-01T08:00:10Z').now);
    const good = await signed({ alg: 'HS256' }).sign(key);
    expect(tokens.verify(good)?.sub).toBe('user-4');
    const [h, p, s] = good.split('.') as [string, string, string];
    const flipped = Buffer.from(s, 'base64url');
    flipped[0]! ^= 1;
    expect(tokens.verify(`${h}.${p}.${flipped.toString('base64url')}`)).toBeNull();
    expect(tokens.verify(`${h}.${p}.${s.slice(0, -1)}`)).toBeNull();
    expect(tokens.verify(`${h}.${p}.${s}A`)).toBeNull();
    // 43 characters carry 258 bits: the same 32 bytes spelt with other trailing bits are refused.
    const last = s.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1]!;
    expect(Buffer.from(`${s.slice(0, -1)}${sibling}`, 'base64url').equals(Buffer.from(s, 'base64url'))).toBe(true);
    expect(tokens.verify(`${h}.${p}.${s.slice(0, -1)}${sibling}`)).toBeNull();
    const otherHeader = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'HS256' })).toString('base64url');
    expect(tokens.verify(`${otherHeader}.${p}.${s}`)).toBeNull();
    for (const bad of ['', 'a.b', `${h}.${p}`, `${h}.${p}.${s}.x`, `${h}..${s}`, `${h}.${p}.${s}=`, `${h}.${p}+.${s}`, 'not a token at all']) {
      expect(tokens.verify(bad)).toBeNull();
    }
    // A header or payload that is valid base64 but not a JSON object.
    const hmac = (input: string) => createHmac('sha256', key).update(input).digest('base64url');
    const arr = Buffer.from('[]').toString('base64url');
    expect(tokens.verify(`${arr}.${p}.${hmac(`${arr}.${p}`)}`)).toBeNull();
    expect(tokens.verify(`${h}.${arr}.${hmac(`${h}.${arr}`)}`)).toBeNull();
    const junk = Buffer.from('{"sub":').toString('base64url');
    expect(tokens.verify(`${h}.${junk}.${hmac(`${h}.${junk}`)}`)).toBeNull();
  });

  it('checks exp, nbf and the claim types with the injected clock', async () => {
    const clock = clockAt('2026-03-01T08:00:00Z');
    const tokens = new TokenService(SECRET, 60, clock.now);
    const notYet = await signed({ alg: 'HS256' }).setNotBefore(at + 30).sign(key);
    expect(tokens.verify(notYet)).toBeNull();
    clock.advance(30_000);
    expect(tokens.verify(notYet)?.sub).toBe('user-4');
    clock.advance(30_000);
    expect(tokens.verify(notYet)).toBeNull(); // exp = at + 60 reached
    const fresh = new TokenService(SECRET, 60, clockAt('2026-03-01T08:00:10Z').now);
    const typed = (extra: Record<string, unknown>) => signed({ alg: 'HS256' }, extra).sign(key);
    expect(fresh.verify(await typed({ ver: 1.5 }))).toBeNull();
    expect(fresh.verify(await typed({ ver: '1' }))).toBeNull();
    expect(fresh.verify(await typed({ sub: 42 }))).toBeNull();
    expect(fresh.verify(await new SignJWT({ sub: 'user-4' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('bank-crm').setIssuedAt(at).sign(key))).toBeNull(); // no exp
    expect(fresh.verify(await new SignJWT({ sub: 'user-4' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('bank-crm').setExpirationTime(at + 60).sign(key))).toBeNull(); // no iat
    expect(fresh.verify(await new SignJWT({ sub: 'user-4' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('bank-crm').setIssuedAt(at + 120).setExpirationTime(at + 60).sign(key))).toBeNull(); // issued after it expires
    expect(fresh.verify(await new SignJWT({ sub: 'user-4' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('bank-crm').setIssuedAt(at).setExpirationTime(at + 60).sign(key))).toEqual({ sub: 'user-4', iat: at, exp: at + 60, ver: 0 });
  });

  it('remembers verified tokens only while valid, for their exact input, and within its bound', async () => {
    const clock = clockAt('2026-03-01T08:00:00Z');
    const tokens = new TokenService(SECRET, 60, clock.now, 100);
    const { token } = await tokens.issue('user-6', 1);
    expect(tokens.verify(token)?.sub).toBe('user-6');
    expect(tokens.rememberedTokens).toBe(1);
    // A remembered signature glued to another header or payload is checked afresh, and refused.
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const other = Buffer.from(JSON.stringify({ ...claims, sub: 'user-7' })).toString('base64url');
    expect(tokens.verify(`${h}.${other}.${s}`)).toBeNull();
    // A caller changing the answer does not change what is remembered.
    const first = tokens.verify(token)!;
    first.sub = 'someone-else';
    expect(tokens.verify(token)?.sub).toBe('user-6');
    // Expiry is checked on every use of a remembered token; the entry goes with it.
    clock.advance(60_000);
    expect(tokens.verify(token)).toBeNull();
    expect(tokens.rememberedTokens).toBe(0);
    // Bounded: the oldest is forgotten (and simply verified afresh when it comes back).
    const many = await Promise.all(Array.from({ length: 105 }, (_, i) => tokens.issue(`user-${i}`, 0)));
    for (const t of many) expect(tokens.verify(t.token)).not.toBeNull();
    expect(tokens.rememberedTokens).toBe(100);
    expect(tokens.verify(many[0]!.token)?.sub).toBe('user-0');
    expect(tokens.rememberedTokens).toBe(100);
  });
});
