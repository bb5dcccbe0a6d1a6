/** Process definitions, instances, tasks, messages, decisions, triggers and retention (workflow routes). */
import { z } from 'zod';
import { LocalizedTextSchema, pageLimit, Timestamp } from './common.js';

const variables = z.record(z.string().max(200), z.unknown());

export const DeployBody = z.object({
  key: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,199}$/).optional(),
  name: z.string().max(200).optional(),
  bpmnXml: z.string().min(1).max(2_000_000),
});
export const ProcessXmlQuery = z.object({ version: z.coerce.number().int().min(1).optional() });
export const StartBody = z.object({
  variables: variables.optional(),
  businessKey: z.string().max(200).optional(),
  /** Start for this record: the server reads it (as the caller may see it) into the process's business data; the business key is its id. */
  record: z.strictObject({ object: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/), id: z.string().uuid() }).optional(),
});
export const PROCESS_STATES = ['active', 'completed', 'terminated', 'incident'] as const;
export const InstanceQuery = z.object({
  state: z.enum(PROCESS_STATES).optional(),
  definitionKey: z.string().max(200).optional(),
  businessKey: z.string().max(200).optional(),
  limit: pageLimit(),
});
export const VariablesBody = z.object({ variables });
export const TASK_SCOPES = ['mine', 'candidate', 'all'] as const;
export const TaskQuery = z.object({ scope: z.enum(TASK_SCOPES).default('all'), limit: pageLimit() });
export const CompleteBody = z.object({ variables: variables.optional() });
export const MessageBody = z.object({ name: z.string().min(1).max(200), correlationKey: z.string().max(200).optional(), variables: variables.optional() });
export const SignalBody = z.object({ name: z.string().min(1).max(200), variables: variables.optional() });
export const DecisionBody = z.object({ dmnXml: z.string().min(1).max(2_000_000) });
export const EvaluateBody = z.object({ variables: variables.default({}) });
export const IncidentQuery = z.object({ instanceId: z.string().uuid().optional(), limit: pageLimit() });
export const TriggerBody = z.union([
  z.object({ processKey: z.string().min(1).max(200), object: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/), on: z.enum(['created', 'updated']), condition: z.string().max(2000).optional() }).strict(),
  z.object({ processKey: z.string().min(1).max(200), formKey: z.string().min(1).max(200), on: z.literal('submitted'), condition: z.string().max(2000).optional() }).strict(),
]);
export const HistoryTtlBody = z.object({ days: z.number().int().min(0).max(36500).nullable() }).strict();

// ---------------------------------------------------------------- answers

/** Something of the deployed file the engine does not use (another tool's extension attribute), with our equivalent. */
export const DeployWarningSchema = z.strictObject({
  code: z.literal('foreign_attribute'),
  elementId: z.string(),
  attribute: z.string(),
  suggestion: z.string().optional(),
  message: z.string(),
});
export const DeployResponseSchema = z.strictObject({
  key: z.string(), version: z.number().int(), id: z.string(), name: z.string().nullable().optional(),
  /** The file had no diagram: the deployed version carries one laid out automatically. */
  laidOut: z.boolean().optional(),
  warnings: z.array(DeployWarningSchema).optional(),
});

export const ProcessDefinitionSchema = z.strictObject({
  id: z.string(),
  key: z.string(),
  version: z.number().int(),
  name: z.string().nullable(),
  deployedAt: Timestamp,
  deployedBy: z.string().nullable().optional(),
  startEvents: z.array(z.strictObject({ id: z.string(), kind: z.enum(['message', 'signal', 'timer']), name: z.string().optional() })).optional(),
  /** `GET /api/process-definitions/:key/versions` only: instances started on this version. */
  instances: z.number().int().optional(),
});

/** One element instance of a process run: who did it, when, and how it ended. */
export const HistoryEntrySchema = z.strictObject({
  activityId: z.string(),
  type: z.string(),
  startedAt: Timestamp.nullable(),
  endedAt: Timestamp.nullable(),
  by: z.string().optional(),
  outcome: z.enum(['active', 'completed', 'cancelled', 'incident']),
});

/** An instance in a list: where it runs and how it stands. */
export const ProcessInstanceSummarySchema = z.strictObject({
  id: z.string(),
  definitionKey: z.string(),
  /** The version of the definition the instance runs on (same as `definitionVersion`). */
  version: z.number().int(),
  definitionId: z.string(),
  definitionVersion: z.number().int(),
  businessKey: z.string().nullable(),
  state: z.enum(PROCESS_STATES),
  initiator: z.string().nullable(),
  parentId: z.string().nullable(),
  startedAt: Timestamp,
  endedAt: Timestamp.nullable(),
});
/** An open user task of an instance, by id. */
export const OpenTaskRefSchema = z.strictObject({ id: z.string(), activityId: z.string(), name: z.string().nullable() });
const incidentOfInstance = z.strictObject({ id: z.string(), activityId: z.string(), kind: z.string(), message: z.string(), createdAt: Timestamp });
/** One instance: its variables as the reader may see them, where its tokens wait, its open tasks, history and incidents. */
export const ProcessInstanceSchema = ProcessInstanceSummarySchema.extend({
  variables: z.record(z.string(), z.unknown()),
  activeActivities: z.array(z.string()),
  tasks: z.array(OpenTaskRefSchema),
  history: z.array(HistoryEntrySchema),
  incidents: z.array(incidentOfInstance),
  /** `GET /api/process-instances/:id`: each variable's label (its form field, its record's field, or the engine's name for it). */
  variableLabels: z.record(z.string(), LocalizedTextSchema).optional(),
});

