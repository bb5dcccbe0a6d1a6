/**
 * BPMN XML → ProcessModel. bpmn-moddle does the XML; this module maps moddle objects to our plain
 * model and collects every problem (unsupported element, missing attribute, FEEL that does not parse)
 * before failing, so a designer sees them all at once.
 */
import { BpmnModdle } from 'bpmn-moddle';
import { checkFeel, feelProblem } from '@crm/feel';
import { crmModdleDescriptor } from './crm-moddle.js';
import { BpmnParseError, BpmnValidationError, positionOf, type ValidationProblem } from './errors.js';
import { isReservedVariable, OBJECT_KEY, routingVariables, TECHNICAL_ROLE, VARIABLE_NAME } from './declared.js';
import type { ElementDef, ElementType, EventDef, FlowDef, Mapping, MultiInstanceDef, ProcessModel, ScopeDef } from './model.js';

 
type Mod = any;

const FLOW_NODE_TYPES: Record<string, ElementType> = {
  'bpmn:StartEvent': 'startEvent',
  'bpmn:EndEvent': 'endEvent',
  'bpmn:IntermediateCatchEvent': 'intermediateCatchEvent',
  'bpmn:IntermediateThrowEvent': 'intermediateThrowEvent',
  'bpmn:BoundaryEvent': 'boundaryEvent',
  'bpmn:UserTask': 'userTask',
  'bpmn:ServiceTask': 'serviceTask',
  'bpmn:ScriptTask': 'scriptTask',
  'bpmn:BusinessRuleTask': 'businessRuleTask',
  'bpmn:SendTask': 'sendTask',
  'bpmn:ReceiveTask': 'receiveTask',
  'bpmn:ManualTask': 'manualTask',
  'bpmn:Task': 'task',
  'bpmn:ExclusiveGateway': 'exclusiveGateway',
  'bpmn:ParallelGateway': 'parallelGateway',
  'bpmn:InclusiveGateway': 'inclusiveGateway',
  'bpmn:EventBasedGateway': 'eventBasedGateway',
  'bpmn:SubProcess': 'subProcess',
  'bpmn:CallActivity': 'callActivity',
};

/** Elements that carry no behaviour and are skipped. */
const IGNORED_TYPES = new Set([
  'bpmn:DataObject',
  'bpmn:DataObjectReference',
  'bpmn:DataStoreReference',
  'bpmn:TextAnnotation',
  'bpmn:Association',
  'bpmn:Group',
]);

const EVENT_KINDS: Record<string, EventDef['kind']> = {
  'bpmn:MessageEventDefinition': 'message',
  'bpmn:TimerEventDefinition': 'timer',
  'bpmn:SignalEventDefinition': 'signal',
  'bpmn:ErrorEventDefinition': 'error',
  'bpmn:EscalationEventDefinition': 'escalation',
  'bpmn:TerminateEventDefinition': 'terminate',
};

/** Which event kinds each event type may carry (BPMN 2.0 table 10.84ff, restricted to what we run). */
const ALLOWED_EVENTS: Partial<Record<ElementType, EventDef['kind'][]>> = {
  startEvent: ['none', 'message', 'timer', 'signal', 'error', 'escalation'],
  endEvent: ['none', 'message', 'signal', 'error', 'escalation', 'terminate'],
  intermediateCatchEvent: ['message', 'timer', 'signal'],
  intermediateThrowEvent: ['none', 'message', 'signal', 'escalation'],
  boundaryEvent: ['message', 'timer', 'signal', 'error', 'escalation'],
};

let moddle: BpmnModdle | undefined;

