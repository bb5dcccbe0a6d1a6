/**
 * Security headers of every response (the web app, its assets, the API, the API docs), as
 * @fastify/helmet sets them. The Content-Security-Policy is strict:
 *
 * - scripts only from this origin (`script-src 'self'`: no inline script, no `eval`/`new Function`,
 *   no `blob:`): the web app is one built bundle, the API docs load their script from a file, and a
 *   form's data validator is compiled by the server and imported from it (GET /api/forms/validators/…);
 * - styles from this origin plus inline `<style>`/`style=""` ('unsafe-inline' in `style-src` only):
 *   Ant Design's CSS-in-JS, ECharts, bpmn-js and Swagger UI write their styles at run time, and
 *   a per-response nonce would have to be written into the cached SPA page; CSS cannot run script;
 * - images from this origin, `data:` (icons, the favicon) and `blob:` (previews, exported charts);
 * - requests (fetch, server-sent events) to this origin only; no plugins, no framing by anyone,
 *   forms post only here, `<base>` cannot move the origin.
 *
 * The other headers: nosniff, no referrer, `X-Frame-Options: DENY`, HSTS (browsers keep it only over
 * HTTPS), same-origin opener and resource policies.
 */
import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import Fastify from 'fastify';

export const CSP_DIRECTIVES: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'worker-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'self'"],
};

/** The policy as one header value (the tests and the README show it). */
export function cspHeader(): string {
  return Object.entries(CSP_DIRECTIVES).map(([k, v]) => `${k} ${v.join(' ')}`).join(';');
}

const HELMET_OPTIONS = {
  global: true,
  contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
  // Same-origin everything; nothing of ours is embedded cross-origin, and nothing cross-origin is embedded.
  crossOriginEmbedderPolicy: false,
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  referrerPolicy: { policy: 'no-referrer' },
  frameguard: { action: 'deny' },
  hsts: { maxAge: 31_536_000, includeSubDomains: true },
} as const;

/** Headers every Fastify answer has anyway (not helmet's). */
const TRANSPORT = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

/**
 * The headers helmet sets, learnt once from helmet itself on a throwaway instance: they are the same
 * for every answer, and @fastify/helmet rebuilt its middleware chain (parsing the policy again) on
 * every request — a few per cent of a hot request's CPU in a profile.
 */
export async function helmetHeaders(): Promise<Record<string, string>> {
  const probe = Fastify({ logger: false });
  try {
    await probe.register(helmet, HELMET_OPTIONS);
    probe.get('/', async () => 'probe');
    const res = await probe.inject({ method: 'GET', url: '/' });
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (!TRANSPORT.has(name) && typeof value === 'string') out[name] = value;
    }
    return out;
  } finally {
    await probe.close();
  }
}

/** One onRequest hook on the root instance: it runs for every route, static file and error. */
export async function installSecurityHeaders(fastify: FastifyInstance): Promise<void> {
  const headers = await helmetHeaders();
  if (!headers['content-security-policy']) throw new Error('security headers: helmet set no Content-Security-Policy');
  fastify.addHook('onRequest', (_req, reply, done) => {
    void reply.headers(headers);
    done();
  });
}
