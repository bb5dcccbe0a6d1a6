/** Request shapes of the workflow routes (zod). */
import { z } from 'zod';

const variables = z.record(z.string().max(200), z.unknown());
const limit = z.coerce.number().int().min(1).max(500).default(100);

export const DeployBody = z.object({
  key: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,199}$/).optional(),
  name: z.string().max(200).optional(),
  bpmnXml: z.string().min(1).max(2_000_000),
});
export const StartBody = z.object({ variables: variables.optional(), businessKey: z.string().max(200).optional() });
export const InstanceQuery = z.object({
  state: z.enum(['active', 'completed', 'terminated', 'incident']).optional(),
  definitionKey: z.string().max(200).optional(),
  businessKey: z.string().max(200).optional(),
  limit,
});
export const VariablesBody = z.object({ variables });
export const TaskQuery = z.object({ scope: z.enum(['mine', 'candidate', 'all']).default('all'), limit });
export const CompleteBody = z.object({ variables: variables.optional() });
export const MessageBody = z.object({ name: z.string().min(1).max(200), correlationKey: z.string().max(200).optional(), variables: variables.optional() });
export const SignalBody = z.object({ name: z.string().min(1).max(200), variables: variables.optional() });
export const DecisionBody = z.object({ dmnXml: z.string().min(1).max(2_000_000) });
export const EvaluateBody = z.object({ variables: variables.default({}) });
export const IncidentQuery = z.object({ instanceId: z.string().uuid().optional(), limit });
export const TriggerBody = z.union([
  z.object({ processKey: z.string().min(1).max(200), object: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/), on: z.enum(['created', 'updated']), condition: z.string().max(2000).optional() }).strict(),
  z.object({ processKey: z.string().min(1).max(200), formKey: z.string().min(1).max(200), on: z.literal('submitted'), condition: z.string().max(2000).optional() }).strict(),
]);
