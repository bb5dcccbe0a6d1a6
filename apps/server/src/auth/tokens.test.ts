/** Access-token lifetime, with an injected clock instead of waiting for a token to expire. */
import { describe, expect, it } from '@jest/globals';
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
});
