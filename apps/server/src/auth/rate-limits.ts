/**
 * Abuse limits with @fastify/rate-limit (fixed one-minute windows, in process memory): every API
 * request counts against its client IP and against its credential (the bearer token or API key, i.e.
 * per signed-in user and session); a login also counts against the IP and the user name it tries,
 * strictly. Over a limit: 429 in the error format with `Retry-After`. Limits come from the
 * configuration (CRM_RATE_LIMIT_IP, CRM_RATE_LIMIT_USER, CRM_LOGIN_RATE_IP, CRM_LOGIN_RATE_USER).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { RateLimits } from '../config/config.js';
import { AppError } from '../common/app-error.js';
import { mapError } from '../common/error-body.js';
import { langFrom } from '../common/i18n.js';

const WINDOW_MS = 60_000;
const LOGIN_ROUTE = '/api/auth/login';

type Limiter = (req: FastifyRequest) => Promise<{ isAllowed: boolean; isExceeded?: boolean; ttlInSeconds?: number }>;

export async function installRateLimits(fastify: FastifyInstance, limits: RateLimits): Promise<void> {
  await fastify.register(rateLimit, { global: false, timeWindow: WINDOW_MS });
  /** A limit of `max` per window keyed by `key`; requests without a key (null) are not counted. */
  const limiter = (max: number, key: (req: FastifyRequest) => string | null): Limiter | null => {
    if (max <= 0) return null;
    // The key is computed once per request (a credential's is a SHA-256): the limiter's keyGenerator reuses it.
    const keys = new WeakMap<FastifyRequest, string>();
    const check = fastify.createRateLimit({ max, timeWindow: WINDOW_MS, keyGenerator: (req) => keys.get(req) ?? key(req) ?? '' });
    return (req) => {
      const k = key(req);
      if (k === null) return Promise.resolve({ isAllowed: true });
      keys.set(req, k);
      return check(req);
    };
  };

  const byIp = limiter(limits.ip, (req) => `ip:${req.ip}`);
  const byCredential = limiter(limits.credential, (req) => {
    const auth = req.headers.authorization;
    return auth ? `cred:${createHash('sha256').update(auth).digest('base64url')}` : null;
  });
  const loginByIp = limiter(limits.loginIp, (req) => `login-ip:${req.ip}`);
  const loginByUser = limiter(limits.loginUser, (req) => {
    const name = (req.body as { username?: unknown } | undefined)?.username;
    return typeof name === 'string' ? `login-user:${name.trim().toLowerCase().slice(0, 64)}` : null;
  });

  fastify.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/')) return;
    return refuseOver(req, reply, [byIp, byCredential]);
  });
  // After the body is parsed: the user name is in it. Attached to the login route alone, so no other
  // request pays for the check (reading req.routeOptions builds an object per request).
  const loginLimits = async (req: FastifyRequest, reply: FastifyReply) => refuseOver(req, reply, [loginByIp, loginByUser]);
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.url !== LOGIN_ROUTE || !methods.includes('POST')) return;
    const own = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
    route.preHandler = [loginLimits, ...own];
  });
}

/** Counts the request against each limit; answers 429 at the first one exceeded. */
async function refuseOver(req: FastifyRequest, reply: FastifyReply, limiters: (Limiter | null)[]): Promise<FastifyReply | undefined> {
  for (const check of limiters) {
    if (!check) continue;
    const r = await check(req);
    if (r.isAllowed || !r.isExceeded) continue;
    const seconds = Math.max(1, r.ttlInSeconds ?? 60);
    const mapped = mapError(new AppError(429, 'auth.rate_limited', { seconds }), langFrom(req.headers['accept-language']), String(req.id));
    return reply.code(429).header('retry-after', String(seconds)).header('content-type', 'application/json; charset=utf-8').send(mapped.body);
  }
  return undefined;
}
