/**
 * Every process can be drawn: the bank pack's five processes ship with diagram interchange (and the
 * installed versions carry it), a model deployed without a diagram gets one laid out — running exactly
 * as deployed — and another tool's extension attributes the engine ignores come back as warnings with
 * our equivalent.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBpmn } from '@crm/workflow-engine';
import { startServer, type TestServer } from '../harness/server.js';
import { as } from '../harness/http.js';
import { chain, definitions } from './workflow-bpmn.js';

type Client = Awaited<ReturnType<typeof as>>;
let srv: TestServer;
let analyst: Client;

const PACK = join(process.cwd(), 'apps/server/src/packs/bank-crm/template');
const bundle = JSON.parse(readFileSync(join(PACK, 'template.json'), 'utf8')) as { processes: { key: string; file: string }[] };

/** Shapes of flow nodes and edges of sequence flows in a BPMN file (what bpmn-js draws). */
function drawn(xml: string): { shapes: Set<string>; edges: Set<string> } {
  return {
    shapes: new Set([...xml.matchAll(/<bpmndi:BPMNShape [^>]*bpmnElement="([^"]+)"/g)].map((m) => m[1]!)),
    edges: new Set([...xml.matchAll(/<bpmndi:BPMNEdge [^>]*bpmnElement="([^"]+)"/g)].map((m) => m[1]!)),
  };
}

async function expectFullyDrawn(xml: string): Promise<void> {
  const model = await parseBpmn(xml);
  const { shapes, edges } = drawn(xml);
  for (const id of Object.keys(model.elements)) expect({ id, drawn: shapes.has(id) }).toEqual({ id, drawn: true });
  for (const id of Object.keys(model.flows)) expect({ id, drawn: edges.has(id) }).toEqual({ id, drawn: true });
}

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '0' }, timeoutMs: 120000 });
  analyst = await as(srv.baseUrl, 'analyst');
}, 150000);
afterAll(async () => {
  await srv?.stop();
});

describe('the bank pack\'s processes', () => {
  it('ship with a diagram of every element and flow', async () => {
    expect(bundle.processes).toHaveLength(5);
    for (const p of bundle.processes) await expectFullyDrawn(readFileSync(join(PACK, p.file), 'utf8'));
  });

  it('are installed with their diagrams', async () => {
    for (const p of bundle.processes) {
      const xml = await analyst.api.processes.xml(p.key);
      expect(xml).toContain('<bpmndi:BPMNDiagram');
      await expectFullyDrawn(xml);
    }
  });
});

describe('deploying', () => {
  it('lays out a model without a diagram; the laid-out model runs as deployed', async () => {
    const bare = chain('bare_flow', ['<bpmn:startEvent id="s"/>', '<bpmn:userTask id="t" name="审批" crm:candidateGroups="manager"/>', '<bpmn:endEvent id="e"/>']);
    expect(bare).not.toContain('BPMNShape');
    const r = await analyst.api.processes.deploy({ bpmnXml: bare });
    expect(r).toMatchObject({ key: 'bare_flow', version: 1, laidOut: true });
    const stored = await analyst.api.processes.xml('bare_flow');
    await expectFullyDrawn(stored);
    expect(JSON.stringify(await parseBpmn(stored))).toBe(JSON.stringify(await parseBpmn(bare)));
    // A model with its own diagram is stored as given.
    const again = await analyst.api.processes.deploy({ bpmnXml: stored });
    expect(again.laidOut).toBeUndefined();
    expect(await analyst.api.processes.xml('bare_flow')).toBe(stored);
  });

  it('reports another tool\'s extension attributes as warnings with our equivalent', async () => {
    const flowable = definitions(`<bpmn:process id="from_flowable" isExecutable="true">
  <bpmn:startEvent id="s"/>
  <bpmn:userTask id="review" name="复核" flowable:candidateGroups="manager" flowable:foo="x" crm:candidateGroups="manager"/>
  <bpmn:endEvent id="e"/>
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="review"/>
  <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="e"/>
</bpmn:process>`).replace('<bpmn:definitions ', '<bpmn:definitions xmlns:flowable="http://flowable.org/bpmn" ');
    const r = await analyst.api.processes.deploy({ bpmnXml: flowable });
    expect(r.warnings).toEqual([
      { code: 'foreign_attribute', elementId: 'review', attribute: 'flowable:candidateGroups', suggestion: 'crm:candidateGroups', message: 'review：本平台不识别属性 flowable:candidateGroups，请改用 crm:candidateGroups' },
      { code: 'foreign_attribute', elementId: 'review', attribute: 'flowable:foo', message: 'review：本平台不识别属性 flowable:foo，已忽略' },
    ]);
    // A file of our own has none.
    expect((await analyst.api.processes.deploy({ bpmnXml: chain('own_flow', ['<bpmn:startEvent id="s"/>', '<bpmn:endEvent id="e"/>']) })).warnings).toBeUndefined();
  });
});
