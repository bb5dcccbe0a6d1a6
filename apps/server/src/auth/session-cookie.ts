/**
 * The refresh token's cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page
 * sends it), Secure when the request came over HTTPS, and sent only to /api/auth. The routes that use
 * it also want the X-CRM-Refresh header and, when the browser names an Origin, this server's own: a
 * cross-site form cannot set a custom header, and a cross-site script needs a CORS permission this
 * server never grants.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseCookie, stringifySetCookie } from 'cookie';
import { AppError } from '../common/app-error.js';
import type { IssuedSession } from './sessions.js';

export const REFRESH_COOKIE = 'crm_refresh';
export const REFRESH_COOKIE_PATH = '/api/auth';
export const REFRESH_HEADER = 'x-crm-refresh';

const secure = (req: FastifyRequest) => req.protocol === 'https';

export function setRefreshCookie(req: FastifyRequest, reply: FastifyReply, session: IssuedSession): void {
  void reply.header('set-cookie', stringifySetCookie({
    name: REFRESH_COOKIE, value: session.token, httpOnly: true, sameSite: 'strict', secure: secure(req), path: REFRESH_COOKIE_PATH, expires: session.endsAt,
  }));
  void reply.header('cache-control', 'no-store');
}

/** The header that deletes the cookie (for a refusal or a logout). */
export function clearedRefreshCookie(req: FastifyRequest): Record<string, string> {
  return {
    'set-cookie': stringifySetCookie({ name: REFRESH_COOKIE, value: '', httpOnly: true, sameSite: 'strict', secure: secure(req), path: REFRESH_COOKIE_PATH, expires: new Date(0) }),
    'cache-control': 'no-store',
  };
}

export function refreshTokenOf(req: FastifyRequest): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  return parseCookie(header)[REFRESH_COOKIE] || null;
}

/** Refuses a request to a cookie route that a page of another site could have made. */
export function assertOwnOrigin(req: FastifyRequest): void {
  if (req.headers[REFRESH_HEADER] !== '1') throw new AppError(403, 'auth.session_header');
  const origin = req.headers.origin;
  if (origin === undefined) return;
  if (originHost(origin) !== req.headers.host) throw new AppError(403, 'auth.session_header');
}

/** The host:port an Origin header names; null for `null` or anything unparsable. */
function originHost(origin: string): string | null {
  try {
    return new URL(origin).host || null;
  } catch {
    return null;
  }
}
