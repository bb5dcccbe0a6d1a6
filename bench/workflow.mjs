// `pnpm bench workflow`: the engine alone in memory (against npm bpmn-engine, from workflow-memory.mjs),
// then the same 3-user-task approval with an exclusive gateway through HTTP with persistence at 8
// clients: completed instances/s, workflow commits/s (start + 3 completions = 4 per instance), and the
// ratio of those commits/s to raw single-row INSERT commits/s at 8 clients on the same PostgreSQL.
import pg from 'pg';
import { run as memory } from './workflow-memory.mjs';
import { startPostgres, startServer, api, login, loadFor, fmt, httpFloor, machineLoad, pgStatements } from './lib.mjs';
import { countQueries, queriesLine } from './query-counts.mjs';

const CLIENTS = 8;
const MS = Number(process.env.BENCH_MS ?? 8000);

const MODEL = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:crm="urn:bank-crm:schema:bpmn:1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="bench" targetNamespace="urn:bench">
  <bpmn:process id="benchApproval" isExecutable="true">
    <bpmn:startEvent id="start" crm:inputs="amount"/>
    <bpmn:userTask id="review" crm:candidateGroups="manager"/>
    <bpmn:exclusiveGateway id="amountCheck" default="toDisburse"/>
    <bpmn:userTask id="secondApproval" crm:candidateGroups="manager"/>
    <bpmn:userTask id="disburse" crm:candidateGroups="manager"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="amountCheck"/>
    <bpmn:sequenceFlow id="big" sourceRef="amountCheck" targetRef="secondApproval"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=amount &gt; 1000000</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="toDisburse" sourceRef="amountCheck" targetRef="disburse"/>
    <bpmn:sequenceFlow id="f3" sourceRef="secondApproval" targetRef="disburse"/>
    <bpmn:sequenceFlow id="f4" sourceRef="disburse" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>`;

async function rawInserts(url) {
  const clients = await Promise.all(Array.from({ length: CLIENTS }, async () => {
    const c = new pg.Client(url);
    await c.connect();
    return c;
  }));
  await clients[0].query('CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, v text NOT NULL, at timestamptz NOT NULL DEFAULT now())');
  const once = (i) => clients[i].query('INSERT INTO bench_raw (v) VALUES ($1)', ['x']);
  await loadFor(500, CLIENTS, once); // warm-up
  const n = await loadFor(MS, CLIENTS, once);
  await Promise.all(clients.map((c) => c.end()));
  return n / (MS / 1000);
}

async function commitsOf(url) {
  const c = new pg.Client(url);
  await c.connect();
  const r = await c.query('SELECT xact_commit::bigint AS n FROM pg_stat_database WHERE datname = current_database()');
  await c.end();
  return Number(r.rows[0].n);
}

async function httpApproval(base, url) {
  const analyst = await login(base, 'analyst');
  await api(base, 'POST', '/api/process-definitions', analyst, { bpmnXml: MODEL });
  const manager = await login(base, 'manager');
  const once = async () => {
    const inst = await api(base, 'POST', '/api/process-definitions/benchApproval/start', manager, { variables: { amount: 2000000 } });
    let tasks = inst.tasks;
    for (let i = 0; i < 3; i++) {
      const r = await api(base, 'POST', `/api/tasks/${encodeURIComponent(tasks[0].id)}/complete`, manager, {});
      tasks = r.tasks;
    }
    if (tasks.length !== 0) throw new Error('the approval did not end after three tasks');
  };
  await loadFor(1000, CLIENTS, once); // warm-up
  const before = await commitsOf(url);
  const counts = await countQueries(base);
  const statements = await pgStatements(url);
  await statements.reset();
  const n = await loadFor(MS, CLIENTS, once);
  const top = await statements.top();
  const pgCommits = (await commitsOf(url)) - before;
  const queries = { start: await counts.perRequest('POST', '/api/process-definitions/:key/start'), complete: await counts.perRequest('POST', '/api/tasks/:id/complete') };
  return { instances: n / (MS / 1000), commits: (4 * n) / (MS / 1000), pgCommits: pgCommits / (MS / 1000), queries, top };
}

export async function run() {
  const m = await memory();
  console.log('workflow engine, in memory (start + 3 task completions), instances/s:');
  console.log(`  ours        ${m.ours}`);
  console.log(`  bpmn-engine ${m.bpmnEngine}`);
  console.log(`  ratio       ${m.ratio}x  (target ≥ 50x)`);

  const db = await startPostgres();
  const server = await startServer(db.url);
  try {
    const raw = await rawInserts(db.url);
    const h = await httpApproval(server.base, db.url);
    console.log(`same approval through HTTP with persistence, ${CLIENTS} clients, ${MS / 1000} s:`);
    console.log(`  completed instances/s       ${fmt(h.instances)}`);
    console.log(`  workflow commits/s          ${fmt(h.commits)}  (start + 3 completions per instance; all PostgreSQL commits incl. reads: ${fmt(h.pgCommits)})`);
    console.log(`  raw single-row INSERT/s     ${fmt(raw)}  (${CLIENTS} clients, autocommit)`);
    console.log(`  ratio commits/s : INSERT/s  ${fmt(h.commits / raw, 2)}  (target ≥ 0.4)  load ${machineLoad()}`);
    const floor = await httpFloor(server.base, await login(server.base, 'admin'), MS / 1000, CLIENTS);
    console.log(`  HTTP floor (GET /api/auth/me, one small query) ${fmt(floor)}/s → ceiling of the ratio here ${fmt(floor / raw, 2)}; workflow commits reach ${fmt((100 * h.commits) / floor)} % of it`);
    console.log(`  ${queriesLine('start', h.queries.start)}`);
    console.log(`  ${queriesLine('task completion', h.queries.complete)}`);
    if (h.top.length) console.log(`  PostgreSQL's time during the timed run (BENCH_PG_STATS=1), ${fmt(MS)} ms × ${CLIENTS} clients:\n    ${h.top.join('\n    ')}`);
  } finally {
    await server.stop();
    await db.stop();
  }
}
