/** Process definitions, instances, tasks, messages, decisions, triggers and retention (workflow routes). */
import { z } from 'zod';
import { pageLimit } from './common.js';

const variables = z.record(z.string().max(200), z.unknown());

export const DeployBody = z.object({
  key: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,199}$/).optional(),
  name: z.string().max(200).optional(),
  bpmnXml: z.string().min(1).max(2_000_000),
});
export const ProcessXmlQuery = z.object({ version: z.coerce.number().int().min(1).optional() });
export const StartBody = z.object({ variables: variables.optional(), businessKey: z.string().max(200).optional() });
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

export const DeployResponseSchema = z.object({ key: z.string(), version: z.number().int(), id: z.string() }).passthrough();
export const ProcessInstanceSchema = z.object({
  id: z.string(),
  state: z.enum(PROCESS_STATES),
  variables: z.record(z.string(), z.unknown()),
  activeActivities: z.array(z.string()),
  history: z.array(z.object({ activityId: z.string(), type: z.string(), startedAt: z.string(), endedAt: z.string().nullable().optional(), by: z.string().nullable().optional() }).passthrough()),
}).passthrough();
export const TaskSchema = z.object({
  id: z.string(),
  name: z.string(),
  activityId: z.string(),
  processInstanceId: z.string(),
  assignee: z.string().nullable(),
  candidateGroups: z.array(z.string()),
  dueAt: z.string().nullable(),
  formKey: z.string().nullable(),
}).passthrough();
