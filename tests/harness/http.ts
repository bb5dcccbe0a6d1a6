/**
 * HTTP helpers for API tests. `client(...).api` is the platform's typed client (@crm/shared): answers
 * typed as the contract says, an `ApiError` for every non-2xx. The raw helpers (JSON in, `{ status, body,
 * headers }` out) stay for what a typed client cannot send: malformed bodies, forged headers, status checks.
 */
import { createClient, isApiError, type ApiClient, type ApiError } from '@crm/shared';

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) {
    body = opts.rawBody;
    headers['content-type'] ??= 'application/json';
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(baseUrl + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export async function login(baseUrl: string, username: string, password = 'Demo@2026'): Promise<string> {
  const r = await typed(baseUrl).login({ username, password }).catch((e: Error) => {
    throw new Error(`login ${username} failed: ${e.message}`);
  });
  return r.accessToken;
}

/** The typed client bound to one server and (optionally) one bearer token. */
export function typed(baseUrl: string, token?: string): ApiClient {
  return createClient({ baseUrl, getToken: () => token });
}

/** The ApiError a typed call ends with; fails the test when the call succeeds or fails otherwise. */
export async function refused(call: Promise<unknown>): Promise<ApiError> {
  const outcome = await call.then(
    (value) => new Error(`expected an error answer, got ${JSON.stringify(value)?.slice(0, 200)}`),
    (e: unknown) => e,
  );
  if (isApiError(outcome)) return outcome;
  throw outcome;
}

/** A client bound to one server and (optionally) one user: raw helpers plus the typed client as `api`. */
export function client(baseUrl: string, token?: string) {
  return {
    api: typed(baseUrl, token),
    get: <T = any>(p: string, h?: Record<string, string>) => call<T>(baseUrl, 'GET', p, { token, headers: h }),
    post: <T = any>(p: string, body?: unknown, h?: Record<string, string>) => call<T>(baseUrl, 'POST', p, { token, body, headers: h }),
    put: <T = any>(p: string, body?: unknown) => call<T>(baseUrl, 'PUT', p, { token, body }),
    patch: <T = any>(p: string, body?: unknown) => call<T>(baseUrl, 'PATCH', p, { token, body }),
    del: <T = any>(p: string) => call<T>(baseUrl, 'DELETE', p, { token }),
  };
}

export async function as(baseUrl: string, username: string) {
  return client(baseUrl, await login(baseUrl, username));
}

/**
 * Announces a large JSON body and streams it until the server answers; returns the status. A raw
 * socket, because the server may answer 413 and close before the body is written, and HTTP clients
 * then report a write error instead of the answer.
 */
export async function postLarge(baseUrl: string, path: string, bytes: number, token?: string): Promise<number> {
  const net = await import('node:net');
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let answer = '';
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      socket.destroy();
      fn();
    };
    socket.on('data', (d) => {
      answer += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (m) finish(() => resolve(Number(m[1])));
    });
    socket.on('error', () => setTimeout(() => finish(() => reject(new Error('no answer before the connection closed'))), 1000));
    socket.on('close', () => setTimeout(() => finish(() => reject(new Error('connection closed without an answer'))), 1000));
    socket.on('connect', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${bytes + 12}\r\n` +
        (token ? `Authorization: Bearer ${token}\r\n` : '') + '\r\n{"name":"');
      // A server that checks the declared size answers before any body arrives; give it that chance
      // so its answer is not lost to a reset caused by unread bytes.
      setTimeout(() => pump(), 500);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const pump = () => {
        while (!done && sent < bytes) {
          const n = Math.min(chunk.length, bytes - sent);
          sent += n;
          if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
            socket.once('drain', pump);
            return;
          }
        }
        if (!done) socket.write('"}  ');
      };
    });
  });
}
