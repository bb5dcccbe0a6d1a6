/**
 * The housekeeping pass against a real PostgreSQL with an injected clock: exactly the rows whose
 * end lies strictly before `now − time-to-live` go (one millisecond inside is kept), batch by batch;
 * running instances stay however old; two runners at once never delete a row twice or fail.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { randomUUID } from 'node:crypto';
import { Db } from '../database/db.js';
import { AuditService } from '../audit/audit.service.js';
import type { AppConfig } from '../config/config.js';
import { HousekeepingService } from './housekeeping.service.js';
import { scratchDatabase } from '../database/scratch-database.test-util.js';

const NOW = new Date('2026-06-30T12:00:00.000Z');
const DAY = 86_400_000;
const CUTOFF = NOW.getTime() - 30 * DAY;
const config = { crypto: 'aes', dataKey: Buffer.alloc(32, 9), jobWorkers: false, retention: { processInstances: 30, loginAttempts: 7, idempotencyKeys: 1, webhookDeliveries: 30, intervalMs: 0, batch: 2 } } as AppConfig;

let drop: (() => Promise<void>) | undefined;
let db: Db;
let audit: AuditService;
let definitionId: string;
const service = () => new HousekeepingService(db, config, pino({ level: 'silent' }), audit, () => NOW);

async function instance(status: 'active' | 'completed' | 'terminated', endedAt: number | null, key = 'p'): Promise<string> {
  const id = randomUUID();
  const started = new Date((endedAt ?? NOW.getTime()) - 400 * DAY);
  await db.query(
    `INSERT INTO crm.wf_instances (id, definition_id, definition_key, version, status, state, started_at, updated_at, ended_at)
     VALUES ($1, $2, $3, 1, $4, '{}', $5, $5, $6)`,
    [id, definitionId, key, status, started, endedAt === null ? null : new Date(endedAt)],
  );
  await db.query(`INSERT INTO crm.wf_history (instance_id, element_instance_id, activity_id, type, event, at) VALUES ($1, 'e1', 's', 'startEvent', 'start', $2)`, [id, started]);
  return id;
}

const left = async (ids: string[]) => (await db.query<{ id: string }>(`SELECT id FROM crm.wf_instances WHERE id = ANY($1::uuid[])`, [ids])).map((r) => r.id).sort();

beforeAll(async () => {
  ({ db, drop } = await scratchDatabase('hk'));
  audit = new AuditService(db, config);
  const def = await db.one<{ id: string }>(`INSERT INTO crm.wf_definitions (key, version, xml, model) VALUES ('p', 1, '<x/>', '{}') RETURNING id`);
  definitionId = def!.id;
});

afterAll(async () => {
  await drop?.();
});

beforeEach(async () => {
  await db.query(`TRUNCATE crm.wf_history, crm.wf_instances, crm.login_attempts, crm.retention_policies, crm.idempotency_keys CASCADE`);
});

describe('housekeeping with an injected clock', () => {
  it('deletes exactly what ended before now minus the time-to-live, with its history', async () => {
    const past = [await instance('completed', CUTOFF - 1), await instance('terminated', CUTOFF - DAY), await instance('completed', CUTOFF - 2 * DAY)];
    const kept = [await instance('completed', CUTOFF), await instance('completed', CUTOFF + 1), await instance('active', null)];
    const r = await service().runOnce();
    expect(r).toEqual({ deleted: { process_instances: 3, idempotency_keys: 0, login_attempts: 0, webhook_deliveries: 0 }, busy: false });
    expect(await left([...past, ...kept])).toEqual([...kept].sort());
    const history = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM crm.wf_history WHERE instance_id = ANY($1::uuid[])`, [past]);
    expect(history[0].n).toBe(0);
    const entry = await db.query(`SELECT actor_name, data FROM crm.audit_log WHERE action = 'housekeeping.purge'`);
    expect(entry.at(-1)).toEqual({ actor_name: 'housekeeping', data: { deleted: { process_instances: 3, idempotency_keys: 0, login_attempts: 0, webhook_deliveries: 0 }, asOf: NOW.toISOString() } });
  });

  it('forgets stored idempotent answers older than their time-to-live (one day by default), at the exact boundary', async () => {
    const ttl = NOW.getTime() - DAY;
    const at = async (key: string, t: number) =>
      db.query(`INSERT INTO crm.idempotency_keys (principal_id, key, fingerprint, status_code, body, created_at) VALUES (gen_random_uuid(), $1, 'f', 201, '{}', $2)`, [key, new Date(t)]);
    await at('old', ttl - 1);
    await at('boundary', ttl);
    await at('new', ttl + 1);
    const r = await service().runOnce();
    expect(r.deleted.idempotency_keys).toBe(1);
    expect((await db.query<{ key: string }>(`SELECT key FROM crm.idempotency_keys ORDER BY key`)).map((x) => x.key)).toEqual(['boundary', 'new']);
  });

  it('uses the `*` policy over the environment default, and a definition policy over both', async () => {
    const a = await instance('completed', NOW.getTime() - 11 * DAY);
    const b = await instance('completed', NOW.getTime() - 11 * DAY, 'q');
    await db.query(`INSERT INTO crm.retention_policies (target, scope, ttl_days) VALUES ('process_instances', '*', 10), ('process_instances', 'q', NULL)`);
    expect((await service().runOnce()).deleted.process_instances).toBe(1);
    expect(await left([a, b])).toEqual([b]);
  });

  it('keeps failed-login counters one millisecond inside their time-to-live and any lock in force', async () => {
    const at = (ms: number) => new Date(ms);
    const ttl = NOW.getTime() - 7 * DAY;
    await db.query(
      `INSERT INTO crm.login_attempts (username, failures, locked_until, updated_at) VALUES
         ('gone', 1, NULL, $1), ('edge', 1, NULL, $2), ('locked', 5, $3, $1), ('lock_over', 5, $4, $1)`,
      [at(ttl - 1), at(ttl), at(NOW.getTime() + 1), at(NOW.getTime())],
    );
    expect((await service().runOnce()).deleted.login_attempts).toBe(2);
    const rows = await db.query<{ username: string }>(`SELECT username FROM crm.login_attempts ORDER BY username`);
    expect(rows.map((r) => r.username)).toEqual(['edge', 'locked']);
  });

  it('two runners at once delete every expired row exactly once', async () => {
    const past: string[] = [];
    for (let i = 0; i < 9; i++) past.push(await instance('completed', CUTOFF - (i + 1) * 1000));
    const kept = await instance('completed', CUTOFF + 1000);
    const results = await Promise.all([service().runOnce(), service().runOnce()]);
    const total = results.reduce((n, r) => n + (r.deleted.process_instances ?? 0), 0);
    // A runner that met the other one stopped (busy); what it left is taken by the next pass.
    const rest = await service().runOnce();
    expect(total + rest.deleted.process_instances).toBe(9);
    expect(await left([...past, kept])).toEqual([kept]);
  });
});
