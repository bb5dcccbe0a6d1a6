/** Health probes (`/api/health*`): public answers for load balancers and monitoring. */
import { z } from 'zod';

/** 200 with `db: "ok"`, or 503 with `status: "error"` and `db: "down"`. */
export const HealthSchema = z.strictObject({
  status: z.enum(['ok', 'error']),
  db: z.enum(['ok', 'down']),
  version: z.string(),
  /** The latest applied migration (null when the database did not answer). */
  schemaVersion: z.string().nullable(),
});
export const LivenessSchema = z.strictObject({ status: z.literal('ok') });
export const ReadinessSchema = z.strictObject({
  status: z.enum(['ready', 'not_ready']),
  shuttingDown: z.boolean(),
  db: z.enum(['ok', 'down', 'unknown']),
  migrations: z.enum(['ok', 'pending']),
});
/** The generated OpenAPI 3.1 document (its own specification describes it). */
export const OpenApiDocumentSchema = z.object({ openapi: z.string(), info: z.record(z.string(), z.unknown()), paths: z.record(z.string(), z.unknown()) }).catchall(z.unknown());
