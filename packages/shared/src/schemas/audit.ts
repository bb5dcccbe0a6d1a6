/** The audit trail (`/api/audit`). */
import { z } from 'zod';

export const AuditListQuery = z.object({
  actor: z.string().max(100).optional(),
  object: z.string().max(100).optional(),
  recordId: z.string().max(100).optional(),
  action: z.string().max(100).optional(),
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().regex(/^\d{1,19}$/).optional(),
});

export const AuditVerifySchema = z.union([
  z.object({ ok: z.literal(true), checked: z.number().int() }),
  z.object({ ok: z.literal(false), firstBrokenSeq: z.number().int(), checked: z.number().int().optional() }),
]);
