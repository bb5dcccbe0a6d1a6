/**
 * The HTTP side of connectors: auth presets (basic, bearer, API-key header, HMAC-SHA256 or HMAC-SM3
 * over `<timestamp>.<body>`), and one bounded call — origin in the allow-list (checked again at
 * every call, not only when the definition is saved), a timeout, no redirects followed, at most
 * 64 KB of the answer read. Errors never carry the secret.
 */
import { createHmac } from 'node:crypto';
import type { HttpAuth } from '@crm/shared';
import { BpmnError } from '../workflow/service-tasks.js';

export const MAX_ANSWER_BYTES = 64 * 1024;

/** The headers an auth preset adds to a request with this body (sent at `nowSeconds`). */
export function authHeaders(auth: HttpAuth, secret: string | undefined, body: string, nowSeconds: number): Record<string, string> {
  if (auth.type === 'none') return {};
  if (!secret) throw new BpmnError('CONNECTOR_NO_SECRET', 'the connector has no secret for its auth preset');
  switch (auth.type) {
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`${auth.username}:${secret}`, 'utf8').toString('base64')}` };
    case 'bearer':
      return { authorization: `Bearer ${secret}` };
    case 'api-key':
      return { [auth.header.toLowerCase()]: secret };
    case 'hmac': {
      const ts = String(nowSeconds);
      const sig = createHmac(auth.algorithm, Buffer.from(secret, 'utf8')).update(`${ts}.${body}`).digest('base64');
      return { [auth.timestampHeader.toLowerCase()]: ts, [auth.signatureHeader.toLowerCase()]: sig };
    }
  }
}

/** Whether `url` (already parsed) is allowed: its origin is in the list. */
export function originAllowed(raw: string, allow: readonly string[]): boolean {
  try {
    const u = new URL(raw);
    return ['http:', 'https:'].includes(u.protocol) && !u.username && !u.password && allow.includes(u.origin);
  } catch {
    return false;
  }
}

/** `path` under `base` — never another origin (an absolute URL or `//host` in path is refused). */
export function urlUnder(base: string, path: string | undefined): string {
  if (!path) return base;
  if (!/^[A-Za-z0-9/_.~%!$&'()*+,;=:@?-]*$/.test(path) || path.startsWith('//') || /^[a-z][a-z0-9+.-]*:/i.test(path)) {
    throw new BpmnError('CONNECTOR_BAD_PATH', 'the path must be a relative path under the connector\'s URL');
  }
  const b = new URL(base);
  const joined = new URL(b.pathname.replace(/\/?$/, '/') + path.replace(/^\//, ''), b.origin);
  if (joined.origin !== b.origin) throw new BpmnError('CONNECTOR_BAD_PATH', 'the path leaves the connector\'s origin');
  return joined.toString();
}

export interface OutboundHttpResult {
  status: number;
  body: unknown;
  latencyMs: number;
}

/** One bounded request; the answer's JSON (or its text, cut at 64 KB). */
export async function boundedFetch(url: string, allow: readonly string[], init: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number }): Promise<OutboundHttpResult> {
  if (!originAllowed(url, allow)) throw new BpmnError('HTTP_NOT_ALLOWED', `${safeOrigin(url)} is not in CRM_WORKFLOW_HTTP_ALLOW`);
  const started = Date.now();
  const res = await fetch(url, {
    method: init.method,
    headers: init.headers,
    ...(init.body !== undefined ? { body: init.body } : {}),
    signal: AbortSignal.timeout(init.timeoutMs),
    redirect: 'error',
  });
  const text = await readBounded(res);
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* plain text */
  }
  return { status: res.status, body, latencyMs: Date.now() - started };
}

async function readBounded(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= MAX_ANSWER_BYTES) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8');
}

export function safeOrigin(raw: string): string {
  try {
    return new URL(raw).origin;
  } catch {
    return 'the URL';
  }
}
