import { describe, it, expect } from '@jest/globals';
import { activeActivities, parseBpmn, startInstance, variablesOf } from '../index.js';

const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:crm="urn:bank-crm:schema:bpmn:1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="D" targetNamespace="t">`;

/** Script → exclusive gateway: "exact" when the script's sum is exactly 0.3, "other" otherwise. */
const MODEL = () => parseBpmn(`${HEAD}<bpmn:process id="p" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:scriptTask id="sum" scriptFormat="feel" crm:resultVariable="total"><bpmn:script>a + b</bpmn:script></bpmn:scriptTask>
<bpmn:exclusiveGateway id="g" default="f_other"/>
<bpmn:userTask id="exact"/><bpmn:userTask id="other"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="sum"/>
<bpmn:sequenceFlow id="f2" sourceRef="sum" targetRef="g"/>
<bpmn:sequenceFlow id="f_exact" sourceRef="g" targetRef="exact"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=total = 0.3</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f_other" sourceRef="g" targetRef="other"/>
</bpmn:process></bpmn:definitions>`);

const run = async (variables: Record<string, unknown>) => startInstance(await MODEL(), { instanceId: 'i1', initiator: 'alice', now: '2026-02-01T08:00:00Z', variables });

describe('process variables computed with decimals', () => {
  it('routes on 0.1 + 0.2 = 0.3 and keeps 0.3 as a plain number', async () => {
    const r = await run({ a: 0.1, b: 0.2 });
    expect(activeActivities(r.state)).toEqual(['exact']);
    expect(variablesOf(r.state).total).toBe(0.3);
    expect(activeActivities((await run({ a: 0.1, b: 0.21 })).state)).toEqual(['other']);
  });

  it('persists a sum a double cannot hold as its exact decimal text', async () => {
    const r = await run({ a: 9007199254740992, b: 1.01 }); // 2^53 + 1.01: as doubles, 9007199254740994
    const persisted = JSON.parse(JSON.stringify(r.state));
    expect(variablesOf(persisted).total).toBe('9007199254740993.01');
  });
});
