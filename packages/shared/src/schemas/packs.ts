/** Routes of solution packs: templates and the bank pack's customers and segments. */
import { z } from 'zod';
import { Key } from './common.js';

export const ApplyRolesBody = z.object({ roles: z.array(Key).min(1).max(50) }).strict();

const segmentFilter = z.record(z.string(), z.unknown()).refine((f) => Object.keys(f).length > 0 && JSON.stringify(f).length <= 20_000, 'a non-empty filter object of at most 20000 characters');
export const SegmentBody = z.object({
  code: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
  name: z.string().trim().min(1).max(200),
  targetObject: Key.optional(),
  filter: segmentFilter,
  description: z.string().max(2000).optional(),
}).strict();
export const SegmentPatchBody = z.object({
  version: z.number().int().min(1),
  name: z.string().trim().min(1).max(200).optional(),
  filter: segmentFilter.optional(),
  description: z.string().max(2000).nullable().optional(),
}).strict();
export const SegmentMembersQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), cursor: z.string().max(2000).optional() });
export const SegmentStartBody = z.object({ processKey: z.string().min(1).max(200), max: z.number().int().min(1).max(1000).default(100) });
export const KycScheduleBody = z.object({ max: z.number().int().min(1).max(5000).optional() });
/** `depth` of the relationship network, 1 to `maxDepth`. */
export const networkQuery = (maxDepth: number) => z.object({ depth: z.coerce.number().int().min(1).max(maxDepth).default(2) });

/** Call-centre screen pop: exactly one of a mobile number or an ID number. */
export const CustomerLookupQuery = z
  .object({
    phone: z.string().trim().min(5).max(32).regex(/^\+?[0-9 ()-]+$/, 'digits, spaces, dashes, brackets and a leading +').optional(),
    idNumber: z.string().trim().min(6).max(32).regex(/^[0-9A-Za-z]+$/, 'letters and digits').optional(),
    log: z.enum(['0', '1']).default('1'),
  })
  .strict()
  .refine((q) => (q.phone === undefined) !== (q.idNumber === undefined), 'give exactly one of phone and idNumber');

/** A part of a solution pack an install or upgrade left as the bank has it. `part` is `<kind>:<key>` (object, field, form, process, decision, trigger, record). */
export const PackConflictSchema = z.object({
  part: z.string(),
  reason: z.enum(['changed_on_both_sides', 'deleted_by_bank', 'no_baseline']),
  packVersion: z.string(),
  baseFingerprint: z.string().nullable(),
  bankFingerprint: z.string().nullable(),
  packFingerprint: z.string(),
  detectedAt: z.string().optional(),
});
/** `GET /api/admin/packs/:key/conflicts`: the parts the latest install of the pack did not apply. */
export const PackConflictsSchema = z.object({
  key: z.string(),
  installed: z.object({ version: z.string(), installedAt: z.string() }).nullable(),
  items: z.array(PackConflictSchema),
});
/** `POST /api/admin/packs/:key/conflicts/resolve`: the bank keeps its own version of these reported parts. */
export const ResolvePackConflictsBody = z.object({ parts: z.array(z.string().min(1).max(300)).min(1).max(500) }).strict();
export const ResolvedPackConflictsSchema = z.object({ resolved: z.array(z.string()), items: z.array(PackConflictSchema) });
