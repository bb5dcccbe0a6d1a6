/**
 * Races on one instance now that a step is one unlocked read and one guarded write (the loser's
 * statement is undone and it runs again locked): a task completed twice at once has exactly one
 * winner and a 409, with one token going on; two parallel branches completed at once both succeed
 * and the join fires once; a claim racing a completion never lets both through; a message racing a
 * completion moves the instance once; two signals each moving the same instances at once both land;
 * a process completing a task from its step cache is not fooled by what another process did since.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { as, client } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';
import { chain, definitions, LOAN_APPROVAL } from './workflow-bpmn.js';

type Client = ReturnType<typeof client>;

let srv: TestServer;
let analyst: Client, rm: Client, manager: Client, compliance: Client;

/** start → fork → two branch elements → join → `tail` elements → end, chained. */
function forkJoin(id: string, branches: [string, string], tail: string[], extra = ''): string {
  const ids = (xml: string) => /id="([^"]+)"/.exec(xml)![1]!;
  const [a, b] = branches.map(ids) as [string, string];
  const after = ['join', ...tail.map(ids), 'e'];
  const flows = [['s', 'fork'], ['fork', a], ['fork', b], [a, 'join'], [b, 'join'], ...after.slice(1).map((to, k) => [after[k]!, to])]
    .map(([from, to], k) => `<bpmn:sequenceFlow id="f${k}" sourceRef="${from}" targetRef="${to}"/>`);
  return definitions(`<bpmn:process id="${id}" isExecutable="true">
  <bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>${branches.join('')}<bpmn:parallelGateway id="join"/>${tail.join('')}<bpmn:endEvent id="e"/>
  ${flows.join('\n  ')}
</bpmn:process>`, extra);
}

const PARALLEL = forkJoin('twoBranches', ['<bpmn:userTask id="a" crm:candidateGroups="manager"/>', '<bpmn:userTask id="b" crm:candidateGroups="compliance"/>'], [
  '<bpmn:userTask id="after" crm:candidateGroups="manager"/>',
]);

/** A user task that a message can interrupt (boundary event), so the two race for the same token. */
const INTERRUPTIBLE = chain('interruptible', [
  '<bpmn:startEvent id="s" crm:inputs="ref"/>',
  '<bpmn:userTask id="work" crm:candidateGroups="manager"/>',
  '<bpmn:endEvent id="e"/>',
], {
  extra: '<bpmn:message id="m" name="withdrawn" crm:correlationKey="=ref"/>',
});

/** Waits for two signals on parallel branches: two broadcasts at once move the same instances. */
const TWO_SIGNALS = forkJoin('twoSignals', [
  '<bpmn:intermediateCatchEvent id="gotA"><bpmn:signalEventDefinition signalRef="SigA"/></bpmn:intermediateCatchEvent>',
  '<bpmn:intermediateCatchEvent id="gotB"><bpmn:signalEventDefinition signalRef="SigB"/></bpmn:intermediateCatchEvent>',
], [], '<bpmn:signal id="SigA" name="raceA"/><bpmn:signal id="SigB" name="raceB"/>');

beforeAll(async () => {
  srv = await startServer();
  [analyst, rm, manager, compliance] = await Promise.all(['analyst', 'rm', 'manager', 'compliance'].map((u) => as(srv.baseUrl, u)));
  for (const xml of [LOAN_APPROVAL, PARALLEL]) expect((await analyst.post('/api/process-definitions', { bpmnXml: xml })).status).toBe(201);
});

afterAll(async () => {
  await other?.stop({ keepDatabase: true });
  await srv?.stop();
});

/** A second server process on the same database: its changes are invisible to the first's step cache. */
let other: TestServer | undefined;

const db = (fn: (c: any) => Promise<any>): Promise<any> => withClient(srv.dbUrl, fn);