/**
 * The record a task's process runs for (its `object` and `recordId` variables), titled as the
 * caller may see it: `restricted` (and no title) when the caller may not read that record.
 */
export const TaskContextSchema = z.strictObject({
  object: z.string(),
  /** The object's label (null when the object no longer exists). */
  objectLabel: LocalizedTextSchema.nullable(),
  recordId: z.string(),
  title: z.string().nullable(),
  restricted: z.boolean(),
});
export const TaskSchema = z.strictObject({
  id: z.string(),
  /** null when the model gives the user task no name. */
  name: z.string().nullable(),
  activityId: z.string(),
  processInstanceId: z.string(),
  processDefinitionKey: z.string(),
  assignee: z.string().nullable(),
  candidateGroups: z.array(z.string()),
  candidateOrgUnits: z.array(z.string()),
  dueAt: Timestamp.nullable(),
  formKey: z.string().nullable(),
  status: z.enum(['open', 'completed', 'cancelled']),
  createdAt: Timestamp,
  /** Done tasks only: when and by whom. */
  endedAt: Timestamp.nullable().optional(),
  completedBy: z.string().nullable().optional(),
  /** Lists: the record the task's process runs for, when it runs for one. */
  context: TaskContextSchema.nullable().optional(),
});
/** `GET /api/tasks/:id`: the record's fields as the caller may see them, and the titles of what they point at. */
export const TaskRecordSchema = z.strictObject({
  values: z.record(z.string(), z.unknown()),
  /** relation / user / org-unit field → its target's title (「受限」-worthy targets: `restricted`). */
  display: z.record(z.string(), z.strictObject({ title: z.string().nullable(), restricted: z.boolean() })),
});
/**
 * A choice completing the task makes, read from the process: a condition `variable = value` on a
 * flow out of the gateway that follows the task (the default flow: the value no other flow takes).
 * `label` is the flow's name when the model gives one.
 */
export const TaskOutcomeSchema = z.strictObject({
  variable: z.string(),
  value: z.union([z.string(), z.boolean()]),
  label: z.string().nullable(),
});
/** `GET /api/tasks/:id`: the task with what working it needs. */
export const TaskDetailSchema = TaskSchema.extend({
  context: TaskContextSchema.nullable(),
  /** The context record as the caller may see it (null: no context, or the caller may not read it). */
  record: TaskRecordSchema.nullable(),
  outcomes: z.array(TaskOutcomeSchema),
  excludeUsers: z.array(z.string()),
  /** The variables completing it may set besides its form (`crm:outputs`). */
  outputs: z.array(z.string()),
  businessKey: z.string().nullable(),
  variables: z.record(z.string(), z.unknown()),
  canComplete: z.boolean(),
});
/** A completed task: the instance's state and the tasks it now waits on. */
export const CompleteTaskResponseSchema = z.strictObject({
  id: z.string(),
  status: z.literal('completed'),
  processInstanceId: z.string(),
  instanceState: z.enum(PROCESS_STATES),
  tasks: z.array(OpenTaskRefSchema),
});
export const CorrelatedSchema = z.strictObject({ correlated: z.number().int() });
export const TriggeredSchema = z.strictObject({ triggered: z.number().int() });
export const IncidentSchema = z.strictObject({
  id: z.string(),
  processInstanceId: z.string(),
  processDefinitionKey: z.string(),
  /** The process's and the failed activity's names in the model (null when it gives none). */
  processName: z.string().nullable(),
  activityId: z.string(),
  activityName: z.string().nullable(),
  kind: z.string(),
  message: z.string(),
  jobId: z.string().nullable(),
  createdAt: Timestamp,
});
export const DecisionDeployResponseSchema = z.strictObject({ key: z.string(), version: z.number().int(), id: z.string() });
export const DecisionDefinitionSchema = z.strictObject({ id: z.string(), key: z.string(), version: z.number().int(), name: z.string().nullable(), decisions: z.array(z.string()), deployedAt: Timestamp });
export const EvaluateResponseSchema = z.strictObject({ result: z.unknown() });
/** One decision definition's latest version with its DMN XML (the decision-table editor opens it). */
export const DecisionDetailSchema = DecisionDefinitionSchema.extend({ xml: z.string() });
export type DecisionDetail = z.infer<typeof DecisionDetailSchema>;
/** A process trigger: on a record event of an object, or on a form submission. */
export const TriggerSchema = z.strictObject({
  id: z.string(),
  processKey: z.string(),
  on: z.enum(['created', 'updated', 'submitted']),
  object: z.string().nullable().optional(),
  formKey: z.string().nullable().optional(),
  condition: z.string().nullable(),
  createdAt: Timestamp,
});
/** `GET/PUT/DELETE /api/process-definitions/:key/history-ttl`. */
export const HistoryTtlSchema = z.strictObject({
  key: z.string(),
  /** Days after the end of an instance before it is deleted; null = kept forever. */
  days: z.number().int().nullable(),
  /** `definition` when this key has its own setting, `default` when the `*` policy or CRM_RETENTION_PROCESS_DAYS applies. */
  source: z.enum(['definition', 'default']),
});
/** A housekeeping pass: rows deleted per kind, and whether another process was running one. */
export const HousekeepingResultSchema = z.strictObject({ deleted: z.record(z.string(), z.number().int()), busy: z.boolean() });
