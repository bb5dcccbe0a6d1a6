/**
 * The pure parts of outbound webhooks: Standard Webhooks signatures (checked with the independent
 * `standardwebhooks` package), the back-off schedule with its jitter bounds (random injected), which
 * addresses count as internal, the allow-list check, and the bounded client against a real local
 * receiver (timeout, no redirect followed, at most 1 KB of the answer kept).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { sm3 } from 'sm-crypto';
import { backoffMs } from './webhook-delivery.js';
import { newSecret, sign, signatureHeader } from './webhook-signing.js';
import { EXCERPT_BYTES, isInternalAddress, postBounded, targetProblem } from './webhook-target.js';

describe('webhook signing', () => {
  it('signs as Standard Webhooks does; every valid secret signs during a rotation', () => {
    const a = newSecret();
    const b = newSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const ts = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'record.created:client', data: { id: '1' } });
    const header = signatureHeader([a, b], 'msg_1', ts, body);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': header };
    expect(() => new Webhook(a).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(b).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(a).verify(`${body} `, headers)).toThrow();
    expect(new Webhook(a).sign('msg_1', new Date(ts * 1000), body)).toBe(sign(a, 'msg_1', ts, body));
  });
});

describe('webhook signing with SM3 (CRM_CRYPTO=sm)', () => {
  it('signs v1-sm3 with HMAC-SM3 as an independent SM3 implementation (sm-crypto) computes it', () => {
    const a = newSecret();
    const ts = 1767225600;
    const body = JSON.stringify({ type: 'record.created:client', data: { id: '1', name: '张三' } });
    const [version, sig] = sign(a, 'msg_1', ts, body, 'sm3').split(',');
    expect(version).toBe('v1-sm3');
    const key = Buffer.from(a.slice('whsec_'.length), 'base64');
    const expected = Buffer.from(sm3(Array.from(Buffer.from(`msg_1.${ts}.${body}`, 'utf8')), { key: Array.from(key), mode: 'hmac' }), 'hex').toString('base64');
    expect(sig).toBe(expected);
    // Not the SHA-256 signature, and a Standard Webhooks verifier does not accept it as v1.
    expect(sig).not.toBe(sign(a, 'msg_1', ts, body).split(',')[1]);
    expect(() => new Webhook(a).verify(body, { 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': signatureHeader([a], 'msg_1', ts, body, 'sm3') })).toThrow();
    // Both secrets of a rotation sign.
    expect(signatureHeader([a, newSecret()], 'msg_1', ts, body, 'sm3').split(' ').map((x) => x.split(',')[0])).toEqual(['v1-sm3', 'v1-sm3']);
  });
});

describe('back-off', () => {
  const s = { backoffMs: 30_000, maxBackoffMs: 3_600_000 };
  it('doubles per failed attempt up to the cap, with jitter between half and all of the delay', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, s, () => 1))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect([1, 2, 3, 4].map((n) => backoffMs(n, s, () => 0))).toEqual([15_000, 30_000, 60_000, 120_000]);
    expect(backoffMs(40, s, () => 1)).toBe(3_600_000);
    // Sixteen attempts spread over hours.
    const total = Array.from({ length: 15 }, (_, i) => backoffMs(i + 1, s, () => 0.5)).reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeGreaterThan(5);
  });
});

describe('targets', () => {
  it('knows internal addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not-an-ip']) {
      expect([a, isInternalAddress(a)]).toEqual([a, true]);
    }
    for (const a of ['8.8.8.8', '172.32.0.1', '::ffff:8.8.8.8', '2001:4860:4860::8888']) expect([a, isInternalAddress(a)]).toEqual([a, false]);
  });

  it('allows only listed origins, http(s), without credentials', () => {
    const allowed = ['https://hooks.partner.example', 'http://127.0.0.1:9000'];
    expect(targetProblem('https://hooks.partner.example/a/b?c=1', allowed)).toBeNull();
    expect(targetProblem('http://127.0.0.1:9000/x', allowed)).toBeNull();
    expect(targetProblem('https://hooks.partner.example:444/x', allowed)).toBe('not_allowed');
    expect(targetProblem('http://hooks.partner.example/x', allowed)).toBe('not_allowed');
    expect(targetProblem('https://u:p@hooks.partner.example/x', allowed)).toBe('bad_url');
    expect(targetProblem('ftp://hooks.partner.example/x', allowed)).toBe('bad_url');
    expect(targetProblem('nonsense', allowed)).toBe('bad_url');
  });
});

describe('the bounded client', () => {
  let srv: http.Server;
  let port = 0;
  beforeAll(async () => {
    srv = http.createServer((req, res) => {
      req.resume();
      if (req.url === '/big') return res.writeHead(500).end('y'.repeat(100_000));
      if (req.url === '/redirect') return res.writeHead(302, { location: `http://127.0.0.1:${port}/big` }).end();
      if (req.url === '/slow') return; // never answers
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    port = (srv.address() as AddressInfo).port;
  });
  afterAll(async () => {
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
  });
  const allowed = () => [`http://127.0.0.1:${port}`, `http://localhost:${port}`];

  it('keeps at most 1 KB of the answer, follows no redirect, times out', async () => {
    const big = await postBounded(`http://127.0.0.1:${port}/big`, allowed(), {}, '{}', 2000);
    expect(big.statusCode).toBe(500);
    expect(big.excerpt!.length).toBeLessThanOrEqual(EXCERPT_BYTES);
    const redirect = await postBounded(`http://127.0.0.1:${port}/redirect`, allowed(), {}, '{}', 2000);
    expect(redirect).toMatchObject({ statusCode: 302, error: null });
    const slow = await postBounded(`http://127.0.0.1:${port}/slow`, allowed(), {}, '{}', 200);
    expect(slow).toMatchObject({ statusCode: null, error: 'timeout after 200 ms' });
  });

  it('refuses an origin outside the list, and a listed name that resolves to an internal address', async () => {
    expect((await postBounded(`http://127.0.0.1:${port + 1}/`, allowed(), {}, '{}', 2000)).error).toMatch(/target refused/);
    const named = await postBounded(`http://localhost:${port}/`, allowed(), {}, '{}', 2000);
    expect(named.statusCode).toBeNull();
    expect(named.error).toMatch(/target refused: localhost resolves to an internal address/);
    expect((await postBounded(`http://127.0.0.1:${port}/ok`, allowed(), {}, '{}', 2000)).statusCode).toBe(204);
  });
});