export async function parseBpmn(xml: string): Promise<ProcessModel> {
  // moddle annotates descriptors in place: give it a copy so the exported one stays pristine.
  moddle ??= new BpmnModdle({ crm: structuredClone(crmModdleDescriptor) });
  let result: Awaited<ReturnType<BpmnModdle['fromXML']>>;
  try {
    result = await moddle.fromXML(xml, 'bpmn:Definitions');
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    const pos = positionOf(message);
    throw new BpmnParseError(message.split('\n')[0] + (message.includes('nested error') ? ': ' + message.split('nested error: ')[1] : ''), pos.line, pos.column);
  }
  const problems: ValidationProblem[] = [];
  for (const w of result.warnings) {
    const nested = /nested error: (.*)$/s.exec(w.message)?.[1] ?? '';
    const pos = positionOf(w.message);
    if (/unknown type/.test(nested)) {
      problems.push({ elementId: `line ${pos.line ?? '?'}`, message: `unsupported element: ${nested}` });
    } else if (/^unresolved reference/.test(w.message)) {
      problems.push({ elementId: 'definitions', message: w.message });
    } else if (/^unknown attribute/.test(w.message)) {
      // Foreign attributes (e.g. another tool's extension) are harmless; ours are all declared.
      if (/<crm:/.test(w.message)) problems.push({ elementId: 'definitions', message: w.message });
    } else if (w.message.startsWith('unparsable content')) {
      // Text-level damage inside an otherwise readable document is still malformed XML.
      throw new BpmnParseError(`${w.message.split('\n')[0]}: ${nested}`, pos.line, pos.column);
    } else {
      problems.push({ elementId: 'definitions', message: w.message });
    }
  }
  const defs: Mod = result.rootElement;
  const processes: Mod[] = (defs?.rootElements ?? []).filter((e: Mod) => e.$type === 'bpmn:Process');
  if (processes.length === 0) {
    throw new BpmnValidationError([...problems, { elementId: defs?.id ?? 'definitions', message: 'no bpmn:process in the file' }]);
  }
  // Several processes (e.g. a collaboration): run the first executable one, else the first.
  const main = processes.find((p) => p.isExecutable) ?? processes[0];
  const builder = new ModelBuilder(problems);
  const model = builder.build(main, processes.map((p) => p.id));
  // Who works a task is decided by the engine: no request may set a variable an assignment reads.
  const routing = routingVariables(model);
  for (const el of Object.values(model.elements)) {
    const bad = (el.declared ?? []).filter((n) => routing.has(n));
    if (bad.length) problems.push({ elementId: el.id, message: `${bad.join(', ')} decide(s) who works a task and may not be set by a request` });
  }
  if (problems.length) throw new BpmnValidationError(problems);
  return model;
}

class ModelBuilder {
  private readonly elements: Record<string, ElementDef> = {};
  private readonly flows: Record<string, FlowDef> = {};
  private readonly scopes: Record<string, ScopeDef> = {};
  private readonly boundaryByHost: Record<string, string[]> = {};

  constructor(private readonly problems: ValidationProblem[]) {}

  build(process: Mod, processIds: string[]): ProcessModel {
    this.scope(process, process.id);
    this.link();
    const ids = [process.id, ...processIds.filter((id) => id !== process.id)];
    return {
      id: process.id,
      ...(process.name ? { name: process.name } : {}),
      processIds: ids,
      elements: this.elements,
      flows: this.flows,
      scopes: this.scopes,
      boundaryByHost: this.boundaryByHost,
    };
  }

  private problem(elementId: string, message: string): void {
    this.problems.push({ elementId, message });
  }

  /** Records a FEEL expression problem when it does not parse. */
  private feel(elementId: string, what: string, expr: string | undefined): string | undefined {
    if (expr === undefined) return undefined;
    const err = checkFeel(expr);
    if (err) this.problem(elementId, `${what}: ${feelProblem(err)}: ${expr}`);
    return expr;
  }

  /** Attributes that are FEEL only when they start with "=" (Camunda 8 convention). */
  private maybeFeel(elementId: string, what: string, value: string | undefined): string | undefined {
    if (value !== undefined && value.trim().startsWith('=')) this.feel(elementId, what, value);
    return value;
  }

  private scope(container: Mod, scopeId: string): void {
    const scope: ScopeDef = { id: scopeId, startEvents: [], eventSubProcesses: [], elements: [] };
    this.scopes[scopeId] = scope;
    const flowElements: Mod[] = container.flowElements ?? [];
    for (const el of flowElements) {
      if (el.$type === 'bpmn:SequenceFlow') {
        this.flow(el);
        continue;
      }
      if (IGNORED_TYPES.has(el.$type)) continue;
      const type = FLOW_NODE_TYPES[el.$type];
      if (!type) {
        this.problem(el.id ?? scopeId, `unsupported element ${el.$type}`);
        continue;
      }
      if (!el.id) {
        this.problem(scopeId, `${el.$type} without id`);
        continue;
      }
      const def = this.element(el, type, scopeId);
      this.elements[def.id] = def;
      scope.elements.push(def.id);
      if (type === 'startEvent') scope.startEvents.push(def.id);
      if (type === 'subProcess') {
        if (def.triggeredByEvent) scope.eventSubProcesses.push(def.id);
        this.scope(el, def.id);
        const inner = this.scopes[def.id]!;
        if (inner.startEvents.length === 0) this.problem(def.id, 'subprocess has no start event');
        if (def.triggeredByEvent) {
          if (inner.startEvents.length !== 1) this.problem(def.id, 'event subprocess needs exactly one start event');
          const start = inner.startEvents[0] ? this.elements[inner.startEvents[0]] : undefined;
          if (start && start.event?.kind === 'none') this.problem(start.id, 'event subprocess start event needs a trigger (message, timer, signal, error, escalation)');
        } else {
          for (const s of inner.startEvents) {
            if (this.elements[s]?.event?.kind !== 'none') this.problem(s, 'an embedded subprocess starts with a none start event');
          }
        }
      }
    }
    if (scopeId === container.id && container.$type === 'bpmn:Process' && scope.startEvents.length === 0) {
      this.problem(scopeId, 'process has no start event');
    }
  }

