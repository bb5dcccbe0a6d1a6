/** Instance state, events in and effects out: all plain JSON so the server can persist them as they are. */

export type InstanceStatus = 'active' | 'completed' | 'terminated' | 'incident';

/** One node of the execution tree: the process, a (sub)process scope, an activity, a multi-instance body. */
export interface Execution {
  id: string;
  elementId: string;
  /** Enclosing scope execution; null for the process itself. */
  parent: string | null;
  kind: 'process' | 'scope' | 'activity' | 'miBody';
  startedAt: string;
  /** Local variables; present on executions that are a variable scope. */
  vars?: Record<string, unknown>;
  /** Set on the inner instances of a multi-instance activity (their loopCounter). */
  miIndex?: number;
  /** Multi-instance body bookkeeping. */
  mi?: { items: unknown[]; next: number; outputs: unknown[] };
  /** A join gateway waiting for tokens: the incoming flows that arrived so far. */
  arrived?: string[];
  /** The process execution: the start event it began at (re-used when a start is retried). */
  startId?: string;
  /** Open incident on this execution. */
  incidentId?: string;
}

export interface TaskInfo {
  taskId: string;
  activityId: string;
  name?: string;
  assignee?: string;
  candidateGroups: string[];
  candidateOrgUnits: string[];
  /** Four-eyes: users who may not complete this task. */
  excludeUsers: string[];
  formKey?: string;
  dueAt?: string;
}

export interface TimerRepeat {
  /** Further firings after this one; null means unbounded. */
  remaining: number | null;
  /** ISO 8601 duration between firings. */
  interval: string;
}

/** Something the instance waits for from outside, keyed by its own id (taskId, timerId, ...). */
export interface Wait {
  id: string;
  kind: 'task' | 'timer' | 'message' | 'signal' | 'job' | 'call';
  /** The execution the wait belongs to (the host activity for boundary events, the scope for event subprocesses). */
  execId: string;
  /** The element that reacts: the activity, catch event, boundary event or event-subprocess start event. */
  elementId: string;
  role: 'activity' | 'boundary' | 'eventSubProcess' | 'eventGateway';
  name?: string;
  correlationKey?: string;
  dueAt?: string;
  repeat?: TimerRepeat;
  task?: TaskInfo;
}

export interface Incident {
  id: string;
  execId: string;
  activityId: string;
  message: string;
  /** What to redo on retry: run the element again, or finish completing it with the stored result. */
  phase: 'execute' | 'complete';
  result?: Record<string, unknown>;
  createdAt: string;
}

export interface InstanceState {
  instanceId: string;
  processId: string;
  status: InstanceStatus;
  businessKey?: string;
  initiator: string;
  /** Counter behind every generated id: ids are `${instanceId}:${seq}`, so replays are identical. */
  seq: number;
  rootId: string;
  execs: Record<string, Execution>;
  waits: Record<string, Wait>;
  incidents: Record<string, Incident>;
}

export type WorkflowEvent =
  | { type: 'completeTask'; taskId: string; variables?: Record<string, unknown>; by: string }
  | { type: 'message'; subscriptionId: string; name: string; variables?: Record<string, unknown> }
  | { type: 'timer'; timerId: string }
  | { type: 'signal'; subscriptionId: string; name: string; variables?: Record<string, unknown> }
  | { type: 'serviceCompleted'; jobId: string; result?: Record<string, unknown> }
  | { type: 'serviceFailed'; jobId: string; errorCode?: string; message: string }
  | { type: 'callCompleted'; callId: string; variables?: Record<string, unknown> }
  | { type: 'cancel' };

export type Effect =
  | ({ type: 'createTask' } & TaskInfo)
  | { type: 'cancelTask'; taskId: string }
  | { type: 'scheduleTimer'; timerId: string; activityId: string; dueAt: string; repeat?: TimerRepeat }
  | { type: 'cancelTimer'; timerId: string }
  | { type: 'subscribeMessage'; subscriptionId: string; name: string; correlationKey?: string; activityId: string }
  | { type: 'subscribeSignal'; subscriptionId: string; name: string; activityId: string }
  | { type: 'unsubscribe'; subscriptionId: string }
  | { type: 'runService'; jobId: string; activityId: string; serviceType: string; input: Record<string, unknown>; runAs?: string }
  | { type: 'cancelJob'; jobId: string }
  | { type: 'throwSignal'; name: string; variables: Record<string, unknown> }
  | { type: 'sendMessage'; name: string; correlationKey?: string; variables: Record<string, unknown> }
  | { type: 'startCall'; callId: string; activityId: string; processKey: string; variables: Record<string, unknown> }
  | { type: 'cancelCall'; callId: string }
  | { type: 'incident'; incidentId: string; activityId: string; message: string }
  | { type: 'incidentResolved'; incidentId: string }
  | { type: 'completed' }
  | { type: 'terminated' };

export interface TraceEntry {
  activityId: string;
  /** The element type (userTask, exclusiveGateway, ...). */
  type: string;
  event: 'start' | 'end' | 'cancel' | 'incident';
  /** The user who completed a user task. */
  by?: string;
  at: string;
  /** Pairs a start with its end/cancel when the same activity runs several times. */
  elementInstanceId: string;
}

export interface StepResult {
  state: InstanceState;
  effects: Effect[];
  trace: TraceEntry[];
}
