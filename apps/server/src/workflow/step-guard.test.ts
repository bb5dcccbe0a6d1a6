/**
 * The optimistic check of a step's one statement, against a real PostgreSQL: a write computed from a
 * rev the row no longer has, or completing a task someone claimed meanwhile, raises CRW01 and leaves
 * every table exactly as it was — instance, history, tasks, jobs, subscriptions and audit; the same
 * write from the current rev applies all of it and bumps rev.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { InstanceState } from '@crm/workflow-engine';
import { Db } from '../database/db.js';
import { scratchDatabase } from '../database/scratch-database.test-util.js';
import { auditRow } from '../audit/audit-writer.js';
import { emptyWrite, writeStep, writeSteps, type StepWrite } from './workflow.repository.js';
import { STEP_CONFLICT } from './runtime.service.js';

let drop: (() => Promise<void>) | undefined;
let db: Db;
let definitionId: string;
let instanceId: string;
const NOW = '2026-06-30T12:00:00.000Z';
const STATE = { status: 'active', marker: 'before' } as unknown as InstanceState;

beforeAll(async () => {
  ({ db, drop } = await scratchDatabase('stepguard'));
  const def = await db.one<{ id: string }>(`INSERT INTO crm.wf_definitions (key, version, xml, model) VALUES ('p', 1, '<x/>', '{}') RETURNING id`);
  definitionId = def!.id;
});

afterAll(async () => {
  await drop?.();
});

beforeEach(async () => {
  await db.query(`TRUNCATE crm.wf_history, crm.wf_tasks, crm.wf_jobs, crm.wf_subscriptions, crm.wf_instances CASCADE`);
  instanceId = randomUUID();
  await db.query(
    `INSERT INTO crm.wf_instances (id, definition_id, definition_key, version, status, state, rev, started_at, updated_at) VALUES ($1, $2, 'p', 1, 'active', $3, 7, $4, $4)`,
    [instanceId, definitionId, JSON.stringify(STATE), NOW],
  );
  await db.query(
    `INSERT INTO crm.wf_tasks (id, instance_id, definition_key, activity_id, assignee, created_at, status) VALUES ('t1', $1, 'p', 'review', NULL, $2, 'open')`,
    [instanceId, NOW],
  );
});

/** A completion of t1 computed from `rev`, writing one of every kind of row. */
function completion(rev: number, assignee: string | null = null): StepWrite {
  const w = emptyWrite({ op: 'update', id: instanceId, state: { ...STATE, marker: 'after' } as unknown as InstanceState, status: 'active', ended: false, rev }, NOW);
  w.closeTasks.push({ id: 't1', status: 'completed', by: 'manager' });
  w.expectTask = { id: 't1', assignee };
  w.history = [{ elementInstanceId: 'e1', activityId: 'review', type: 'userTask', event: 'end', by: 'manager', at: NOW }];
  w.newTasks = [{ t: { taskId: 't2', activityId: 'next', candidateGroups: ['manager'], candidateOrgUnits: [], excludeUsers: [] } as never, definitionKey: 'p', status: 'open' }];
  w.jobUpserts = [{ id: 'j1', kind: 'timer', instanceId, activityId: 'sla', dueAt: NOW, payload: {} }];
  w.subInserts = [{ id: 's1', kind: 'message', name: 'paid', correlationKey: 'k', activityId: 'wait' }];
  w.audit = [auditRow({ action: 'workflow.task_complete', object: 'task', recordId: 't1', actorId: null, actorName: 'manager' })];
  return w;
}