  private flow(el: Mod): void {
    const id: string = el.id;
    if (!el.sourceRef?.id || !el.targetRef?.id) {
      this.problem(id, 'sequence flow needs sourceRef and targetRef');
      return;
    }
    const condition: string | undefined = el.conditionExpression?.body?.trim() || undefined;
    this.feel(id, 'condition', condition);
    const name = typeof el.name === 'string' && el.name.trim() ? el.name.trim() : undefined;
    this.flows[id] = { id, source: el.sourceRef.id, target: el.targetRef.id, ...(condition ? { condition } : {}), ...(name ? { name } : {}) };
  }

  private element(el: Mod, type: ElementType, scope: string): ElementDef {
    const id: string = el.id;
    const def: ElementDef = { id, type, scope, incoming: [], outgoing: [] };
    if (el.name) def.name = el.name;
    if (el.default?.id) def.defaultFlow = el.default.id;

    if (type in ALLOWED_EVENTS) def.event = this.eventDef(el, type);
    if (type === 'boundaryEvent') {
      if (!el.attachedToRef?.id) this.problem(id, 'boundary event without attachedToRef');
      else {
        const host: string = el.attachedToRef.id;
        def.attachedTo = host;
        (this.boundaryByHost[host] ??= []).push(id);
      }
      def.cancelActivity = el.cancelActivity !== false;
    }
    if (type === 'startEvent') def.interrupting = el.isInterrupting !== false;
    if (type === 'subProcess' && el.triggeredByEvent) def.triggeredByEvent = true;

    const io = (el.extensionElements?.values ?? []).find((v: Mod) => v.$type === 'crm:IoMapping');
    if (io) {
      def.inputs = this.mappings(id, 'input', io.inputParameters);
      def.outputs = this.mappings(id, 'output', io.outputParameters);
    }
    if (el.loopCharacteristics) def.multiInstance = this.multiInstance(id, el.loopCharacteristics);

    if (type === 'startEvent') {
      def.formKey = el.formKey;
      def.declared = this.names(def, 'crm:inputs', el.inputs);
    }
    if (type === 'intermediateCatchEvent' || type === 'boundaryEvent' || type === 'receiveTask') def.declared = this.names(def, 'crm:inputs', el.inputs);
    switch (type) {
      case 'userTask':
        def.declared = this.names(def, 'crm:outputs', el.outputs);
        def.assignee = this.maybeFeel(id, 'crm:assignee', el.assignee);
        def.candidateGroups = this.maybeFeel(id, 'crm:candidateGroups', el.candidateGroups);
        def.candidateOrgUnits = this.maybeFeel(id, 'crm:candidateOrgUnits', el.candidateOrgUnits);
        def.formKey = el.formKey;
        def.dueDate = this.feel(id, 'crm:dueDate', el.dueDate);
        def.excludeUsers = this.feel(id, 'crm:excludeUsers', el.excludeUsers);
        break;
      case 'serviceTask':
        def.serviceType = el.type;
        def.runAs = this.runAs(id, el.runAs);
        if (!el.type) this.problem(id, 'service task needs crm:type');
        break;
      case 'sendTask':
        def.serviceType = el.type;
        def.runAs = this.runAs(id, el.runAs);
        this.messageRef(el, def, !el.type);
        break;
      case 'receiveTask':
        this.messageRef(el, def, true);
        break;
      case 'scriptTask': {
        const format = (el.scriptFormat ?? 'feel').toLowerCase();
        if (format !== 'feel') this.problem(id, `script format "${el.scriptFormat}" is not supported (only feel)`);
        def.script = this.feel(id, 'script', el.script?.trim() || undefined);
        if (!def.script) this.problem(id, 'script task needs a FEEL script');
        def.resultVariable = el.resultVariable;
        break;
      }
      case 'businessRuleTask':
        def.decisionRef = el.decisionRef;
        def.resultVariable = el.resultVariable;
        if (!el.decisionRef) this.problem(id, 'business rule task needs crm:decisionRef');
        break;
      case 'callActivity':
        def.calledElement = el.calledElement;
        if (!el.calledElement) this.problem(id, 'call activity needs crm:calledElement');
        break;
      default:
        break;
    }
    for (const k of Object.keys(def) as (keyof ElementDef)[]) if (def[k] === undefined) delete def[k];
    return def;
  }

