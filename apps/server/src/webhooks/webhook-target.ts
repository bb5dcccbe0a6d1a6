/**
 * Where a webhook may go: only to an origin in CRM_WEBHOOK_ALLOWED_ORIGINS (checked when a
 * subscription is saved and again at each delivery), and — unless the allowed origin names an IP
 * address itself — never to a loopback, private, link-local or otherwise internal address, checked
 * on the very address the connection uses (the lookup is the check: a DNS answer that changes between
 * check and connect cannot slip through). The HTTP client is bounded: a timeout, no redirects
 * followed, at most 1 KB of the answer kept.
 */
import http from 'node:http';
import https from 'node:https';
import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export const EXCERPT_BYTES = 1024;

const internal = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) internal.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) internal.addSubnet(net, bits, 'ipv6');

export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (!family) return true;
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is judged by its IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isInternalAddress(mapped[1]);
  return internal.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export type TargetProblem = 'bad_url' | 'not_allowed';

/** Why a URL may not be a webhook target (null: it may). */
export function targetProblem(raw: string, allowed: readonly string[]): TargetProblem | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'bad_url';
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password || url.hash) return 'bad_url';
  return allowed.includes(url.origin) ? null : 'not_allowed';
}

export class TargetRefused extends Error {}

/** A lookup that refuses internal addresses (unless the host is an allowed literal IP). */
function guardedLookup(literalAllowed: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses as { address: string; family: number }[];
      const bad = list.find((a) => !literalAllowed && isInternalAddress(a.address));
      if (bad || !list.length) return callback(new TargetRefused(`${hostname} resolves to an internal address`) as NodeJS.ErrnoException, '', 4);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

export interface PostResult {
  statusCode: number | null;
  excerpt: string | null;
  error: string | null;
  latencyMs: number;
}

/** POSTs body to url with headers; never throws (errors are part of the result). */
export async function postBounded(rawUrl: string, allowed: readonly string[], headers: Record<string, string>, body: string, timeoutMs: number, now: () => number = Date.now): Promise<PostResult> {
  const started = now();
  const done = (r: Omit<PostResult, 'latencyMs'>): PostResult => ({ ...r, latencyMs: Math.max(0, Math.round(now() - started)) });
  const problem = targetProblem(rawUrl, allowed);
  if (problem) return done({ statusCode: null, excerpt: null, error: `target refused: ${problem === 'bad_url' ? 'not an http(s) URL' : 'origin not in CRM_WEBHOOK_ALLOWED_ORIGINS'}` });
  const url = new URL(rawUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host) !== 0;
  if (literal && isInternalAddress(host) && !allowed.includes(url.origin)) return done({ statusCode: null, excerpt: null, error: 'target refused: internal address' });
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const finish = (r: Omit<PostResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(done(r));
    };
    const req = mod.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'crm-webhooks/1' },
      lookup: guardedLookup(literal),
      agent: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (d: Buffer) => {
        if (size < EXCERPT_BYTES) chunks.push(d.subarray(0, EXCERPT_BYTES - size));
        size += d.length;
        if (size >= EXCERPT_BYTES) res.destroy();
      });
      const end = () => finish({ statusCode: res.statusCode ?? null, excerpt: Buffer.concat(chunks).toString('utf8').replace(/\uFFFD+$/, '') || null, error: null });
      res.on('end', end);
      res.on('close', end);
      res.on('error', end);
    });
    const timer = setTimeout(() => {
      req.destroy(new Error('timeout'));
      finish({ statusCode: null, excerpt: null, error: `timeout after ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('error', (err) => finish({ statusCode: null, excerpt: null, error: err instanceof TargetRefused ? `target refused: ${err.message}` : `${(err as NodeJS.ErrnoException).code ?? 'error'}: ${err.message}`.slice(0, 300) }));
    req.end(body);
  });
}
