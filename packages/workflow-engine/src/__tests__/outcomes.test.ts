import { describe, it, expect } from '@jest/globals';
import { parseBpmn, taskOutcomes } from '../index.js';

const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:crm="urn:bank-crm:schema:bpmn:1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="D" targetNamespace="t">`;
const wrap = (body: string) => `${HEAD}<bpmn:process id="p" isExecutable="true">${body}</bpmn:process></bpmn:definitions>`;
const cond = (c: string) => `<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${c}</bpmn:conditionExpression>`;

function approval(task: string, flows: string, gateway = '<bpmn:exclusiveGateway id="g" default="no"/>'): string {
  return wrap(`<bpmn:startEvent id="s"/>${task}${gateway}<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/><bpmn:endEvent id="e3"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="g"/>${flows}`);
}

describe('task outcomes read from the process', () => {
  it('names the choices of the gateway after the task, the default flow as the value no other takes', async () => {
    const m = await parseBpmn(approval('<bpmn:userTask id="t" crm:outputs="decision,comment"/>',
      `<bpmn:sequenceFlow id="yes" name="同意" sourceRef="g" targetRef="e1">${cond('=decision = "approve"')}</bpmn:sequenceFlow>
       <bpmn:sequenceFlow id="no" name="驳回" sourceRef="g" targetRef="e2"/>`));
    expect(taskOutcomes(m, 't')).toEqual([
      { variable: 'decision', value: 'approve', label: '同意' },
      { variable: 'decision', value: 'reject', label: '驳回' },
    ]);
  });

  it('follows an output mapping of a declared output, and booleans', async () => {
    const mapped = await parseBpmn(approval(`<bpmn:userTask id="t" crm:outputs="decision"><bpmn:extensionElements><crm:ioMapping><crm:output source="=decision" target="creditDecision"/></crm:ioMapping></bpmn:extensionElements></bpmn:userTask>`,
      `<bpmn:sequenceFlow id="yes" sourceRef="g" targetRef="e1">${cond('=creditDecision = "approve"')}</bpmn:sequenceFlow><bpmn:sequenceFlow id="no" sourceRef="g" targetRef="e2"/>`));
    expect(taskOutcomes(mapped, 't')).toEqual([
      { variable: 'decision', value: 'approve', label: null },
      { variable: 'decision', value: 'reject', label: null },
    ]);
    const bool = await parseBpmn(approval('<bpmn:userTask id="t" crm:outputs="approved"/>',
      `<bpmn:sequenceFlow id="yes" sourceRef="g" targetRef="e1">${cond('=approved = true')}</bpmn:sequenceFlow><bpmn:sequenceFlow id="no" sourceRef="g" targetRef="e2"/>`));
    expect(taskOutcomes(bool, 't').map((o) => o.value)).toEqual([true, false]);
  });

  it('gives no choices when the gateway tests something the task does not set, or anything but equality', async () => {
    const other = await parseBpmn(approval('<bpmn:userTask id="t" crm:outputs="decision"/>',
      `<bpmn:sequenceFlow id="yes" sourceRef="g" targetRef="e1">${cond('=amount = "1"')}</bpmn:sequenceFlow><bpmn:sequenceFlow id="no" sourceRef="g" targetRef="e2"/>`));
    expect(taskOutcomes(other, 't')).toEqual([]);
    const range = await parseBpmn(approval('<bpmn:userTask id="t" crm:outputs="score"/>',
      `<bpmn:sequenceFlow id="yes" sourceRef="g" targetRef="e1">${cond('=score &gt; 3')}</bpmn:sequenceFlow><bpmn:sequenceFlow id="no" sourceRef="g" targetRef="e2"/>`));
    expect(taskOutcomes(range, 't')).toEqual([]);
    // A mapping that overwrites the output with something computed: the gateway no longer tests the choice.
    const overwritten = await parseBpmn(approval(`<bpmn:userTask id="t" crm:outputs="decision"><bpmn:extensionElements><crm:ioMapping><crm:output source="=upper case(decision)" target="decision"/></crm:ioMapping></bpmn:extensionElements></bpmn:userTask>`,
      `<bpmn:sequenceFlow id="yes" sourceRef="g" targetRef="e1">${cond('=decision = "APPROVE"')}</bpmn:sequenceFlow><bpmn:sequenceFlow id="no" sourceRef="g" targetRef="e2"/>`));
    expect(taskOutcomes(overwritten, 't')).toEqual([]);
    expect(taskOutcomes(other, 'nope')).toEqual([]);
  });

  it('three named choices without a default', async () => {
    const m = await parseBpmn(approval('<bpmn:userTask id="t" crm:outputs="decision"/>',
      `<bpmn:sequenceFlow id="a" name="同意" sourceRef="g" targetRef="e1">${cond('=decision = "approve"')}</bpmn:sequenceFlow>
       <bpmn:sequenceFlow id="b" name="退回补充" sourceRef="g" targetRef="e2">${cond('=decision = "return"')}</bpmn:sequenceFlow>
       <bpmn:sequenceFlow id="c" name="驳回" sourceRef="g" targetRef="e3">${cond('=decision = "reject"')}</bpmn:sequenceFlow>`, '<bpmn:exclusiveGateway id="g"/>'));
    expect(taskOutcomes(m, 't').map((o) => `${o.value}:${o.label}`)).toEqual(['approve:同意', 'return:退回补充', 'reject:驳回']);
  });
});
