/**
 * Outbound webhooks through the real server and a real HTTP receiver (node:http in this test) that
 * checks every signature with the `standardwebhooks` package, an independent implementation of the
 * spec: record created / updated / deleted and process / task events arrive, in order per record;
 * a write that fails after its outbox row was written (at commit) emits nothing; a 500 is retried
 * with growing back-off (the schedule is driven by moving the due time, never by sleeping), a 410
 * disables the endpoint at once; replay of one message and of a time range; payloads are masked as
 * the subscription's owner sees the record; targets outside the allow-list are refused at
 * subscription (400) and an allowed name that resolves to an internal address at delivery; another
 * holder of the right cannot see your subscription; two server processes deliver each message once.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import type { Webhook, WebhookDelivery } from '@crm/shared';
import { WebhookCreateBody, WebhookDeliverySchema, WebhookSchema, WebhookSecretSchema } from '@crm/shared';
import { startServer, type TestServer } from '../harness/server.js';
import { client, refused } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';
import { setupWorld, idNumber, type World } from './access-setup.js';
import { chain } from './workflow-bpmn.js';

interface Received { path: string; id: string; timestamp: string; signature: string; body: string; json: { type: string; data: Record<string, any> } }

/** A real receiver: answers each path with the status set for it (200 by default), verifying signatures. */
class Receiver {
  readonly got: Received[] = [];
  readonly statusOf = new Map<string, number>();
  readonly secrets = new Map<string, string>();
  readonly badSignatures: string[] = [];
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
      const secret = this.secrets.get(path);
      try {
        if (!secret) throw new Error('no secret for this path');
        new StandardWebhook(secret).verify(body, headers);
      } catch {
        this.badSignatures.push(`${path} ${headers['webhook-id']}`);
      }
      this.got.push({ path, id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'], body, json: JSON.parse(body) });
      const status = this.statusOf.get(path) ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status >= 400 ? `failure ${status} ${'x'.repeat(3000)}` : 'ok');
    });
  });
  port = 0;
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }
  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
  at(path: string): Received[] {
    return this.got.filter((g) => g.path === path);
  }
}