  /**
   * A comma separated list of variable names a request may set (`name`, or `name:object` for the id
   * of a record of that object); engine-set identities may not be among them.
   */
  private names(def: ElementDef, what: string, raw: string | undefined): string[] | undefined {
    if (raw === undefined) return undefined;
    const list: string[] = [];
    for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
      const [n = '', object] = entry.split(':').map((s) => s.trim());
      if (!VARIABLE_NAME.test(n)) this.problem(def.id, `${what}: "${n}" is not a variable name`);
      else if (isReservedVariable(n)) this.problem(def.id, `${what}: "${n}" is set by the engine and may not come from a request`);
      if (object !== undefined) {
        if (!OBJECT_KEY.test(object)) this.problem(def.id, `${what}: "${object}" is not an object key`);
        else (def.declaredRefs ??= {})[n] = object;
      }
      if (!list.includes(n)) list.push(n);
    }
    return list;
  }

  private runAs(id: string, role: string | undefined): string | undefined {
    if (role !== undefined && !TECHNICAL_ROLE.test(role)) this.problem(id, `crm:runAs: "${role}" is not a technical role (workflow_…)`);
    return role;
  }

  private messageRef(el: Mod, def: ElementDef, required: boolean): void {
    const msg = el.messageRef;
    if (!msg?.name) {
      if (required) this.problem(def.id, 'needs a messageRef to a bpmn:message with a name');
      return;
    }
    def.messageName = msg.name;
    def.correlationKey = this.feel(def.id, 'crm:correlationKey', msg.correlationKey);
  }

  private eventDef(el: Mod, type: ElementType): EventDef {
    const defs: Mod[] = el.eventDefinitions ?? [];
    const id: string = el.id;
    if (defs.length > 1) this.problem(id, 'multiple event definitions are not supported');
    const d = defs[0];
    if (!d) {
      if (type === 'boundaryEvent' || type === 'intermediateCatchEvent') this.problem(id, `${type} needs an event definition`);
      return { kind: 'none' };
    }
    const kind = EVENT_KINDS[d.$type];
    if (!kind) {
      this.problem(id, `unsupported event definition ${d.$type}`);
      return { kind: 'none' };
    }
    if (!ALLOWED_EVENTS[type]!.includes(kind)) this.problem(id, `${kind} is not supported on a ${type}`);
    const ev: EventDef = { kind };
    switch (kind) {
      case 'message':
        if (!d.messageRef?.name) this.problem(id, 'message event needs a messageRef to a bpmn:message with a name');
        else {
          ev.messageName = d.messageRef.name;
          const key = this.feel(id, 'crm:correlationKey', d.messageRef.correlationKey);
          if (key) ev.correlationKey = key;
        }
        break;
      case 'signal':
        if (!d.signalRef?.name) this.problem(id, 'signal event needs a signalRef to a bpmn:signal with a name');
        else ev.signalName = d.signalRef.name;
        break;
      case 'error':
        if (d.errorRef?.errorCode) ev.code = d.errorRef.errorCode;
        else if (type === 'endEvent') this.problem(id, 'error end event needs an errorRef with an errorCode');
        break;
      case 'escalation':
        if (d.escalationRef?.escalationCode) ev.code = d.escalationRef.escalationCode;
        else if (type === 'endEvent' || type === 'intermediateThrowEvent') this.problem(id, 'escalation throw needs an escalationRef with an escalationCode');
        break;
      case 'timer': {
        const pick = d.timeDuration ? 'duration' : d.timeDate ? 'date' : d.timeCycle ? 'cycle' : undefined;
        const body: string | undefined = pick ? (d[pick === 'duration' ? 'timeDuration' : pick === 'date' ? 'timeDate' : 'timeCycle']?.body ?? '').trim() : undefined;
        if (!pick || !body) this.problem(id, 'timer needs timeDuration, timeDate or timeCycle');
        else {
          this.maybeFeel(id, 'timer', body);
          ev.timer = { kind: pick, expression: body };
        }
        break;
      }
      default:
        break;
    }
    return ev;
  }

  private mappings(id: string, what: string, list: Mod[] | undefined): Mapping[] {
    return (list ?? []).map((m: Mod) => {
      if (!m.source || !m.target) this.problem(id, `crm:${what} needs source and target`);
      this.feel(id, `crm:${what} ${m.target ?? ''}`.trim(), m.source);
      return { source: m.source ?? 'null', target: m.target ?? '' };
    });
  }

  private multiInstance(id: string, lc: Mod): MultiInstanceDef | undefined {
    if (lc.$type !== 'bpmn:MultiInstanceLoopCharacteristics') {
      this.problem(id, `${lc.$type} is not supported (use multi-instance)`);
      return undefined;
    }
    const mi: MultiInstanceDef = { sequential: lc.isSequential === true };
    if (lc.collection) mi.collection = this.feel(id, 'crm:collection', lc.collection);
    const card = lc.loopCardinality?.body?.trim();
    if (card) mi.loopCardinality = this.feel(id, 'loopCardinality', card);
    if (!mi.collection && !mi.loopCardinality) this.problem(id, 'multi-instance needs crm:collection or loopCardinality');
    if (lc.elementVariable) mi.elementVariable = lc.elementVariable;
    if (lc.outputCollection) mi.outputCollection = lc.outputCollection;
    if (lc.outputElement) mi.outputElement = this.feel(id, 'crm:outputElement', lc.outputElement);
    if (mi.outputElement && !mi.outputCollection) this.problem(id, 'crm:outputElement needs crm:outputCollection');
    const cond = lc.completionCondition?.body?.trim();
    if (cond) mi.completionCondition = this.feel(id, 'completionCondition', cond);
    return mi;
  }

  /** Wires flows to nodes and checks what needs the whole graph. */
  private link(): void {
    for (const f of Object.values(this.flows)) {
      const s = this.elements[f.source];
      const t = this.elements[f.target];
      if (!s || !t) {
        this.problem(f.id, `sequence flow connects unknown element ${!s ? f.source : f.target}`);
        continue;
      }
      if (s.scope !== t.scope) this.problem(f.id, 'sequence flow crosses a subprocess boundary');
      s.outgoing.push(f.id);
      t.incoming.push(f.id);
    }
    for (const host of Object.keys(this.boundaryByHost)) {
      const h = this.elements[host];
      if (!h || !['userTask', 'serviceTask', 'scriptTask', 'businessRuleTask', 'sendTask', 'receiveTask', 'manualTask', 'task', 'subProcess', 'callActivity'].includes(h.type)) {
        for (const b of this.boundaryByHost[host]!) this.problem(b, `boundary event attached to ${host}, which is not an activity`);
      }
    }
    for (const el of Object.values(this.elements)) {
      if (el.defaultFlow && !el.outgoing.includes(el.defaultFlow)) this.problem(el.id, `default flow ${el.defaultFlow} is not an outgoing flow`);
      if (el.type === 'startEvent' && el.incoming.length) this.problem(el.id, 'start event with incoming flow');
      if (el.type === 'boundaryEvent' && el.incoming.length) this.problem(el.id, 'boundary event with incoming flow');
      if (el.type === 'endEvent' && el.outgoing.length) this.problem(el.id, 'end event with outgoing flow');
      if ((el.type === 'boundaryEvent' || el.type === 'intermediateCatchEvent') && el.outgoing.length === 0) {
        this.problem(el.id, `${el.type} needs an outgoing flow`);
      }
      if (el.type === 'eventBasedGateway') {
        for (const fid of el.outgoing) {
          const t = this.elements[this.flows[fid]!.target]!;
          const ok = (t.type === 'intermediateCatchEvent' && t.event && ['message', 'timer', 'signal'].includes(t.event.kind)) || t.type === 'receiveTask';
          if (!ok) this.problem(el.id, `event-based gateway leads to ${t.id}, which is not a message/timer/signal catch event or receive task`);
          if (t.incoming.length > 1) this.problem(t.id, 'a target of an event-based gateway must have one incoming flow');
        }
      }
      if (el.event?.kind === 'error' && el.type === 'boundaryEvent' && el.cancelActivity === false) {
        this.problem(el.id, 'an error boundary event is always interrupting');
      }
    }
  }
}
