// In-memory throughput of the workflow engine against npm bpmn-engine on the same model:
// a 3-user-task loan approval with an exclusive gateway (amount > 1,000,000 → second approval).
// One instance = start + 3 task completions to the end event. Each engine runs for a fixed time.
// Needs the built package: pnpm --filter @crm/workflow-engine build
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { EventEmitter } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PKG = new URL('../packages/workflow-engine/', import.meta.url);
const DIST = new URL('dist/index.js', PKG);
const DURATION_MS = Number(process.env.BENCH_MS ?? 2000);

// The same process for both engines; only the condition is written in each engine's expression language.
const model = (condition) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="bench" targetNamespace="urn:bench">
  <bpmn:process id="loanApproval" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="review"/>
    <bpmn:exclusiveGateway id="amountCheck" default="toDisburse"/>
    <bpmn:userTask id="secondApproval"/>
    <bpmn:userTask id="disburse"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="amountCheck"/>
    <bpmn:sequenceFlow id="big" sourceRef="amountCheck" targetRef="secondApproval">${condition}</bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="toDisburse" sourceRef="amountCheck" targetRef="disburse"/>
    <bpmn:sequenceFlow id="f3" sourceRef="secondApproval" targetRef="disburse"/>
    <bpmn:sequenceFlow id="f4" sourceRef="disburse" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>`;

const FEEL = '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=amount &gt; 1000000</bpmn:conditionExpression>';
const JS = '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="javascript">next(null, environment.variables.amount &gt; 1000000);</bpmn:conditionExpression>';

async function measure(once) {
  for (let i = 0; i < 20; i++) await once(); // warm-up
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < DURATION_MS) {
    await once();
    n++;
  }
  return Math.round((n * 1000) / (performance.now() - t0));
}

async function ours() {
  if (!existsSync(DIST)) throw new Error('packages/workflow-engine/dist is missing: run pnpm --filter @crm/workflow-engine build');
  const { parseBpmn, startInstance, handleEvent } = await import(DIST.href);
  const m = await parseBpmn(model(FEEL));
  const now = '2026-01-05T09:00:00Z';
  let seq = 0;
  return measure(async () => {
    let r = startInstance(m, { instanceId: `b${++seq}`, initiator: 'alice', now, variables: { amount: 2000000 } });
    for (let i = 0; i < 3; i++) {
      const task = r.effects.find((e) => e.type === 'createTask');
      r = handleEvent(m, r.state, { type: 'completeTask', taskId: task.taskId, by: 'bob' }, { now });
    }
    if (r.state.status !== 'completed') throw new Error(`our instance ended ${r.state.status}`);
  });
}

async function bpmnEngine() {
  // bpmn-engine is a devDependency of the workflow-engine package: resolve it from there.
  const require = createRequire(fileURLToPath(new URL('package.json', PKG)));
  const { Engine } = await import(pathToFileURL(require.resolve('bpmn-engine')).href);
  const { BpmnModdle } = await import(pathToFileURL(require.resolve('bpmn-moddle')).href);
  // Parse once, as we do: bpmn-engine then only serializes the parsed context per instance.
  const moddleContext = await new BpmnModdle().fromXML(model(JS));
  return measure(async () => {
    const engine = new Engine({ name: 'bench', moddleContext });
    const listener = new EventEmitter();
    let waits = 0;
    listener.on('wait', (api) => {
      waits++;
      api.signal({ by: 'bob' });
    });
    const ended = new Promise((resolve, reject) => {
      engine.once('end', resolve);
      engine.once('error', reject);
    });
    await engine.execute({ listener, variables: { amount: 2000000 } });
    await ended;
    if (waits !== 3) throw new Error(`bpmn-engine stopped at ${waits} user tasks`);
  });
}

export async function run() {
  const o = await ours();
  const b = await bpmnEngine();
  return { ours: o, bpmnEngine: b, ratio: Math.round((o / b) * 10) / 10 };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await run();
  console.log(`workflow engine, in memory (start + 3 task completions), instances/s:`);
  console.log(`  ours        ${r.ours}`);
  console.log(`  bpmn-engine ${r.bpmnEngine}`);
  console.log(`  ratio       ${r.ratio}x`);
}
