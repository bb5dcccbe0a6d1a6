/** Small BPMN builders for the workflow API tests. */
export const NS = `xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:crm="urn:bank-crm:schema:bpmn:1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`;

export function definitions(body: string, extra = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="Defs" targetNamespace="urn:test">
${extra}
${body}
</bpmn:definitions>`;
}

/** A process of elements chained start → ... → end by sequence flows. */
export function chain(id: string, elements: string[], opts: { extra?: string; name?: string } = {}): string {
  const ids = elements.map((e) => /id="([^"]+)"/.exec(e)![1]!);
  const flows = ids.slice(1).map((to, i) => `<bpmn:sequenceFlow id="f${i}" sourceRef="${ids[i]}" targetRef="${to}"/>`);
  return definitions(`<bpmn:process id="${id}" name="${opts.name ?? id}" isExecutable="true">
${elements.join('\n')}
${flows.join('\n')}
</bpmn:process>`, opts.extra ?? '');
}

/** Loan approval: review by a manager or compliance officer; above 1,000,000 a second approver who is not the first. */
export const LOAN_APPROVAL = definitions(`<bpmn:process id="loanApprovalDemo" name="贷款审批" isExecutable="true">
  <bpmn:startEvent id="start" crm:inputs="amount,customer"/>
  <bpmn:userTask id="review" name="初审" crm:candidateGroups="manager,compliance" crm:outputs="decision">
    <bpmn:extensionElements><crm:ioMapping><crm:output source="=completedBy" target="firstApprover"/></crm:ioMapping></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:exclusiveGateway id="big" default="toEnd"/>
  <bpmn:userTask id="second" name="复审" crm:candidateGroups="manager,compliance" crm:excludeUsers="=[firstApprover]" crm:outputs="finalDecision"/>
  <bpmn:exclusiveGateway id="merge"/>
  <bpmn:endEvent id="done"/>
  <bpmn:sequenceFlow id="s1" sourceRef="start" targetRef="review"/>
  <bpmn:sequenceFlow id="s2" sourceRef="review" targetRef="big"/>
  <bpmn:sequenceFlow id="toSecond" sourceRef="big" targetRef="second"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=amount &gt; 1000000</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="toEnd" sourceRef="big" targetRef="merge"/>
  <bpmn:sequenceFlow id="s3" sourceRef="second" targetRef="merge"/>
  <bpmn:sequenceFlow id="s4" sourceRef="merge" targetRef="done"/>
</bpmn:process>`);
