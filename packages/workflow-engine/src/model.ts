/**
 * The parsed, executable form of a BPMN process: plain JSON (no moddle objects) so the server can
 * cache or serialize it, indexed by id so the interpreter never searches.
 */

export type ElementType =
  | 'startEvent'
  | 'endEvent'
  | 'intermediateCatchEvent'
  | 'intermediateThrowEvent'
  | 'boundaryEvent'
  | 'userTask'
  | 'serviceTask'
  | 'scriptTask'
  | 'businessRuleTask'
  | 'sendTask'
  | 'receiveTask'
  | 'manualTask'
  | 'task'
  | 'exclusiveGateway'
  | 'parallelGateway'
  | 'inclusiveGateway'
  | 'eventBasedGateway'
  | 'subProcess'
  | 'callActivity';

export type EventKind = 'none' | 'message' | 'timer' | 'signal' | 'error' | 'escalation' | 'terminate';

export interface TimerDef {
  /** Which BPMN timer child was used: timeDuration, timeDate or timeCycle. */
  kind: 'duration' | 'date' | 'cycle';
  /** Literal ISO 8601 text, or FEEL when it starts with "=". */
  expression: string;
}

export interface EventDef {
  kind: EventKind;
  messageName?: string;
  /** FEEL, evaluated when the subscription is opened. */
  correlationKey?: string;
  signalName?: string;
  /** Error / escalation code; absent on a catch means "catch all". */
  code?: string;
  timer?: TimerDef;
}

export interface Mapping {
  /** FEEL expression. */
  source: string;
  /** Variable name to write. */
  target: string;
}

export interface MultiInstanceDef {
  sequential: boolean;
  /** FEEL evaluating to a list. */
  collection?: string;
  /** FEEL evaluating to a number (used when no collection). */
  loopCardinality?: string;
  elementVariable?: string;
  outputCollection?: string;
  /** FEEL evaluated in each instance once it completes. */
  outputElement?: string;
  completionCondition?: string;
}

export interface ElementDef {
  id: string;
  type: ElementType;
  name?: string;
  /** Id of the enclosing scope (process id or subprocess id). */
  scope: string;
  incoming: string[];
  outgoing: string[];
  /** Gateways and activities: the default sequence flow. */
  defaultFlow?: string;
  /** Events: the (single) event definition; none events have kind "none". */
  event?: EventDef;
  /** Boundary events: host activity and whether it cancels the host. */
  attachedTo?: string;
  cancelActivity?: boolean;
  /** Start events of event subprocesses: interrupting or not. */
  interrupting?: boolean;
  /** Subprocesses: triggered by an event (an event subprocess). */
  triggeredByEvent?: boolean;
  multiInstance?: MultiInstanceDef;
  inputs?: Mapping[];
  outputs?: Mapping[];
  // user task
  assignee?: string;
  candidateGroups?: string;
  candidateOrgUnits?: string;
  formKey?: string;
  dueDate?: string;
  excludeUsers?: string;
  /**
   * Declared inputs: the only variables a request may set — on a user task the names it outputs
   * (`crm:outputs`), on a start event or catch event the names it accepts (`crm:inputs`).
   */
  declared?: string[];
  /** Declared names that carry a record id (`crm:inputs="customerId:customer"`): the request's caller must be able to read it. */
  declaredRefs?: Record<string, string>;
  // service / send task
  serviceType?: string;
  /** A technical role (`workflow_*`) the service acts as, instead of the user whose step triggered it. */
  runAs?: string;
  // script / business-rule task
  script?: string;
  resultVariable?: string;
  decisionRef?: string;
  // receive / send task
  messageName?: string;
  correlationKey?: string;
  // call activity
  calledElement?: string;
}

export interface FlowDef {
  id: string;
  source: string;
  target: string;
  /** FEEL condition; absent means always taken. */
  condition?: string;
  /** The flow's name in the model (a choice's label, e.g. 同意). */
  name?: string;
}

export interface ScopeDef {
  /** Process id or (event) subprocess id. */
  id: string;
  /** None start events (or, for an event subprocess, its single start event). */
  startEvents: string[];
  /** Event subprocesses directly inside this scope. */
  eventSubProcesses: string[];
  /** Flow elements directly inside this scope (boundary events included). */
  elements: string[];
}

export interface ProcessModel {
  /** The executed process id (the process key). */
  id: string;
  name?: string;
  /** Ids of every process found in the file, the executed one first. */
  processIds: string[];
  elements: Record<string, ElementDef>;
  flows: Record<string, FlowDef>;
  scopes: Record<string, ScopeDef>;
  /** Boundary event ids by host activity id. */
  boundaryByHost: Record<string, string[]>;
}
