/** The audit trail (`/api/audit`). */
import { z } from 'zod';
import { Timestamp } from './common.js';

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

/** `archived`: entries of archived months taken as recorded; `reason`: why the chain breaks at `firstBrokenSeq`. */
export const AuditVerifySchema = z.union([
  z.strictObject({ ok: z.literal(true), checked: z.number().int(), archived: z.number().int().optional() }),
  z.strictObject({
    ok: z.literal(false), firstBrokenSeq: z.number().int(), checked: z.number().int().optional(), archived: z.number().int().optional(),
    reason: z.enum(['altered', 'missing', 'gap', 'algorithm', 'archive']).optional(),
  }),
]);

/** One audit entry as the reader may see it (record values masked by the reader's own rights). */
export const AuditEntrySchema = z.strictObject({
  seq: z.number().int(),
  at: Timestamp,
  actorId: z.string().nullable(),
  actorName: z.string().nullable(),
  action: z.string(),
  object: z.string().nullable(),
  recordId: z.string().nullable(),
  outcome: z.string(),
  ip: z.string().nullable().optional(),
  requestId: z.string().nullable().optional(),
  data: z.unknown().optional(),
});
export const AuditPageSchema = z.strictObject({ items: z.array(AuditEntrySchema), nextCursor: z.string().nullable() });
