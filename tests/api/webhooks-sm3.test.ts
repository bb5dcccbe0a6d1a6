/**
 * With CRM_CRYPTO=sm a record change reaches a real local receiver signed `v1-sm3,<base64 HMAC-SM3>`
 * over "<webhook-id>.<webhook-timestamp>.<body>" — checked by the receiver with an independent SM3
 * implementation (the sm-crypto package), not with the server's own code; a tampered body fails.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sm3 } from 'sm-crypto';
import { startServer, type TestServer } from '../harness/server.js';
import { until } from '../harness/until.js';
import { setupWorld, type World } from './access-setup.js';

interface Got { id: string; ts: string; signature: string; body: string }

function hmacSm3(secret: string, content: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return Buffer.from(sm3(Array.from(Buffer.from(content, 'utf8')), { key: Array.from(key), mode: 'hmac' }), 'hex').toString('base64');
}

describe('webhook signatures with CRM_CRYPTO=sm', () => {
  const got: Got[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      got.push({ id: String(req.headers['webhook-id']), ts: String(req.headers['webhook-timestamp']), signature: String(req.headers['webhook-signature']), body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end('ok');
    });
  });
  let srv: TestServer;
  let w: World;
  let port = 0;

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    srv = await startServer({ env: { CRM_CRYPTO: 'sm', CRM_WEBHOOK_ALLOWED_ORIGINS: `http://127.0.0.1:${port}`, CRM_WEBHOOK_POLL_MS: '50' } });
    w = await setupWorld(srv, { extraUsers: false });
    await w.c.security.api.admin.updateRole('rm', { platform: ['process.start', 'webhooks.manage'] });
  }, 120_000);

  afterAll(async () => {
    await srv?.stop();
    await new Promise((r) => server.close(r));
  });

  it('signs v1-sm3 and an independent SM3 verifies it', async () => {
    const { secret } = await w.c.rm.api.webhooks.create({ url: `http://127.0.0.1:${port}/sm`, events: ['record.created:client'] });
    const created = await w.c.rm.api.records.create('client', { name: '李四', note: '国密' });
    const [m] = await until(() => got.length >= 1 && got, { what: 'one delivery' });
    expect(JSON.parse(m!.body).data.id).toBe(created.id);
    const entries = m!.signature.split(' ');
    expect(entries).toHaveLength(1);
    const [version, sig] = entries[0]!.split(',');
    expect(version).toBe('v1-sm3');
    expect(sig).toBe(hmacSm3(secret, `${m!.id}.${m!.ts}.${m!.body}`));
    expect(sig).not.toBe(hmacSm3(secret, `${m!.id}.${m!.ts}.${m!.body} `));
  });
});