/** Everything the completion would write, as it stands. */
async function snapshot() {
  const one = async (sql: string) => (await db.query(sql, [instanceId]))[0];
  return {
    instance: await one(`SELECT rev, state->>'marker' AS marker FROM crm.wf_instances WHERE id = $1`),
    tasks: await db.query(`SELECT id, status, completed_by FROM crm.wf_tasks WHERE instance_id = $1 ORDER BY id`, [instanceId]),
    history: await one(`SELECT count(*)::int AS n FROM crm.wf_history WHERE instance_id = $1`),
    jobs: await one(`SELECT count(*)::int AS n FROM crm.wf_jobs WHERE instance_id = $1`),
    subs: await one(`SELECT count(*)::int AS n FROM crm.wf_subscriptions WHERE instance_id = $1`),
    audit: (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM crm.audit_log WHERE action = 'workflow.task_complete'`))[0],
  };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (err: { code?: string }) => err.code ?? 'no code',
  );
}

describe('the step guard', () => {
  it('undoes a step computed from a stale rev: nothing of it is written', async () => {
    const before = await snapshot();
    expect(await codeOf(writeStep(db.pool, completion(6)))).toBe(STEP_CONFLICT);
    expect(await snapshot()).toEqual(before);
  });

  it('undoes a completion of a task claimed since it was read', async () => {
    await db.query(`UPDATE crm.wf_tasks SET assignee = 'compliance' WHERE id = 't1'`);
    const before = await snapshot();
    expect(await codeOf(writeStep(db.pool, completion(7, null)))).toBe(STEP_CONFLICT);
    expect(await snapshot()).toEqual(before);
  });

  it('undoes a completion of a task closed since it was read, even at the same rev', async () => {
    await db.query(`UPDATE crm.wf_tasks SET status = 'cancelled' WHERE id = 't1'`);
    const before = await snapshot();
    expect(await codeOf(writeStep(db.pool, completion(7)))).toBe(STEP_CONFLICT);
    expect(await snapshot()).toEqual(before);
  });

  it('applies the step from the current rev: every row, rev + 1; the same write again is refused', async () => {
    expect(await codeOf(writeStep(db.pool, completion(7)))).toBeUndefined();
    const after = await snapshot();
    expect(after).toEqual({
      instance: { rev: 8, marker: 'after' },
      tasks: [{ id: 't1', status: 'completed', completed_by: 'manager' }, { id: 't2', status: 'open', completed_by: null }],
      history: { n: 1 },
      jobs: { n: 1 },
      subs: { n: 1 },
      audit: { n: 1 },
    });
    // A second copy of the same step (a retried request) is the loser of a race with itself.
    expect(await codeOf(writeStep(db.pool, completion(7)))).toBe(STEP_CONFLICT);
    expect(await snapshot()).toEqual(after);
  });

  it('writes the steps of several instances all or none (a signal reaching many)', async () => {
    const other = randomUUID();
    await db.query(
      `INSERT INTO crm.wf_instances (id, definition_id, definition_key, version, status, state, rev, started_at, updated_at) VALUES ($1, $2, 'p', 1, 'active', $3, 3, $4, $4)`,
      [other, definitionId, JSON.stringify(STATE), NOW],
    );
    const move = (rev: number) => {
      const w = emptyWrite({ op: 'update', id: other, state: { ...STATE, marker: 'after' } as unknown as InstanceState, status: 'active', ended: false, rev }, NOW);
      w.history = [{ elementInstanceId: 'e9', activityId: 'go', type: 'intermediateCatchEvent', event: 'end', at: NOW }];
      return w;
    };
    const marker = async () => (await db.query<{ marker: string; rev: number }>(`SELECT state->>'marker' AS marker, rev FROM crm.wf_instances WHERE id = ANY($1::uuid[]) ORDER BY id = $2`, [[instanceId, other], instanceId])).map((r) => `${r.marker}@${r.rev}`);
    const before = await snapshot();
    // The first instance's step is current, the second's stale: neither is written.
    expect(await codeOf(writeSteps(db.pool, [completion(7), move(2)]))).toBe(STEP_CONFLICT);
    expect(await snapshot()).toEqual(before);
    expect(await marker()).toEqual(['before@3', 'before@7']);
    expect(await codeOf(writeSteps(db.pool, [completion(7), move(3)]))).toBeUndefined();
    expect(await marker()).toEqual(['after@4', 'after@8']);
  });

  it('is not fooled by a missing instance row', async () => {
    const w = completion(7);
    (w.instance as { id: string }).id = randomUUID();
    expect(await codeOf(writeStep(db.pool, w))).toBe(STEP_CONFLICT);
  });
});
