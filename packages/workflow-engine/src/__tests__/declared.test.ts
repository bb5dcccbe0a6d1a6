import { describe, it, expect } from '@jest/globals';
import { BpmnValidationError, derivedFrom, handleEvent, isReservedVariable, namesRead, openTasks, parseBpmn, routingVariables, sourcesOf, startInstance, variablesOf } from '../index.js';

const NOW = '2026-02-01T08:00:00Z';
const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:crm="urn:bank-crm:schema:bpmn:1.0" id="D" targetNamespace="t">`;
const wrap = (body: string) => `${HEAD}<bpmn:process id="p" isExecutable="true">${body}</bpmn:process></bpmn:definitions>`;

async function problemsOf(xml: string): Promise<string[]> {
  try {
    await parseBpmn(xml);
  } catch (err) {
    if (err instanceof BpmnValidationError) return err.problems.map((p) => `${p.elementId}: ${p.message}`);
    throw err;
  }
  return [];
}

const REVIEW = wrap(`<bpmn:startEvent id="s" crm:inputs="amount, customer"/>
  <bpmn:userTask id="handle" crm:assignee="=handler" crm:outputs="resolution"/>
  <bpmn:userTask id="review" crm:assignee="=branchManager" crm:excludeUsers="=[handler, handleBy]" crm:outputs="decision"/>
  <bpmn:scriptTask id="calc" scriptFormat="feel" crm:resultVariable="contact"><bpmn:script>=id_number + " / " + mobile</bpmn:script></bpmn:scriptTask>
  <bpmn:endEvent id="e"/>
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="handle"/><bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="review"/>
  <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="calc"/><bpmn:sequenceFlow id="f4" sourceRef="calc" targetRef="e"/>`);

describe('declared inputs and engine-set identities', () => {
  it('parses crm:inputs on start events and crm:outputs on user tasks', async () => {
    const m = await parseBpmn(REVIEW);
    expect(m.elements.s!.declared).toEqual(['amount', 'customer']);
    expect(m.elements.handle!.declared).toEqual(['resolution']);
    expect([...routingVariables(m)].sort()).toEqual(['branchManager', 'handleBy', 'handler']);
  });

  it('refuses declarations of engine identities, routing variables, bad names and non-technical run-as roles', async () => {
    const problems = await problemsOf(wrap(`<bpmn:startEvent id="s" crm:inputs="initiator,ok"/>
      <bpmn:userTask id="t" crm:assignee="=approver" crm:outputs="approver, reviewBy, 1bad"/>
      <bpmn:serviceTask id="w" crm:type="noop" crm:runAs="compliance"/>
      <bpmn:endEvent id="e"/>
      <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="w"/><bpmn:sequenceFlow id="f3" sourceRef="w" targetRef="e"/>`));
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^s: crm:inputs: "initiator" is set by the engine/),
      expect.stringMatching(/^t: crm:outputs: "reviewBy" is set by the engine/),
      expect.stringMatching(/^t: crm:outputs: "1bad" is not a variable name/),
      expect.stringMatching(/^t: approver decide\(s\) who works a task/),
      expect.stringMatching(/^w: crm:runAs: "compliance" is not a technical role/),
    ]));
  });

  it('sets initiator over a variable of that name and <activity>By on completion', async () => {
    const m = await parseBpmn(REVIEW);
    let r = startInstance(m, { instanceId: 'i1', initiator: 'rm', now: NOW, variables: { initiator: 'ghost', handler: 'rm', branchManager: 'boss' } });
    expect(variablesOf(r.state).initiator).toBe('rm');
    r = handleEvent(m, r.state, { type: 'completeTask', taskId: openTasks(r.state)[0]!.taskId, by: 'rm', variables: { resolution: 'x' } }, { now: NOW });
    expect(variablesOf(r.state).handleBy).toBe('rm');
    const review = openTasks(r.state)[0]!;
    expect(review.excludeUsers).toEqual(['rm', 'rm']);
  });

  it('knows what a computed variable is derived from and which names the model reads', async () => {
    const m = await parseBpmn(REVIEW);
    expect([...sourcesOf(derivedFrom(m), 'contact')].sort()).toEqual(['contact', 'id_number', 'mobile']);
    expect(namesRead(m).has('id_number')).toBe(true);
    expect(isReservedVariable('completedBy')).toBe(true);
    // A decision result is derived from what its tables read; an unresolved one from anything.
    const rated = await parseBpmn(wrap(`<bpmn:startEvent id="s"/><bpmn:businessRuleTask id="r" crm:decisionRef="lvl" crm:resultVariable="level"/><bpmn:endEvent id="e"/>
      <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="r"/><bpmn:sequenceFlow id="f2" sourceRef="r" targetRef="e"/>`));
    const table = { id: 'lvl', hitPolicy: 'FIRST' as const, inputs: [{ expression: 'amount' }], outputs: [{ name: 'level' }], rules: [] };
    expect([...sourcesOf(derivedFrom(rated, () => ({ id: 'd', decisions: { lvl: table } })), 'level')].sort()).toEqual(['amount', 'level']);
    expect(sourcesOf(derivedFrom(rated), 'level').has('*')).toBe(true);
    expect(isReservedVariable('amount')).toBe(false);
  });
});