/** Open task rows and engine waits of an instance: what "one token, not lost, not doubled" means here. */
async function tokens(instanceId: string): Promise<{ openTasks: string[]; waits: string[]; state: string }> {
  return db(async (c) => {
    const tasks = await c.query(`SELECT activity_id FROM crm.wf_tasks WHERE instance_id = $1 AND status = 'open' ORDER BY activity_id`, [instanceId]);
    const inst = await c.query(`SELECT status, state FROM crm.wf_instances WHERE id = $1`, [instanceId]);
    const waits = Object.values(inst.rows[0].state.waits as Record<string, { elementId: string }>).map((w) => w.elementId).sort();
    return { openTasks: tasks.rows.map((r: any) => r.activity_id), waits, state: inst.rows[0].status };
  });
}

async function openTask(instanceId: string, activityId: string): Promise<string> {
  const r = await db((c) => c.query(`SELECT id FROM crm.wf_tasks WHERE instance_id = $1 AND activity_id = $2 AND status = 'open'`, [instanceId, activityId]));
  expect(r.rows).toHaveLength(1);
  return r.rows[0].id;
}

async function ends(instanceId: string, activityId: string): Promise<number> {
  const r = await db((c) => c.query(`SELECT count(*)::int AS n FROM crm.wf_history WHERE instance_id = $1 AND activity_id = $2 AND event = 'end'`, [instanceId, activityId]));
  return r.rows[0].n;
}

describe('one task completed twice at once', () => {
  it('has one winner and one 409, one history entry, one completion audited, and exactly one next token', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await rm.post('/api/process-definitions/loanApprovalDemo/start', { variables: { amount: 2000000 } })).body.id);
    const tasks = await Promise.all(ids.map((id) => openTask(id, 'review')));
    // Two different users, and the same user twice (a double click), all at once.
    const results = await Promise.all(tasks.flatMap((t, i) => (i % 2 ? [manager, compliance] : [manager, manager]).map((u) => u.post(`/api/tasks/${t}/complete`, { variables: { decision: `by-${i}` } }))));
    for (let i = 0; i < tasks.length; i++) {
      const pair = [results[2 * i]!, results[2 * i + 1]!];
      expect(pair.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(pair.find((r) => r.status === 409)!.body.error.code).toBe('workflow.task_done');
      const winner = pair.find((r) => r.status === 200)!;
      // The answer's next tasks are the stored ones: one second approval, nobody else's token.
      expect(winner.body.tasks.map((t: any) => t.activityId)).toEqual(['second']);
      expect(await tokens(ids[i]!)).toEqual({ openTasks: ['second'], waits: ['second'], state: 'active' });
      expect(await ends(ids[i]!, 'review')).toBe(1);
    }
    const audited = await db((c) => c.query(`SELECT count(*)::int AS n, count(DISTINCT record_id)::int AS tasks FROM crm.audit_log WHERE action = 'workflow.task_complete' AND record_id = ANY($1)`, [tasks]));
    expect(audited.rows[0]).toEqual({ n: 8, tasks: 8 });
    const completedBy = await db((c) => c.query(`SELECT count(*)::int AS n FROM crm.wf_tasks WHERE id = ANY($1) AND status = 'completed' AND completed_by IN ('manager', 'compliance')`, [tasks]));
    expect(completedBy.rows[0].n).toBe(8);
  });

  it('keeps four-eyes under the race: the first approver loses a concurrent second approval to another user or is refused', async () => {
    const id = (await rm.post('/api/process-definitions/loanApprovalDemo/start', { variables: { amount: 5000000 } })).body.id;
    expect((await manager.post(`/api/tasks/${await openTask(id, 'review')}/complete`, {})).status).toBe(200);
    const second = await openTask(id, 'second');
    const [m, c] = await Promise.all([manager.post(`/api/tasks/${second}/complete`, {}), compliance.post(`/api/tasks/${second}/complete`, {})]);
    expect(m.status).toBe(403);
    expect(m.body.error.code).toBe('workflow.four_eyes');
    expect(c.status).toBe(200);
    expect(await tokens(id)).toEqual({ openTasks: [], waits: [], state: 'completed' });
  });
});

