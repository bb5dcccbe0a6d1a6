import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BpmnParseError, BpmnValidationError, crmModdleDescriptor, parseBpmn } from '../index.js';

const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:crm="urn:bank-crm:schema:bpmn:1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="D" targetNamespace="t">`;
const wrap = (body: string, extra = '') => `${HEAD}${extra}<bpmn:process id="p" isExecutable="true">${body}</bpmn:process></bpmn:definitions>`;

async function problemsOf(xml: string): Promise<{ elementId: string; message: string }[]> {
  try {
    await parseBpmn(xml);
  } catch (err) {
    if (err instanceof BpmnValidationError) return err.problems;
    throw err;
  }
  throw new Error('expected a BpmnValidationError');
}

describe('parseBpmn', () => {
  it('builds an indexed, JSON-serializable model', async () => {
    const m = await parseBpmn(
      wrap(`<bpmn:startEvent id="s"/><bpmn:userTask id="u" name="Review" crm:candidateGroups="a, b" crm:dueDate="=&quot;PT1H&quot;"/>
        <bpmn:boundaryEvent id="b" attachedToRef="u"><bpmn:timerEventDefinition><bpmn:timeDuration>PT2H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
        <bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>
        <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="u"/><bpmn:sequenceFlow id="f2" sourceRef="u" targetRef="e"/><bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="e2"/>`),
    );
    expect(m.id).toBe('p');
    expect(m.elements.u).toMatchObject({ type: 'userTask', name: 'Review', incoming: ['f1'], outgoing: ['f2'], candidateGroups: 'a, b', dueDate: '="PT1H"' });
    expect(m.boundaryByHost).toEqual({ u: ['b'] });
    expect(m.elements.b).toMatchObject({ attachedTo: 'u', cancelActivity: true, event: { kind: 'timer', timer: { kind: 'duration', expression: 'PT2H' } } });
    expect(m.scopes.p!.startEvents).toEqual(['s']);
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });

  it('runs the executable process when the file has several, and lists them all', async () => {
    const xml = `${HEAD}<bpmn:process id="other" isExecutable="false"><bpmn:startEvent id="x"/></bpmn:process>
      <bpmn:process id="main" isExecutable="true"><bpmn:startEvent id="s"/></bpmn:process></bpmn:definitions>`;
    const m = await parseBpmn(xml);
    expect(m.id).toBe('main');
    expect(m.processIds).toEqual(['main', 'other']);
  });

  it('reports malformed XML with a 1-based line and column', async () => {
    const xml = `${HEAD}\n<bpmn:process id="p">\n  <bpmn:startEvent id="s">\n</bpmn:process></bpmn:definitions>`;
    const err = await parseBpmn(xml).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BpmnParseError);
    const e = err as BpmnParseError;
    expect(e.line).toBe(5); // the mismatched </bpmn:process>
    expect(typeof e.column).toBe('number');
    expect(e.message).toMatch(/closing tag mismatch/);
  });

  it('reports broken attributes as a parse error', async () => {
    const err = await parseBpmn(wrap(`<bpmn:startEvent id="s" name=oops/>`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BpmnParseError);
    expect((err as BpmnParseError).line).toBe(2);
  });

  it('rejects text that is not BPMN at all', async () => {
    await expect(parseBpmn('hello')).rejects.toBeInstanceOf(Error);
    await expect(parseBpmn(`<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"/>`)).rejects.toThrow(/no bpmn:process/);
  });

  it('collects every validation problem at once', async () => {
    const problems = await problemsOf(
      wrap(`<bpmn:startEvent id="s"/>
        <bpmn:complexGateway id="cg"/>
        <bpmn:serviceTask id="svc"/>
        <bpmn:businessRuleTask id="brt"/>
        <bpmn:callActivity id="call"/>
        <bpmn:scriptTask id="scr" scriptFormat="javascript"><bpmn:script>1</bpmn:script></bpmn:scriptTask>
        <bpmn:userTask id="u" crm:excludeUsers="=[a," crm:assignee="=if x then"/>
        <bpmn:intermediateCatchEvent id="ce"><bpmn:conditionalEventDefinition/></bpmn:intermediateCatchEvent>
        <bpmn:intermediateCatchEvent id="msgNoRef"><bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>
        <bpmn:exclusiveGateway id="g" default="nope"/>
        <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=amount &gt;</bpmn:conditionExpression></bpmn:sequenceFlow>
        <bpmn:endEvent id="errEnd"><bpmn:errorEventDefinition/></bpmn:endEvent>
        <bpmn:userTask id="mi"><bpmn:multiInstanceLoopCharacteristics/></bpmn:userTask>`),
    );
    const byId = (id: string) => problems.filter((p) => p.elementId === id).map((p) => p.message).join(' | ');
    expect(byId('cg')).toMatch(/unsupported element bpmn:ComplexGateway/);
    expect(byId('svc')).toMatch(/crm:type/);
    expect(byId('brt')).toMatch(/crm:decisionRef/);
    expect(byId('call')).toMatch(/crm:calledElement/);
    expect(byId('scr')).toMatch(/javascript/);
    expect(byId('u')).toMatch(/crm:excludeUsers: FEEL does not parse/);
    expect(byId('u')).toMatch(/crm:assignee: FEEL does not parse/);
    expect(byId('ce')).toMatch(/unsupported event definition bpmn:ConditionalEventDefinition/);
    expect(byId('msgNoRef')).toMatch(/messageRef/);
    expect(problems.map((p) => p.message).join()).toMatch(/unresolved reference <nope>/);
    expect(byId('f1')).toMatch(/condition: FEEL does not parse/);
    expect(byId('errEnd')).toMatch(/errorCode/);
    expect(byId('mi')).toMatch(/crm:collection or loopCardinality/);
  });

  it('flags unknown elements, unknown crm attributes and dangling references', async () => {
    const problems = await problemsOf(
      wrap(`<bpmn:startEvent id="s" crm:bogus="1"/><bpmn:fancyTask id="ft"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="missing"/>`),
    );
    const text = problems.map((p) => p.message).join('\n');
    expect(text).toMatch(/unsupported element.*unknown type <bpmn:FancyTask>/);
    expect(text).toMatch(/unknown attribute <crm:bogus>/);
    expect(text).toMatch(/unresolved reference <missing>/);
  });

  it('checks graph rules: start events, boundary hosts, event-based gateway targets, subprocess starts', async () => {
    const problems = await problemsOf(
      wrap(`<bpmn:endEvent id="e"/>
        <bpmn:exclusiveGateway id="xg"/>
        <bpmn:boundaryEvent id="b" attachedToRef="xg"><bpmn:messageEventDefinition messageRef="m"/></bpmn:boundaryEvent>
        <bpmn:eventBasedGateway id="eg"/><bpmn:userTask id="notAnEvent"/>
        <bpmn:sequenceFlow id="f1" sourceRef="eg" targetRef="notAnEvent"/>
        <bpmn:subProcess id="sp"><bpmn:userTask id="inner"/></bpmn:subProcess>
        <bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="espStart"/></bpmn:subProcess>
        <bpmn:boundaryEvent id="nonIntErr" attachedToRef="sp" cancelActivity="false"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>`,
        `<bpmn:message id="m" name="m"/>`),
    );
    const msgs = problems.map((p) => `${p.elementId}: ${p.message}`).join('\n');
    expect(msgs).toMatch(/p: process has no start event/);
    expect(msgs).toMatch(/b: boundary event attached to xg, which is not an activity/);
    expect(msgs).toMatch(/b: boundaryEvent needs an outgoing flow/);
    expect(msgs).toMatch(/eg: event-based gateway leads to notAnEvent/);
    expect(msgs).toMatch(/sp: subprocess has no start event/);
    expect(msgs).toMatch(/espStart: event subprocess start event needs a trigger/);
    expect(msgs).toMatch(/nonIntErr: an error boundary event is always interrupting/);
  });

  it('reads call activity, multi-instance and io mappings from the crm namespace', async () => {
    const m = await parseBpmn(
      wrap(`<bpmn:startEvent id="s"/>
        <bpmn:callActivity id="c" crm:calledElement="child"><bpmn:extensionElements><crm:ioMapping><crm:input source="=a" target="x"/><crm:output source="=y" target="b"/></crm:ioMapping></bpmn:extensionElements>
          <bpmn:multiInstanceLoopCharacteristics isSequential="true" crm:collection="=items" crm:elementVariable="it" crm:outputCollection="out" crm:outputElement="=b">
            <bpmn:completionCondition xsi:type="bpmn:tFormalExpression">=nrOfCompletedInstances = 2</bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics></bpmn:callActivity>
        <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="c"/>`),
    );
    expect(m.elements.c).toMatchObject({
      calledElement: 'child',
      inputs: [{ source: '=a', target: 'x' }],
      outputs: [{ source: '=y', target: 'b' }],
      multiInstance: { sequential: true, collection: '=items', elementVariable: 'it', outputCollection: 'out', outputElement: '=b', completionCondition: '=nrOfCompletedInstances = 2' },
    });
  });

  it('keeps engine-specs/bpmn/crm-moddle.json and the bundled descriptor identical', () => {
    const file = fileURLToPath(new URL('../../../../engine-specs/bpmn/crm-moddle.json', import.meta.url));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(crmModdleDescriptor);
  });
});
