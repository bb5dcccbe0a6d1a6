/** Background jobs (`/api/jobs/:id`): the state of long work that answered `202 { jobId }`. */
import { z } from 'zod';

export const JOB_STATUSES = ['queued', 'running', 'done', 'failed'] as const;

export const JobViewSchema = z.object({
  id: z.string().uuid(),
  /** What the job does, e.g. `model.train`, `campaign.launch`. */
  kind: z.string(),
  status: z.enum(JOB_STATUSES),
  /** `total` is null until the job knows it. */
  progress: z.object({ done: z.number().int().nonnegative(), total: z.number().int().nonnegative().nullable() }).strict(),
  result: z.record(z.string(), z.unknown()).optional(),
  error: z.object({ code: z.string(), message: z.string() }).strict().optional(),
  createdBy: z.string().uuid().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
}).strict();
export type JobView = z.infer<typeof JobViewSchema>;

/** What a route that starts long work answers (HTTP 202). */
export const JobStartedSchema = z.object({ jobId: z.string().uuid() }).strict();
export type JobStarted = z.infer<typeof JobStartedSchema>;
