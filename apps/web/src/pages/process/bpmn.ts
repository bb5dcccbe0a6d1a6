import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import crmModdle from '@engine-specs/bpmn/crm-moddle.json';

export { crmModdle };

export interface CrmProperty { name: string; type: string; isAttr?: boolean; isMany?: boolean; redefines?: string }
export interface CrmType { name: string; extends?: string[]; superClass?: string[]; properties: CrmProperty[] }

/** The `crm:` attributes that apply to a BPMN type, from the extension's descriptor. */
export function crmAttributesFor(is: (type: string) => boolean): CrmProperty[] {
  const out: CrmProperty[] = [];
  for (const t of (crmModdle as { types: CrmType[] }).types) {
    if (!t.extends?.some((e) => is(e))) continue;
    if (t.properties.some((p) => p.redefines)) continue;
    // moddle qualifies the descriptor's names in place once registered ("crm:assignee"): compare local names.
    for (const p of t.properties) {
      const name = p.name.replace(/^crm:/, '');
      if (p.isAttr && !out.some((o) => o.name === name)) out.push({ ...p, name });
    }
  }
  return out;
}

export function newProcessXml(id: string, name: string, taskName: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:crm="urn:bank-crm:schema:bpmn:1.0" id="Definitions_${id}" targetNamespace="urn:bank-crm:processes">
  <bpmn:process id="${id}" name="${name}" isExecutable="true">
    <bpmn:startEvent id="start" name="发起"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="task1" name="${taskName}"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end" name="结束"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task1" />
    <bpmn:sequenceFlow id="f2" sourceRef="task1" targetRef="end" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="d1">
    <bpmndi:BPMNPlane id="p1" bpmnElement="${id}">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="180" y="160" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="task1_di" bpmnElement="task1"><dc:Bounds x="280" y="138" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="450" y="160" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="216" y="178" /><di:waypoint x="280" y="178" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="380" y="178" /><di:waypoint x="450" y="178" /></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`;
}

/** The id and name of the (first) executable process in a BPMN document. */
export function processIdOf(xml: string): { id: string | null; name: string | null } {
  const m = xml.match(/<(?:bpmn2?:)?process\b[^>]*>/);
  if (!m) return { id: null, name: null };
  const id = m[0].match(/\bid="([^"]+)"/)?.[1] ?? null;
  const name = m[0].match(/\bname="([^"]+)"/)?.[1] ?? null;
  return { id, name };
}

/**
 * The XML as bpmn-js can draw it: a file without diagram interchange (an old version deployed before
 * the server laid models out, a file from another tool) is laid out here with bpmn-auto-layout.
 */
export async function drawable(xml: string): Promise<string> {
  if (/<(\w+:)?BPMNShape\b/.test(xml)) return xml;
  const { layoutProcess } = await import('bpmn-auto-layout');
  try {
    return await layoutProcess(xml);
  } catch {
    return xml;
  }
}

/** Another engine's attributes the platform does not read (kept by bpmn-js in `$attrs`), with ours where there is one. */
const FOREIGN = /^(flowable|camunda|activiti|zeebe):(.+)$/;
const OURS: Record<string, string> = { candidateGroups: 'crm:candidateGroups', candidateUsers: 'crm:candidateGroups', assignee: 'crm:assignee', formKey: 'crm:formKey', dueDate: 'crm:dueDate' };

export function foreignAttributesIn(definitions: unknown): { elementId: string; attribute: string; suggestion?: string }[] {
  const out: { elementId: string; attribute: string; suggestion?: string }[] = [];
  const seen = new Set<unknown>();
  const visit = (el: unknown): void => {
    if (!el || typeof el !== 'object' || seen.has(el) || out.length >= 100) return;
    seen.add(el);
    const node = el as { id?: string; $type?: string; $attrs?: Record<string, unknown>; $parent?: unknown; [k: string]: unknown };
    for (const name of Object.keys(node.$attrs ?? {})) {
      const m = FOREIGN.exec(name);
      if (m) out.push({ elementId: node.id ?? node.$type ?? '?', attribute: name, ...(OURS[m[2]!] ? { suggestion: OURS[m[2]!] } : {}) });
    }
    for (const [k, v] of Object.entries(node)) {
      if (k.startsWith('$') || k === 'di') continue;
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === 'object' && '$type' in v && !k.endsWith('Ref')) visit(v);
    }
  };
  visit(definitions);
  return out;
}
