/**
 * Reliability of the persisted workflow: a server killed with SIGKILL while 200 instances are in
 * flight loses no step and runs none twice after a restart; two server processes sharing one database
 * fire 1,000 timers exactly once each. (Concurrent completion of one task: workflow.test.ts.)
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { as, client } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';
import { chain } from './workflow-bpmn.js';

type Client = ReturnType<typeof client>;
const servers: TestServer[] = [];

afterAll(async () => {
  // The last server of each test owns (and drops) the shared database.
  for (const s of servers.reverse()) await s.stop({ keepDatabase: s !== servers[0] }).catch(() => undefined);
});

async function pool<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

const FAST = { CRM_JOB_POLL_MS: '50', CRM_JOB_LEASE_MS: '2000', CRM_JOB_BACKOFF_MS: '100' };

describe('kill -9 under load', () => {
  it('every one of 200+ in-flight instances reaches its end after a restart: no step lost, none twice', async () => {
    const a = await startServer({ env: FAST });
    servers.push(a);
    const analyst = await as(a.baseUrl, 'analyst');
    const xml = chain('crashy', [
      '<bpmn:startEvent id="s" crm:inputs="n"/>',
      '<bpmn:serviceTask id="prepare" crm:type="set-variables"><bpmn:extensionElements><crm:ioMapping><crm:input source="=n + 1" target="next"/><crm:output source="=next" target="n"/></crm:ioMapping></bpmn:extensionElements></bpmn:serviceTask>',
      '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT0.5S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
      '<bpmn:scriptTask id="count" scriptFormat="feel" crm:resultVariable="n"><bpmn:script>=n + 10</bpmn:script></bpmn:scriptTask>',
      '<bpmn:serviceTask id="finish" crm:type="set-variables"><bpmn:extensionElements><crm:ioMapping><crm:input source="=n + 100" target="next"/><crm:output source="=next" target="n"/></crm:ioMapping></bpmn:extensionElements></bpmn:serviceTask>',
      '<bpmn:endEvent id="e"/>',
    ]);
    expect((await analyst.api.processes.deploy({ bpmnXml: xml })).key).toBe('crashy');
    const rm = await as(a.baseUrl, 'rm');

    // 200 starts at 8 clients, then more starts keep coming while the server is killed.
    const started = await pool(200, 8, async () => (await rm.api.processes.start('crashy', { variables: { n: 0 } })).id);
    expect(new Set(started).size).toBe(200);
    let load = true;
    const extra = (async () => {
      while (load) await rm.api.processes.start('crashy', { variables: { n: 0 } }).catch(() => undefined);
    })();
    const inFlight = await withClient(a.dbUrl, async (c) => (await c.query(`SELECT count(*)::int AS n FROM crm.wf_instances WHERE status = 'active'`)).rows[0].n);
    await a.kill('SIGKILL');
    load = false;
    await extra;
    expect(inFlight).toBeGreaterThan(100);

    const b = await startServer({ dbUrl: a.dbUrl, env: FAST });
    servers.push(b);
    const pending = () => withClient(a.dbUrl, async (c) => (await c.query(`SELECT count(*)::int AS n FROM crm.wf_instances WHERE status <> 'completed'`)).rows[0].n as number);
    await until(async () => (await pending()) === 0, { ms: 60000, everyMs: 250, what: async () => `${await pending()} instances not completed` });

    await withClient(a.dbUrl, async (c) => {
      const total = (await c.query(`SELECT count(*)::int AS n FROM crm.wf_instances`)).rows[0].n;
      expect(total).toBeGreaterThanOrEqual(200);
      // Each step exactly once per instance: one start and one end of every element.
      const steps = await c.query(
        `SELECT activity_id, event, count(*)::int AS n, count(DISTINCT instance_id)::int AS instances
         FROM crm.wf_history GROUP BY activity_id, event ORDER BY activity_id, event`,
      );
      for (const r of steps.rows) {
        expect([r.activity_id, r.event, r.n]).toEqual([r.activity_id, r.event, total]);
        expect(r.instances).toBe(total);
        expect(['start', 'end']).toContain(r.event);
      }
      expect(steps.rows.map((r: any) => r.activity_id)).toEqual(expect.arrayContaining(['count', 'e', 'finish', 'prepare', 's', 'wait']));
      // The variable went through every step once: 0 + 1 + 10 + 100.
      const wrong = await c.query(`SELECT count(*)::int AS n FROM crm.wf_instances WHERE (state->'execs'->(state->>'rootId')->'vars'->>'n')::int <> 111`);
      expect(wrong.rows[0].n).toBe(0);
      expect((await c.query(`SELECT count(*)::int AS n FROM crm.wf_jobs`)).rows[0].n).toBe(0);
      expect((await c.query(`SELECT count(*)::int AS n FROM crm.wf_incidents`)).rows[0].n).toBe(0);
    });
  });
});

describe('two server processes on one database', () => {
  it('fire 1,000 timers exactly once each', async () => {
    const a = await startServer({ env: FAST });
    servers.push(a);
    const b = await startServer({ dbUrl: a.dbUrl, env: FAST });
    servers.push(b);
    const analyst = await as(a.baseUrl, 'analyst');
    const xml = chain('tick', [
      '<bpmn:startEvent id="s" crm:inputs="fireAt"/>',
      '<bpmn:intermediateCatchEvent id="alarm"><bpmn:timerEventDefinition><bpmn:timeDate>=fireAt</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
      '<bpmn:endEvent id="e"/>',
    ]);
    expect((await analyst.api.processes.deploy({ bpmnXml: xml })).key).toBe('tick');
    const clients: Client[] = [await as(a.baseUrl, 'rm'), await as(b.baseUrl, 'rm')];
    // The timers fall due together once (nearly) every instance has started, so both processes compete.
    const fireAt = new Date(Date.now() + 20000).toISOString();
    const res = await pool(1000, 16, async (i) => (await clients[i % 2]!.api.processes.start('tick', { variables: { fireAt } })).id);
    expect(new Set(res).size).toBe(1000);

    const done = () => withClient(a.dbUrl, async (c) => (await c.query(`SELECT count(*)::int AS n FROM crm.wf_instances WHERE status = 'completed'`)).rows[0].n as number);
    await until(async () => (await done()) === 1000, { ms: 60000, everyMs: 250, what: async () => `${await done()} of 1000 completed` });

    await withClient(a.dbUrl, async (c) => {
      const fired = await c.query(`SELECT count(*)::int AS n, count(DISTINCT instance_id)::int AS i FROM crm.wf_history WHERE activity_id = 'alarm' AND event = 'end'`);
      expect(fired.rows[0]).toEqual({ n: 1000, i: 1000 });
      const ends = await c.query(`SELECT count(*)::int AS n FROM crm.wf_history WHERE activity_id = 'e' AND event = 'end'`);
      expect(ends.rows[0].n).toBe(1000);
      expect((await c.query(`SELECT count(*)::int AS n FROM crm.wf_jobs`)).rows[0].n).toBe(0);
    });
    // Both processes did part of the work. Raw: /metrics is Prometheus text.
    const firedBy = async (s: TestServer) => {
      const text = await (await fetch(`${s.baseUrl}/metrics`)).text();
      const m = /crm_workflow_jobs_total\{kind="timer",outcome="done"\} (\d+)/.exec(text);
      return m ? Number(m[1]) : 0;
    };
    const [fa, fb] = [await firedBy(a), await firedBy(b)];
    expect(fa + fb).toBe(1000);
    expect(fa).toBeGreaterThan(0);
    expect(fb).toBeGreaterThan(0);
  });
});

describe('timer start events on two server processes', () => {
  it('start exactly one instance per firing of a cycle', async () => {
    const a = await startServer({ env: FAST });
    servers.push(a);
    const b = await startServer({ dbUrl: a.dbUrl, env: FAST });
    servers.push(b);
    const analyst = await as(b.baseUrl, 'analyst');
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="urn:test">
  <bpmn:process id="everySecond" isExecutable="true">
    <bpmn:startEvent id="tick"><bpmn:timerEventDefinition><bpmn:timeCycle>R5/PT1S</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
    <bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f" sourceRef="tick" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>`;
    expect((await analyst.api.processes.deploy({ bpmnXml: xml })).key).toBe('everySecond');
    const started = () => withClient(a.dbUrl, async (c) => (await c.query(`SELECT count(*)::int AS n FROM crm.wf_instances WHERE definition_key = 'everySecond'`)).rows[0].n as number);
    // R5: once no job is left to fire (each firing deletes its job in the transaction that starts the
    // instance), the count is final — no waiting to see whether a sixth comes.
    const jobsLeft = () => withClient(a.dbUrl, async (c) => (await c.query(`SELECT count(*)::int AS n FROM crm.wf_jobs`)).rows[0].n as number);
    await until(async () => (await started()) >= 5 && (await jobsLeft()) === 0, { ms: 30000, everyMs: 250, what: async () => `${await started()} of 5 started, ${await jobsLeft()} jobs left` });
    expect(await started()).toBe(5);
    await withClient(a.dbUrl, async (c) => {
      const ends = await c.query(`SELECT count(*)::int AS n FROM crm.wf_history h JOIN crm.wf_instances i ON i.id = h.instance_id WHERE i.definition_key = 'everySecond' AND h.activity_id = 'tick' AND h.event = 'end'`);
      expect(ends.rows[0].n).toBe(5);
    });
  });
});
