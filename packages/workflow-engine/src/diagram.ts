/**
 * Every deployed process can be drawn: a model without diagram interchange (BPMN DI) is laid out
 * with bpmn-auto-layout at deploy, and the laid-out XML must run exactly as the original (same
 * parsed model) or the original is kept. Also: the extension attributes of other tools (Flowable,
 * Camunda, Activiti) that the engine does not read, with our equivalent when there is one — reported
 * as warnings, since the model still runs, only without them.
 */
import { BpmnModdle } from 'bpmn-moddle';
import { layoutProcess } from 'bpmn-auto-layout';
import { isDeepStrictEqual } from 'node:util';
import { parseBpmn } from './parse-bpmn.js';

type Mod = { $type?: string; $attrs?: Record<string, string>; id?: string; [k: string]: unknown };

export interface ForeignAttribute {
  elementId: string;
  attribute: string;
  /** Our attribute that does the same, when there is one (`crm:candidateGroups`). */
  suggestion?: string;
}

/** Foreign attribute (without its prefix) → ours. */
const EQUIVALENT: Record<string, string> = {
  candidateGroups: 'crm:candidateGroups',
  candidateUsers: 'crm:candidateGroups',
  assignee: 'crm:assignee',
  formKey: 'crm:formKey',
  dueDate: 'crm:dueDate',
  resultVariable: 'crm:resultVariable',
  class: 'crm:type',
  delegateExpression: 'crm:type',
  type: 'crm:type',
  decisionRef: 'crm:decisionRef',
  calledElement: 'crm:calledElement',
  collection: 'crm:collection',
  elementVariable: 'crm:elementVariable',
};

const FOREIGN_PREFIX = /^(flowable|camunda|activiti|zeebe):(.+)$/;

async function read(xml: string): Promise<Mod> {
  const { rootElement } = await new BpmnModdle().fromXML(xml, 'bpmn:Definitions');
  return rootElement as unknown as Mod;
}

/**
 * The file with every flow node's `incoming` / `outgoing` filled from the sequence flows (many tools,
 * and hand-written files, leave them out; the layout follows them to place nodes and draw edges).
 */
async function withFlowRefs(xml: string): Promise<string> {
  const moddle = new BpmnModdle();
  const { rootElement } = await moddle.fromXML(xml, 'bpmn:Definitions');
  walk(rootElement as Mod, (el) => {
    if (el.$type !== 'bpmn:SequenceFlow') return;
    const link = (node: unknown, prop: 'incoming' | 'outgoing') => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      const list = (n[prop] as unknown[] | undefined) ?? [];
      if (!list.includes(el)) n[prop] = [...list, el];
    };
    link(el.sourceRef, 'outgoing');
    link(el.targetRef, 'incoming');
  });
  return (await moddle.toXML(rootElement, { format: true })).xml;
}

/** Walks a moddle tree once (references form cycles: each element is visited once). */
function walk(root: Mod, visit: (el: Mod) => void): void {
  const seen = new Set<unknown>();
  const go = (v: unknown) => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const x of v) go(x);
      return;
    }
    const el = v as Mod;
    if (typeof el.$type === 'string') visit(el);
    for (const [k, x] of Object.entries(el)) if (!k.startsWith('$') || k === '$children') go(x);
  };
  go(root);
}

/** Whether the file carries diagram interchange: at least one shape or edge. */
export async function hasDiagram(xml: string): Promise<boolean> {
  const defs = await read(xml);
  const diagrams = (defs.diagrams as Mod[] | undefined) ?? [];
  return diagrams.some((d) => (((d.plane as Mod | undefined)?.planeElement as unknown[] | undefined) ?? []).length > 0);
}

/**
 * The XML with a diagram: as given when it has one, else laid out. `laidOut` says which. The layout is
 * kept only when it parses to the very same model.
 */
export async function ensureDiagram(xml: string): Promise<{ xml: string; laidOut: boolean }> {
  let out: string;
  let before: unknown;
  try {
    if (await hasDiagram(xml)) return { xml, laidOut: false };
    // A file that does not parse or does not validate stays as it is: deploy reports why.
    before = await parseBpmn(xml);
    out = await layoutProcess(await withFlowRefs(xml));
  } catch {
    return { xml, laidOut: false };
  }
  const after = await parseBpmn(out).catch(() => null);
  if (!after || !isDeepStrictEqual(JSON.parse(JSON.stringify(before)), JSON.parse(JSON.stringify(after)))) return { xml, laidOut: false };
  return { xml: out, laidOut: true };
}

/** Attributes of other engines (`flowable:candidateGroups` …) the engine does not read. */
export async function foreignAttributes(xml: string): Promise<ForeignAttribute[]> {
  const out: ForeignAttribute[] = [];
  walk(await read(xml), (el) => {
    for (const name of Object.keys(el.$attrs ?? {})) {
      const m = FOREIGN_PREFIX.exec(name);
      if (!m) continue;
      const suggestion = EQUIVALENT[m[2]!];
      out.push({ elementId: el.id ?? el.$type ?? '?', attribute: name, ...(suggestion ? { suggestion } : {}) });
    }
  });
  return out;
}