describe('two branches of one instance completed at once', () => {
  it('both succeed and the join fires once, for every one of many instances', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await rm.post('/api/process-definitions/twoBranches/start', {})).body.id);
    const pairs = await Promise.all(ids.map(async (id) => [await openTask(id, 'a'), await openTask(id, 'b')] as const));
    const results = await Promise.all(pairs.flatMap(([a, b]) => [manager.post(`/api/tasks/${a}/complete`, {}), compliance.post(`/api/tasks/${b}/complete`, {})]));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    for (const id of ids) {
      expect(await tokens(id)).toEqual({ openTasks: ['after'], waits: ['after'], state: 'active' });
      expect([await ends(id, 'a'), await ends(id, 'b'), await ends(id, 'join')]).toEqual([1, 1, 1]);
    }
  });
});

describe('a claim racing a completion', () => {
  it('never lets both through: the task ends claimed-and-open or completed by the completer', async () => {
    for (let i = 0; i < 6; i++) {
      const id = (await rm.post('/api/process-definitions/loanApprovalDemo/start', { variables: { amount: 10 } })).body.id;
      const t = await openTask(id, 'review');
      const [claim, done] = await Promise.all([compliance.post(`/api/tasks/${t}/claim`), manager.post(`/api/tasks/${t}/complete`, {})]);
      const row = (await db((c) => c.query(`SELECT status, assignee, completed_by FROM crm.wf_tasks WHERE id = $1`, [t]))).rows[0];
      if (done.status === 200) {
        expect(claim.status).toBe(409);
        expect(row).toMatchObject({ status: 'completed', completed_by: 'manager' });
        expect(await tokens(id)).toEqual({ openTasks: [], waits: [], state: 'completed' });
      } else {
        expect([claim.status, done.status, done.body.error.code]).toEqual([200, 403, 'workflow.task_not_yours']);
        expect(row).toEqual({ status: 'open', assignee: 'compliance', completed_by: null });
        expect(await tokens(id)).toEqual({ openTasks: ['review'], waits: ['review'], state: 'active' });
      }
    }
  });
});