describe('outbound webhooks', () => {
  const rx = new Receiver();
  let srv: TestServer;
  let w: World;
  let url: (path: string) => string;
  const sql = <T extends pg.QueryResultRow = any>(text: string, params: unknown[] = []) => withClient(srv.dbUrl, (db) => db.query<T>(text, params));
  const subscribe = async (who: string, path: string, events: string[], filter?: string): Promise<string> => {
    const r = WebhookSecretSchema.parse(await w.c[who].api.webhooks.create({ url: url(path), events, ...(filter ? { filter } : {}) }));
    expect(r.secret).toMatch(/^whsec_/);
    rx.secrets.set(path, r.secret);
    return r.id;
  };
  const deliveries = async (who: string, id: string): Promise<WebhookDelivery[]> => (await w.c[who].api.webhooks.deliveries(id)).map((d) => WebhookDeliverySchema.parse(d));
  /** Makes every pending message of the subscription due now (the back-off schedule, driven instead of waited for). */
  const driveClock = (id: string) => sql(`UPDATE crm.webhook_messages SET next_attempt_at = now() WHERE subscription_id = $1 AND status = 'pending'`, [id]);
  const id17 = (n: number) => idNumber(`1101011990010${String(100 + n).slice(-3)}1`);
  const env = () => ({
    CRM_WEBHOOK_ALLOWED_ORIGINS: `http://127.0.0.1:${rx.port},http://localhost:${rx.port}`,
    CRM_WEBHOOK_POLL_MS: '50',
    CRM_WEBHOOK_BACKOFF_MS: '600000',
    CRM_WEBHOOK_MAX_BACKOFF_MS: '3600000',
    CRM_JOB_POLL_MS: '50',
  });

  beforeAll(async () => {
    await rx.start();
    url = (path) => `http://127.0.0.1:${rx.port}${path}`;
    srv = await startServer({ env: env() });
    w = await setupWorld(srv, { extraUsers: false });
    for (const role of ['rm', 'compliance']) await w.c.security.api.admin.updateRole(role, { platform: ['process.start', 'webhooks.manage'] });
  }, 120_000);

  afterAll(async () => {
    await srv?.stop();
    await rx.stop();
  });

  it('needs the platform right; refuses targets outside the allow-list, bad events and bad filters (400)', async () => {
    expect((await refused(w.c.analyst.api.webhooks.list())).status).toBe(403);
    expect((await refused(w.c.analyst.api.webhooks.create({ url: url('/x'), events: ['record.created:client'] }))).status).toBe(403);
    const outside = await refused(w.c.rm.api.webhooks.create({ url: 'https://evil.example/hook', events: ['record.created:client'] }));
    expect(outside).toMatchObject({ status: 400, code: 'webhooks.url_not_allowed' });
    // Same host, another port: another origin.
    expect((await refused(w.c.rm.api.webhooks.create({ url: `http://127.0.0.1:${rx.port + 1}/x`, events: ['record.created:client'] }))).code).toBe('webhooks.url_not_allowed');
    expect((await refused(w.c.rm.api.webhooks.create({ url: `http://user:pw@127.0.0.1:${rx.port}/x`, events: ['record.created:client'] }))).code).toBe('webhooks.bad_url');
    expect((await refused(w.c.rm.api.webhooks.create({ url: url('/x'), events: ['record.exploded:client'] }))).status).toBe(400);
    expect((await refused(w.c.rm.api.webhooks.create({ url: url('/x'), events: ['record.created:no_such_object'] }))).code).toBe('webhooks.object_not_readable');
    expect((await refused(w.c.rm.api.webhooks.create({ url: url('/x'), events: ['record.created:client'], filter: 'note >' }))).code).toBe('webhooks.bad_filter');
    expect(WebhookCreateBody.safeParse({ url: url('/x'), events: [] }).success).toBe(false);
    expect(await w.c.rm.api.webhooks.list()).toEqual([]);
  });

  it('delivers record created / updated / deleted in order, signed, masked as the owner sees the record', async () => {
    const rmSub = await subscribe('rm', '/rm', ['record.created:client', 'record.updated:client', 'record.deleted:client']);
    const compSub = await subscribe('compliance', '/compliance', ['record.created:client']);
    const created = await w.c.rm.api.records.create('client', { name: '张三', id_number: id17(1), mobile: '13800138000', note: 'first' });
    const id = String(created.id);
    let version = Number(created.version);
    for (const note of ['second', 'third']) version = Number((await w.c.rm.api.records.update('client', id, { note, version })).version);
    await w.c.rm.api.records.delete('client', id);

    const mine = await until(() => rx.at('/rm').length >= 4 && rx.at('/rm'), { what: () => `4 deliveries to /rm, got ${rx.at('/rm').length}` });
    expect(mine.map((g) => g.json.type)).toEqual(['record.created:client', 'record.updated:client', 'record.updated:client', 'record.deleted:client']);
    expect(mine.map((g) => g.json.data.record?.note ?? null)).toEqual(['first', 'second', 'third', null]);
    expect(mine[1].json.data.changed).toEqual(['note']);
    expect(mine[3].json.data).toEqual({ object: 'client', id });
    // The rm sees the ID number and mobile masked and never the hidden rating.
    expect(mine[0].json.data.record.id_number).not.toBe(id17(1));
    expect(String(mine[0].json.data.record.id_number)).toMatch(/\*/);
    expect(mine[0].json.data.record.mobile).not.toBe('13800138000');
    expect(mine[0].json.data.record).not.toHaveProperty('rating');
    expect(mine.map((g) => g.body).join('')).not.toContain(id17(1));
    // Compliance may unmask: its subscription gets the clear value.
    const theirs = await until(() => rx.at('/compliance').length >= 1 && rx.at('/compliance'));
    expect(theirs[0].json.data.record.id_number).toBe(id17(1));
    expect(rx.badSignatures).toEqual([]);
    // Headers are the Standard Webhooks ones; the timestamp is in seconds.
    expect(mine[0].id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(Math.abs(Number(mine[0].timestamp) - Date.now() / 1000)).toBeLessThan(300);
    expect(mine[0].signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);

    const log = await until(async () => {
      const d = await deliveries('rm', rmSub);
      return d.length === 4 && d.every((x) => x.status === 'delivered') && d;
    });
    expect(log.every((d) => d.attempts === 1 && d.lastStatusCode === 200 && d.nextAttemptAt === null)).toBe(true);
    const detail = await w.c.rm.api.webhooks.delivery(rmSub, log[0].messageId);
    expect(detail.attemptLog).toEqual([expect.objectContaining({ statusCode: 200, responseExcerpt: 'ok', error: null })]);
    // The outbox keeps payloads encrypted at rest: no clear ID number in the table.
    const stored = await sql(`SELECT payload FROM crm.webhook_messages WHERE subscription_id = $1`, [compSub]);
    expect(stored.rows.length).toBe(1);
    expect(stored.rows[0].payload).not.toContain(id17(1));
    // Nothing secret in the subscription's answer.
    const sub = WebhookSchema.parse(await w.c.rm.api.webhooks.get(rmSub));
    expect(JSON.stringify(sub)).not.toMatch(/whsec_/);
    await w.c.rm.api.webhooks.delete(rmSub);
    await w.c.compliance.api.webhooks.delete(compSub);
  });

  it('a write that fails after its outbox row was written emits nothing; a write no subscription wants writes no outbox row', async () => {
    const sub = await subscribe('rm', '/rollback', ['record.created:client']);
    // Fails at COMMIT — after the record, its audit entry and its outbox row were written.
    await sql(`CREATE FUNCTION crm_data.test_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.note = 'boom' THEN RAISE EXCEPTION 'boom at commit'; END IF; RETURN NULL; END $$`);
    await sql(`CREATE CONSTRAINT TRIGGER test_boom AFTER INSERT ON crm_data.client DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION crm_data.test_boom()`);
    try {
      const err = await refused(w.c.rm.api.records.create('client', { name: '回滚', note: 'boom' }));
      expect(err.status).toBeGreaterThanOrEqual(400);
      const ok = await w.c.rm.api.records.create('client', { name: '提交', note: 'fine' });
      const got = await until(() => rx.at('/rollback').length >= 1 && rx.at('/rollback'));
      expect(got.map((g) => g.json.data.id)).toEqual([ok.id]);
      expect((await sql(`SELECT count(*)::int AS n FROM crm.webhook_messages WHERE subscription_id = $1`, [sub])).rows[0].n).toBe(1);
      expect((await sql(`SELECT count(*)::int AS n FROM crm_data.client WHERE name = '回滚'`)).rows[0].n).toBe(0);
    } finally {
      await sql(`DROP TRIGGER test_boom ON crm_data.client; DROP FUNCTION crm_data.test_boom()`);
    }
    await w.c.rm.api.webhooks.delete(sub);
    const before = (await sql(`SELECT count(*)::int AS n FROM crm.webhook_messages`)).rows[0].n;
    await w.c.rm.api.records.create('client', { name: '无订阅' });
    expect((await sql(`SELECT count(*)::int AS n FROM crm.webhook_messages`)).rows[0].n).toBe(before);
  });

  it('the FEEL filter runs on the record as the owner sees it: only matching records are sent', async () => {
    const sub = await subscribe('rm', '/filtered', ['record.created:client'], 'note = "vip"');
    await w.c.rm.api.records.create('client', { name: '过滤一', note: 'plain' });
    const vip = await w.c.rm.api.records.create('client', { name: '过滤二', note: 'vip' });
    const got = await until(() => rx.at('/filtered').length >= 1 && rx.at('/filtered'));
    expect(got.map((g) => g.json.data.id)).toEqual([vip.id]);
    expect((await deliveries('rm', sub)).length).toBe(1);
    await w.c.rm.api.webhooks.delete(sub);
  });

  it('process and task events arrive (written in the step statement itself)', async () => {
    const key = 'wh_proc';
    expect(await w.c.analyst.api.processes.deploy({ bpmnXml: chain(key, ['<bpmn:startEvent id="s"/>', '<bpmn:userTask id="work" crm:candidateGroups="rm"/>', '<bpmn:endEvent id="e"/>']) })).toMatchObject({ key });
    const sub = await subscribe('rm', '/proc', [`process.started:${key}`, `task.created:${key}`, `task.completed:${key}`, `process.completed:${key}`]);
    // A process event's filter runs on its data: this one never matches.
    const none = await subscribe('rm', '/proc-filtered', [`process.started:${key}`], 'processKey = "another_process"');
    const started = await w.c.rm.api.processes.start(key);
    const task = await until(async () => (await w.c.rm.api.tasks.list('all')).items.find((t) => t.processInstanceId === started.id));
    await w.c.rm.api.tasks.complete(task.id);
    const got = await until(() => rx.at('/proc').length >= 4 && rx.at('/proc'), { what: () => `4 process events, got ${rx.at('/proc').map((g) => g.json.type)}` });
    expect(got.map((g) => g.json.type).sort()).toEqual([`process.completed:${key}`, `process.started:${key}`, `task.completed:${key}`, `task.created:${key}`]);
    expect(got.every((g) => g.json.data.instanceId === started.id)).toBe(true);
    // The completion came after the start and the task's creation.
    const idx = (t: string) => got.findIndex((g) => g.json.type === `${t}:${key}`);
    expect(idx('process.completed')).toBeGreaterThan(idx('task.created'));
    expect(idx('task.completed')).toBeGreaterThan(idx('process.started'));
    expect(rx.badSignatures).toEqual([]);
    expect(await until(async () => (await deliveries('rm', none)).find((x) => x.status === 'filtered'))).toMatchObject({ attempts: 0, nextAttemptAt: null });
    expect(rx.at('/proc-filtered')).toEqual([]);
    await w.c.rm.api.webhooks.delete(sub);
    await w.c.rm.api.webhooks.delete(none);
  });

  it('retries a 500 with growing back-off and jitter, records every attempt, keeps later messages of the record waiting', async () => {
    rx.statusOf.set('/flaky', 500);
    const sub = await subscribe('rm', '/flaky', ['record.created:client', 'record.updated:client']);
    const rec = await w.c.rm.api.records.create('client', { name: '重试' });
    await w.c.rm.api.records.update('client', String(rec.id), { note: 'later', version: Number(rec.version) });
    const gaps: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const d = await until(async () => (await deliveries('rm', sub)).find((x) => x.event === 'record.created:client' && x.attempts === attempt && x.nextAttemptAt));
      const last = await sql(`SELECT max(at) AS at FROM crm.webhook_attempts WHERE message_id = $1`, [d.messageId]);
      gaps.push(Date.parse(d.nextAttemptAt!) - new Date(last.rows[0].at).getTime());
      // The update of the same record waits behind it: not attempted while the creation is pending.
      expect(rx.at('/flaky').filter((g) => g.json.type === 'record.updated:client')).toEqual([]);
      if (attempt < 3) await driveClock(sub);
    }
    // CRM_WEBHOOK_BACKOFF_MS = 600000: the n-th delay is in [base·2^(n−1)/2, base·2^(n−1)].
    expect(gaps[0]).toBeGreaterThanOrEqual(300_000);
    expect(gaps[0]).toBeLessThanOrEqual(600_000);
    expect(gaps[1]).toBeGreaterThanOrEqual(600_000);
    expect(gaps[1]).toBeLessThanOrEqual(1_200_000);
    expect(gaps[2]).toBeGreaterThanOrEqual(1_200_000);
    expect(gaps[2]).toBeLessThanOrEqual(2_400_000);
    rx.statusOf.set('/flaky', 200);
    await driveClock(sub);
    const done = await until(async () => {
      const d = await deliveries('rm', sub);
      return d.length === 2 && d.every((x) => x.status === 'delivered') && d;
    });
    const created = done.find((x) => x.event === 'record.created:client')!;
    expect(created.attempts).toBe(4);
    const detail = await w.c.rm.api.webhooks.delivery(sub, created.messageId);
    expect(detail.attemptLog.map((a) => a.statusCode)).toEqual([500, 500, 500, 200]);
    for (const a of detail.attemptLog) expect(a.latencyMs).toBeGreaterThanOrEqual(0);
    expect(detail.attemptLog[0].responseExcerpt!.length).toBeLessThanOrEqual(1024);
    expect(detail.attemptLog[0].responseExcerpt).toMatch(/^failure 500/);
    const order = rx.at('/flaky').filter((g) => g.json.data.id === rec.id).map((g) => g.json.type);
    expect(order.at(-1)).toBe('record.updated:client');
    expect(order.indexOf('record.updated:client')).toBe(order.length - 1);
    await w.c.rm.api.webhooks.delete(sub);
  });

  it('a 410 disables the endpoint at once; enabling it again resumes delivery', async () => {
    rx.statusOf.set('/gone', 410);
    const sub = await subscribe('rm', '/gone', ['record.created:client']);
    await w.c.rm.api.records.create('client', { name: '已删除端点' });
    const hook = await until(async () => {
      const h = await w.c.rm.api.webhooks.get(sub);
      return h.status === 'disabled' && h;
    });
    expect(hook.disabledReason).toMatch(/410/);
    const d = await deliveries('rm', sub);
    expect(d).toEqual([expect.objectContaining({ status: 'failed', attempts: 1, lastStatusCode: 410, nextAttemptAt: null })]);
    // Disabled: new events are not written.
    await w.c.rm.api.records.create('client', { name: '停用后' });
    expect((await deliveries('rm', sub)).length).toBe(1);
    rx.statusOf.set('/gone', 200);
    expect((await w.c.rm.api.webhooks.enable(sub)).status).toBe('active');
    await w.c.rm.api.records.create('client', { name: '恢复后' });
    await until(async () => (await deliveries('rm', sub)).some((x) => x.status === 'delivered'));
    await w.c.rm.api.webhooks.delete(sub);
  });

  it('an endpoint failing for days is disabled', async () => {
    rx.statusOf.set('/days', 503);
    const sub = await subscribe('rm', '/days', ['record.created:client']);
    await w.c.rm.api.records.create('client', { name: '长期失败' });
    await until(async () => (await deliveries('rm', sub)).some((x) => x.attempts === 1));
    // Its first failure was 6 days ago (CRM_WEBHOOK_DISABLE_AFTER_DAYS defaults to 5).
    await sql(`UPDATE crm.webhook_subscriptions SET failing_since = now() - interval '6 days' WHERE id = $1`, [sub]);
    await driveClock(sub);
    const hook = await until(async () => {
      const h = await w.c.rm.api.webhooks.get(sub);
      return h.status === 'disabled' && h;
    });
    expect(hook.disabledReason).toMatch(/no successful delivery since/);
    expect(await deliveries('rm', sub)).toEqual([expect.objectContaining({ status: 'failed', attempts: 2, lastStatusCode: 503 })]);
    await w.c.rm.api.webhooks.delete(sub);
  });

  it('replays one message and a time range', async () => {
    const sub = await subscribe('rm', '/replay', ['record.created:client']);
    for (const name of ['重放一', '重放二', '重放三']) await w.c.rm.api.records.create('client', { name });
    const d = await until(async () => {
      const x = await deliveries('rm', sub);
      return x.length === 3 && x.every((m) => m.status === 'delivered') && x;
    });
    const one = d[2].messageId;
    expect(await w.c.rm.api.webhooks.replay(sub, { messageId: one })).toEqual({ replayed: 1 });
    await until(() => rx.at('/replay').filter((g) => g.id === one).length === 2);
    expect((await refused(w.c.rm.api.webhooks.replay(sub, { messageId: 'msg_nope' }))).status).toBe(404);
    expect((await refused(w.c.rm.api.webhooks.replay(sub, {}))).status).toBe(400);
    const from = new Date(Date.now() - 60_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const before = rx.at('/replay').length;
    expect(await w.c.rm.api.webhooks.replay(sub, { from, to })).toEqual({ replayed: 3 });
    await until(() => rx.at('/replay').length === before + 3);
    expect(await w.c.rm.api.webhooks.replay(sub, { from: new Date(Date.now() - 7200_000).toISOString(), to: new Date(Date.now() - 3600_000).toISOString() })).toEqual({ replayed: 0 });
    expect(rx.badSignatures).toEqual([]);
    await w.c.rm.api.webhooks.delete(sub);
  });

  it('refuses at delivery an allowed name that resolves to an internal address, and never leaks it to the receiver', async () => {
    const r = await w.c.rm.api.webhooks.create({ url: `http://localhost:${rx.port}/private`, events: ['record.created:client'] });
    await w.c.rm.api.records.create('client', { name: '内网' });
    const d = await until(async () => (await deliveries('rm', r.id)).find((x) => x.attempts >= 1));
    expect(d.lastStatusCode).toBeNull();
    const detail = await w.c.rm.api.webhooks.delivery(r.id, d.messageId);
    expect(detail.attemptLog[0].error).toMatch(/target refused/);
    expect(rx.at('/private')).toEqual([]);
    await w.c.rm.api.webhooks.delete(r.id);
  });

  it('a subscription is its owner\'s: another holder of the right sees neither it nor its deliveries', async () => {
    const sub = await subscribe('rm', '/own', ['record.created:client']);
    expect((await w.c.compliance.api.webhooks.list()).map((h: Webhook) => h.id)).not.toContain(sub);
    expect((await refused(w.c.compliance.api.webhooks.deliveries(sub))).status).toBe(404);
    expect((await refused(w.c.compliance.api.webhooks.get(sub))).status).toBe(404);
    expect((await refused(w.c.compliance.api.webhooks.replay(sub, { from: new Date(0).toISOString() }))).status).toBe(404);
    expect((await refused(w.c.admin.api.webhooks.deliveries(sub))).status).toBe(403);
    await w.c.rm.api.webhooks.delete(sub);
  });

  it('rotates the secret: both keys sign during the grace period', async () => {
    const sub = await subscribe('rm', '/rotate', ['record.created:client']);
    const old = rx.secrets.get('/rotate')!;
    const fresh = await w.c.rm.api.webhooks.rotate(sub, { graceSeconds: 3600 });
    expect(fresh.secret).not.toBe(old);
    rx.secrets.set('/rotate', fresh.secret);
    await w.c.rm.api.records.create('client', { name: '轮换' });
    const got = await until(() => rx.at('/rotate').length >= 1 && rx.at('/rotate'));
    expect(got[0].signature.split(' ')).toHaveLength(2);
    const headers = { 'webhook-id': got[0].id, 'webhook-timestamp': got[0].timestamp, 'webhook-signature': got[0].signature };
    expect(() => new StandardWebhook(old).verify(got[0].body, headers)).not.toThrow();
    expect(() => new StandardWebhook(fresh.secret).verify(got[0].body, headers)).not.toThrow();
    expect(rx.badSignatures).toEqual([]);
    await w.c.rm.api.webhooks.delete(sub);
  });

  it('housekeeping removes finished messages past CRM_RETENTION_WEBHOOK_DAYS with their attempts, never pending ones', async () => {
    rx.statusOf.set('/retention-pending', 500);
    const done = await subscribe('rm', '/retention', ['record.created:client']);
    const pending = await subscribe('compliance', '/retention-pending', ['record.created:client']);
    await w.c.rm.api.records.create('client', { name: '保留期' });
    await until(async () => (await deliveries('rm', done)).some((x) => x.status === 'delivered') && (await deliveries('compliance', pending)).some((x) => x.attempts >= 1));
    await sql(`UPDATE crm.webhook_messages SET finished_at = now() - interval '31 days', created_at = now() - interval '31 days' WHERE subscription_id = ANY($1::uuid[])`, [[done, pending]]);
    const r = await w.c.admin.api.admin.runHousekeeping();
    expect(r.deleted.webhook_deliveries).toBe(1);
    expect(await deliveries('rm', done)).toEqual([]);
    expect((await deliveries('compliance', pending)).map((x) => x.status)).toEqual(['pending']);
    expect((await sql(`SELECT count(*)::int AS n FROM crm.webhook_attempts a LEFT JOIN crm.webhook_messages m ON m.id = a.message_id WHERE m.id IS NULL`)).rows[0].n).toBe(0);
    await w.c.rm.api.webhooks.delete(done);
    await w.c.compliance.api.webhooks.delete(pending);
  });

  it('two server processes deliver each message exactly once', async () => {
    const second = await startServer({ dbUrl: srv.dbUrl, env: env() });
    try {
      const sub = await subscribe('rm', '/two', ['record.created:client']);
      // Both processes' caches hear of the new subscription through the change feed.
      const other = client(second.baseUrl, w.tokens.rm);
      const n = 24;
      await Promise.all(Array.from({ length: n }, (_, i) => (i % 2 ? w.c.rm : other).api.records.create('client', { name: `双进程${i}` })));
      await until(async () => {
        const d = await deliveries('rm', sub);
        return d.length === n && d.every((x) => x.status === 'delivered') && d;
      }, { ms: 30_000 });
      const ids = rx.at('/two').map((g) => g.id);
      expect(ids).toHaveLength(n);
      expect(new Set(ids).size).toBe(n);
      const attempts = await sql(`SELECT count(*)::int AS n FROM crm.webhook_attempts a JOIN crm.webhook_messages m ON m.id = a.message_id WHERE m.subscription_id = $1`, [sub]);
      expect(attempts.rows[0].n).toBe(n);
      const owners = await sql(`SELECT count(DISTINCT lease_owner)::int AS n FROM crm.webhook_messages WHERE subscription_id = $1`, [sub]);
      expect(owners.rows[0].n).toBe(0); // leases released after each attempt
      await w.c.rm.api.webhooks.delete(sub);
    } finally {
      await second.stop({ keepDatabase: true });
    }
  }, 90_000);
});
