/**
 * The engine's conformance scripts (engine-specs/bpmn) replayed through the server's persistence:
 * each model is deployed, started and driven step by step through the runtime service on a real
 * PostgreSQL, and after every step the runtime tables (tasks, jobs, subscriptions, incidents) must
 * mirror the engine's waits. The persisted history must equal the expected trace.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { activeActivities, openTasks, variablesOf, WorkflowEventError, type InstanceState, type WorkflowEvent } from '@crm/workflow-engine';
import type { DataSource } from 'typeorm';
import { createDataSource, initialiseDatabase, poolOf } from '../database/data-source.js';
import { Db } from '../database/db.js';
import { AuditService } from '../audit/audit.service.js';
import type { AppConfig } from '../config/config.js';
import type { Principal } from '../auth/principal.js';
import { DefinitionsService } from './definitions.service.js';
import { WorkflowRuntime, type StepCtx } from './runtime.service.js';
import type { InstanceRow, TaskRow } from './workflow.repository.js';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), '../../../../engine-specs/bpmn');
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.script.json'))
  .map((f) => f.slice(0, -'.script.json'.length))
  .sort();

 
type Any = any;

function subset(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== 'object') return JSON.stringify(actual) === JSON.stringify(expected);
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => subset(actual[i], e));
  if (actual === null || typeof actual !== 'object') return false;
  return Object.entries(expected).every(([k, v]) => subset((actual as Record<string, unknown>)[k], v));
}

/** A fresh database on the test PostgreSQL of the run (TEST_DATABASE_URL, set by the global setup). */
async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
async function createTestDatabase(): Promise<string> {
  const name = `wfspec_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const u = new URL(process.env.TEST_DATABASE_URL!);
  u.pathname = `/${name}`;
  return u.toString();
}
const dropTestDatabase = (url: string) => adminQuery(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);

const seqOf = (id: string) => Number(id.slice(id.lastIndexOf(':') + 1));

let url: string;
let ds: DataSource;
let db: Db;
let defs: DefinitionsService;
let runtime: WorkflowRuntime;
let designer: Principal;

beforeAll(async () => {
  url = await createTestDatabase();
  ds = createDataSource({ url, poolSize: 4 });
  await initialiseDatabase(ds);
  db = new Db(poolOf(ds));
  const audit = new AuditService(db, { crypto: 'aes', dataKey: Buffer.alloc(32, 7) } as AppConfig);
  defs = new DefinitionsService(db, audit);
  runtime = new WorkflowRuntime(db, defs, pino({ level: 'silent' }));
  const u = await db.one<{ id: string }>(`INSERT INTO crm.users (username, password_hash, roles) VALUES ('spec', 'x', '{}') RETURNING id`);
  designer = { id: u!.id, username: 'spec', displayName: null, roles: [], orgUnitId: null, via: 'token' };
});

afterAll(async () => {
  await ds?.destroy();
  if (url) await dropTestDatabase(url);
});

async function reset(): Promise<void> {
  await db.query(`TRUNCATE crm.wf_history, crm.wf_incidents, crm.wf_jobs, crm.wf_subscriptions, crm.wf_tasks, crm.wf_instances, crm.wf_definitions, crm.wf_decisions CASCADE`);
  defs.forgetDeployed();
}

/** A called process for the call activities of a model: it waits in a user task (the script completes the call itself). */
const stub = (key: string) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="stub" targetNamespace="urn:test">
  <bpmn:process id="${key}" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:userTask id="w"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="w"/></bpmn:process>
</bpmn:definitions>`;

async function load(id: string): Promise<InstanceRow> {
  return (await db.one<InstanceRow>('SELECT * FROM crm.wf_instances WHERE id = $1', [id]))!;
}

/** The runtime rows must mirror the engine's waits exactly. */
async function checkMirror(label: string, row: InstanceRow, failures: string[]): Promise<void> {
  const s = row.state;
  const waits = Object.values(s.waits);
  const want = (kind: string) => waits.filter((w) => w.kind === kind).map((w) => w.id).sort();
  const tasks = (await db.query<{ id: string }>(`SELECT id FROM crm.wf_tasks WHERE instance_id = $1 AND status = 'open'`, [row.id])).map((r) => r.id).sort();
  const timers = (await db.query<{ id: string }>(`SELECT id FROM crm.wf_jobs WHERE instance_id = $1 AND kind = 'timer'`, [row.id])).map((r) => r.id).sort();
  const jobs = (await db.query<{ id: string }>(`SELECT id FROM crm.wf_jobs WHERE instance_id = $1 AND kind = 'service'`, [row.id])).map((r) => r.id).sort();
  const subs = (await db.query<{ id: string; kind: string }>(`SELECT id, kind FROM crm.wf_subscriptions WHERE instance_id = $1`, [row.id]));
  const incidents = (await db.query<{ id: string }>(`SELECT id FROM crm.wf_incidents WHERE instance_id = $1 AND resolved_at IS NULL`, [row.id])).map((r) => r.id).sort();
  const pairs: [string, string[], string[]][] = [
    ['tasks', tasks, want('task')],
    ['timers', timers, want('timer')],
    ['service jobs', jobs, want('job')],
    ['message subscriptions', subs.filter((x) => x.kind === 'message').map((x) => x.id).sort(), want('message')],
    ['signal subscriptions', subs.filter((x) => x.kind === 'signal').map((x) => x.id).sort(), want('signal')],
    ['incidents', incidents, Object.keys(s.incidents).sort()],
  ];
  for (const [what, got, exp] of pairs) {
    if (JSON.stringify(got) !== JSON.stringify(exp)) failures.push(`${label}: persisted ${what} ${JSON.stringify(got)} but the engine waits for ${JSON.stringify(exp)}`);
  }
  if (row.status !== s.status && !(row.status === 'incident' && s.status === 'active')) failures.push(`${label}: row status ${row.status}, state ${s.status}`);
}

async function check(label: string, e: Any, row: InstanceRow, failures: string[]): Promise<void> {
  const state: InstanceState = row.state;
  if (e.state && state.status !== e.state) failures.push(`${label}: state ${state.status}, expected ${e.state}`);
  if (e.activeActivities) {
    const got = activeActivities(state).sort();
    const want = [...e.activeActivities].sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${label}: active ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
  const vars = variablesOf(state);
  for (const [k, v] of Object.entries(e.variables ?? {})) if (!subset(vars[k], v)) failures.push(`${label}: variable ${k} = ${JSON.stringify(vars[k])}, expected ${JSON.stringify(v)}`);
  for (const k of e.absentVariables ?? []) if (k in vars) failures.push(`${label}: variable ${k} should not exist`);
  if (e.tasks) {
    const rows = await db.query<TaskRow>(`SELECT * FROM crm.wf_tasks WHERE instance_id = $1 AND status = 'open'`, [row.id]);
    rows.sort((a, b) => seqOf(a.id) - seqOf(b.id));
    const got = rows.map((t) => ({
      activityId: t.activity_id,
      ...(t.name ? { name: t.name } : {}),
      ...(t.assignee ? { assignee: t.assignee } : {}),
      candidateGroups: t.candidate_groups,
      candidateOrgUnits: t.candidate_org_units,
      excludeUsers: t.exclude_users,
      ...(t.form_key ? { formKey: t.form_key } : {}),
      ...(t.due_at ? { dueAt: t.due_at.toISOString() } : {}),
    }));
    const expected = (e.tasks as Any[]).map(({ taskId: _t, ...rest }) => rest);
    if (got.length !== expected.length || !expected.every((t, i) => subset(got[i], t))) failures.push(`${label}: persisted tasks ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
    if (openTasks(state).length !== got.length) failures.push(`${label}: engine has ${openTasks(state).length} tasks, table ${got.length}`);
  }
}

async function replay(name: string): Promise<string[]> {
  await reset();
  const script = JSON.parse(readFileSync(join(dir, `${name}.script.json`), 'utf8')) as Any;
  const failures: string[] = [];
  for (const f of script.decisions ?? []) await defs.deployDecision(designer, readFileSync(join(dir, f), 'utf8'));
  const xml = readFileSync(join(dir, `${name}.bpmn`), 'utf8');
  for (const [, key] of xml.matchAll(/calledElement="([A-Za-z0-9_.-]+)"/g)) await defs.deploy(designer, { bpmnXml: stub(key!) });
  const dep = await defs.deploy(designer, { bpmnXml: xml });
  let now: string = script.now ?? '2026-01-05T09:00:00.000Z';
  const def = (await defs.latest(db.pool, dep.key))!;
  const started = await runtime.tx(
    (ctx) =>
      runtime.start(ctx, def, {
        initiator: script.initiator ?? 'initiator',
        ...(script.variables ? { variables: script.variables } : {}),
        ...(script.businessKey ? { businessKey: script.businessKey } : {}),
        ...(script.startEventId ? { startEventId: script.startEventId } : {}),
      }),
    now,
  );
  const id = started.id;
  let row = await load(id);
  if (script.expectAfterStart) await check('start', script.expectAfterStart, row, failures);
  await checkMirror('start', row, failures);

  const onRow = <T>(fn: (ctx: StepCtx, r: InstanceRow) => Promise<T>, at = now) => runtime.tx(async (ctx) => fn(ctx, await runtime.lock(ctx, id)), at);
  const jobOf = async (kind: string, activityId: string) => {
    const j = await db.one<{ id: string; due_at: Date }>(`SELECT id, due_at FROM crm.wf_jobs WHERE instance_id = $1 AND kind = $2 AND activity_id = $3 ORDER BY due_at, id LIMIT 1`, [id, kind, activityId]);
    if (!j) throw new WorkflowEventError('NOT_FOUND', `no ${kind} job at ${activityId}`);
    return j;
  };

  for (const [n, s] of (script.steps as Any[]).entries()) {
    const label = `step ${n + 1} (${Object.keys(s).filter((k) => k !== 'at' && k !== 'expect')[0]})`;
    if (s.at) now = s.at;
    const before = await load(id);
    try {
      if (s.completeTask) {
        const t = await db.one<{ id: string; assignee: string | null }>(`SELECT id, assignee FROM crm.wf_tasks WHERE instance_id = $1 AND activity_id = $2 AND status = 'open' ORDER BY created_at LIMIT 1`, [id, s.completeTask.activityId]);
        if (!t) throw new WorkflowEventError('NOT_FOUND', `no open task ${s.completeTask.activityId}`);
        await onRow((ctx, r) => runtime.completeTask(ctx, r, t, s.completeTask.by, s.completeTask.variables));
      } else if (s.timer) {
        const j = await jobOf('timer', s.timer.activityId);
        if (!s.at) now = j.due_at.toISOString();
        await onRow(async (ctx, r) => {
          await ctx.client.query('DELETE FROM crm.wf_jobs WHERE id = $1', [j.id]);
          const { handleEvent } = await import('@crm/workflow-engine');
          return runtime.advance(ctx, r, (m, st, o) => handleEvent(m, st, { type: 'timer', timerId: j.id }, o));
        });
      } else if (s.message) {
        const n2 = await runtime.tx((ctx) => runtime.correlateMessage(ctx, s.message.name, s.message.correlationKey ?? null, s.message.variables, 'system'), now);
        if (!n2) throw new WorkflowEventError('NOT_FOUND', `no subscription for ${s.message.name}`);
      } else if (s.signal) {
        const n2 = await runtime.tx((ctx) => runtime.broadcastSignal(ctx, s.signal.name, s.signal.variables, 'system'), now);
        if (!n2) throw new WorkflowEventError('NOT_FOUND', `no subscription for ${s.signal.name}`);
      } else if (s.serviceCompleted || s.serviceFailed) {
        const spec = s.serviceCompleted ?? s.serviceFailed;
        const j = await jobOf('service', spec.activityId);
        const event: WorkflowEvent = s.serviceCompleted
          ? { type: 'serviceCompleted', jobId: j.id, ...(spec.result ? { result: spec.result } : {}) }
          : { type: 'serviceFailed', jobId: j.id, message: spec.message, ...(spec.errorCode ? { errorCode: spec.errorCode } : {}) };
        await onRow(async (ctx, r) => {
          await ctx.client.query('DELETE FROM crm.wf_jobs WHERE id = $1', [j.id]);
          const { handleEvent } = await import('@crm/workflow-engine');
          return runtime.advance(ctx, r, (m, st, o) => handleEvent(m, st, event, o));
        });
      } else if (s.callCompleted) {
        const w = Object.values(before.state.waits).find((x) => x.kind === 'call' && x.elementId === s.callCompleted.activityId);
        if (!w) throw new WorkflowEventError('NOT_FOUND', `no call at ${s.callCompleted.activityId}`);
        await runtime.applyEvent(id, { type: 'callCompleted', callId: w.id, ...(s.callCompleted.variables ? { variables: s.callCompleted.variables } : {}) }, now);
      } else if (s.cancel) {
        // The runtime answers an ended instance with 409; the script wants the engine's own refusal.
        if (before.status === 'completed' || before.status === 'terminated') await runtime.applyEvent(id, { type: 'cancel' }, now);
        else await runtime.tx((ctx) => runtime.cancel(ctx, id), now);
      } else if (s.setVariables) {
        await runtime.tx((ctx) => runtime.setVariables(ctx, id, s.setVariables), now);
      } else if (s.retryIncident) {
        const inc = await db.one<{ id: string }>(`SELECT id FROM crm.wf_incidents WHERE instance_id = $1 AND activity_id = $2 AND resolved_at IS NULL LIMIT 1`, [id, s.retryIncident.activityId]);
        if (!inc) throw new WorkflowEventError('NOT_FOUND', `no incident at ${s.retryIncident.activityId}`);
        await runtime.tx((ctx) => runtime.retryIncident(ctx, inc.id, 'admin'), now);
      } else if (s.event) {
        // Raw events name generated ids of instance "pi-1".
        const event = JSON.parse(JSON.stringify(s.event).replaceAll('"pi-1:', `"${id}:`)) as WorkflowEvent;
        await runtime.applyEvent(id, event, now);
      } else {
        failures.push(`${label}: unknown step`);
        continue;
      }
      if (s.expect?.error) failures.push(`${label}: expected error ${s.expect.error}, but the step succeeded`);
    } catch (err) {
      if (!(err instanceof WorkflowEventError)) throw err;
      if (s.expect?.error !== err.code) failures.push(`${label}: ${err.code} ${err.message}`);
      const after = await load(id);
      if (after.rev !== before.rev) failures.push(`${label}: a refused event changed the stored instance`);
      continue;
    }
    row = await load(id);
    if (s.expect) await check(label, s.expect, row, failures);
    await checkMirror(label, row, failures);
  }

  const trace = (await db.query<{ activity_id: string; event: string }>('SELECT activity_id, event FROM crm.wf_history WHERE instance_id = $1 ORDER BY seq', [id])).map(
    (t) => `${t.activity_id}:${t.event}`,
  );
  if (JSON.stringify(trace) !== JSON.stringify(script.expectedTrace)) {
    failures.push(`persisted trace differs:\n  expected ${JSON.stringify(script.expectedTrace)}\n  got      ${JSON.stringify(trace)}`);
  }
  row = await load(id);
  if (row.state.status !== script.expectedEnd) failures.push(`ended ${row.state.status}, expected ${script.expectedEnd}`);
  return failures;
}

describe('engine-specs/bpmn replayed through persistence', () => {
  it('has the conformance models', () => {
    expect(names.length).toBeGreaterThanOrEqual(30);
  });
  for (const name of names) {
    it(name, async () => {
      expect(await replay(name)).toEqual([]);
    });
  }
});