describe('a claim that waited for the instance lock', () => {
  it('sees the claim committed while it waited: 409, and the first claimant keeps the task', async () => {
    const id = (await rm.post('/api/process-definitions/loanApprovalDemo/start', { variables: { amount: 10 } })).body.id;
    const t = await openTask(id, 'review');
    // Another claim holds the instance's lock and has written its assignee; this claim reads the task
    // before that commits and gets the lock after. Its decision must rest on the committed row.
    const claim = await withClient(srv.dbUrl, async (c) => {
      await c.query('BEGIN');
      await c.query('SELECT 1 FROM crm.wf_instances WHERE id = $1 FOR UPDATE', [id]);
      await c.query(`UPDATE crm.wf_tasks SET assignee = 'manager', claimed_at = now() WHERE id = $1`, [t]);
      const pending = compliance.post(`/api/tasks/${t}/claim`);
      await until(async () => (await db((x) => x.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE OF i%'`))).rows[0].n === 1, { ms: 10_000, everyMs: 20, what: 'the claim waiting for the lock' });
      await c.query('COMMIT');
      return pending;
    });
    expect([claim.status, claim.body.error?.code]).toEqual([409, 'workflow.task_claimed']);
    expect((await db((c) => c.query(`SELECT status, assignee FROM crm.wf_tasks WHERE id = $1`, [t]))).rows[0]).toEqual({ status: 'open', assignee: 'manager' });
  });
});

describe('a message racing a completion of the task it interrupts', () => {
  it('moves the instance exactly once', async () => {
    const xml = INTERRUPTIBLE.replace(
      '<bpmn:endEvent id="e"/>',
      '<bpmn:endEvent id="e"/><bpmn:boundaryEvent id="cancelled" attachedToRef="work"><bpmn:messageEventDefinition messageRef="m"/></bpmn:boundaryEvent><bpmn:endEvent id="e2"/><bpmn:sequenceFlow id="fx" sourceRef="cancelled" targetRef="e2"/>',
    );
    expect((await analyst.post('/api/process-definitions', { bpmnXml: xml })).status).toBe(201);
    for (let i = 0; i < 6; i++) {
      const ref = `ref-${i}`;
      const id = (await rm.post('/api/process-definitions/interruptible/start', { variables: { ref } })).body.id;
      const t = await openTask(id, 'work');
      const [done, msg] = await Promise.all([manager.post(`/api/tasks/${t}/complete`, {}), rm.post('/api/messages', { name: 'withdrawn', correlationKey: ref })]);
      expect(msg.status).toBe(200);
      // Exactly one of them moved the token on; the other found nothing left to move.
      if (done.status === 200) expect(msg.body.correlated).toBe(0);
      else expect([done.status, msg.body.correlated]).toEqual([409, 1]);
      expect(await tokens(id)).toEqual({ openTasks: [], waits: [], state: 'completed' });
      expect((await ends(id, 'e')) + (await ends(id, 'e2'))).toBe(1);
    }
  });
});

describe('two signals moving the same instances at once', () => {
  it('both reach every instance: each catch ends once and every instance completes', async () => {
    expect((await analyst.post('/api/process-definitions', { bpmnXml: TWO_SIGNALS })).status).toBe(201);
    for (let round = 0; round < 3; round++) {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await rm.post('/api/process-definitions/twoSignals/start', {})).body.id);
      const [a, b] = await Promise.all([rm.post('/api/signals', { name: 'raceA' }), rm.post('/api/signals', { name: 'raceB' })]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect([a.body.triggered, b.body.triggered]).toEqual([6, 6]);
      for (const id of ids) {
        expect(await tokens(id)).toEqual({ openTasks: [], waits: [], state: 'completed' });
        expect([await ends(id, 'gotA'), await ends(id, 'gotB'), await ends(id, 'join')]).toEqual([1, 1, 1]);
      }
    }
  });
});

describe('a completion from the step cache after another process moved the instance', () => {
  it('is refused as the database now says, never applied from the stale copy', async () => {
    other = await startServer({ dbUrl: srv.dbUrl });
    const [managerB, complianceB] = await Promise.all([as(other.baseUrl, 'manager'), as(other.baseUrl, 'compliance')]);
    const start = async () => (await rm.post('/api/process-definitions/loanApprovalDemo/start', { variables: { amount: 2000000 } })).body.id as string;

    // Claimed on the other process: the first process's copy still has it unassigned.
    const claimed = await start();
    const t1 = await openTask(claimed, 'review');
    expect((await complianceB.post(`/api/tasks/${t1}/claim`)).status).toBe(200);
    const r1 = await manager.post(`/api/tasks/${t1}/complete`, {});
    expect([r1.status, r1.body.error?.code]).toEqual([403, 'workflow.task_not_yours']);
    expect(await tokens(claimed)).toEqual({ openTasks: ['review'], waits: ['review'], state: 'active' });

    // Completed on the other process: the first process's copy still has it open.
    const done = await start();
    const t2 = await openTask(done, 'review');
    expect((await managerB.post(`/api/tasks/${t2}/complete`, {})).status).toBe(200);
    const r2 = await compliance.post(`/api/tasks/${t2}/complete`, {});
    expect([r2.status, r2.body.error?.code]).toEqual([409, 'workflow.task_done']);
    expect(await ends(done, 'review')).toBe(1);

    // And the next task, opened by the other process, completes through the first after a fresh read.
    const t3 = await openTask(done, 'second');
    expect((await compliance.post(`/api/tasks/${t3}/complete`, {})).status).toBe(200);
    expect(await tokens(done)).toEqual({ openTasks: [], waits: [], state: 'completed' });
  });
});
