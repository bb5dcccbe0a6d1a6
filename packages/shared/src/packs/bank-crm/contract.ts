/**
 * The bank pack's HTTP contract (customers, 360° view, relationship network, guarantee circles, rule
 * tags, KYC reviews, segments): request and answer schemas. The platform's own contract never imports it.
 */
import { z } from 'zod';
import { Key, pageOfSchema, Timestamp } from '../../schemas/common.js';
import { RecordSchema } from '../../schemas/records.js';
import { ProcessInstanceSummarySchema, TaskSchema } from '../../schemas/workflow.js';

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

// ---------------------------------------------------------------- answers

/**
 * One customer of a relationship network, as the caller may see it; a customer outside the caller's
 * row scope shows only as `{ id, depth, restricted: true }` (the shape of the network, not who is in it).
 */
export const NetworkNodeSchema = z.strictObject({
  id: z.string(),
  /** Hops from the customer the network was asked for (0 = that customer). */
  depth: z.number().int(),
  name: z.string().nullable().optional(),
  restricted: z.literal(true).optional(),
  customerType: z.string().nullable().optional(),
  riskLevel: z.string().nullable().optional(),
  inGuaranteeCircle: z.boolean().nullable().optional(),
  guaranteeCircle: z.string().nullable().optional(),
});
/** One relationship; `from`, `to` and `type` are absent when the caller's role hides those fields. */
export const NetworkEdgeSchema = z.object({
  id: z.string(),
  from: z.string().nullable().optional(),
  to: z.string().nullable().optional(),
  type: z.string().nullable().optional(),
}).catchall(z.unknown());
export const CustomerNetworkSchema = z.strictObject({
  root: z.string(),
  depth: z.number().int(),
  nodes: z.array(NetworkNodeSchema),
  edges: z.array(NetworkEdgeSchema),
  truncated: z.boolean(),
  /** Set when the caller may not follow relationships (no read, or from/to not readable in clear). */
  restricted: z.literal(true).optional(),
});

/** Records of one object about the customer; `restricted` when the caller may not read that object. */
export const Customer360SectionSchema = z.strictObject({ items: z.array(RecordSchema), total: z.number().int().optional(), restricted: z.literal(true).optional() });
export const Customer360TagSchema = z.strictObject({ code: z.string(), kind: z.enum(['manual', 'rule']), name: z.string(), color: z.string().nullable() });
export const Customer360TimelineEntrySchema = z.strictObject({
  at: Timestamp,
  kind: z.string(),
  title: z.unknown(),
  status: z.unknown().optional(),
  id: z.string(),
  object: z.string().optional(),
});
/** Money as decimal strings, counts as numbers. */
const metrics = z.strictObject({
  aum: z.string(),
  depositBalance: z.string(),
  loanBalance: z.string(),
  wealthBalance: z.string(),
  holdings: z.number().int(),
  openTasks: z.number().int(),
  runningProcesses: z.number().int(),
});
const kyc = z.strictObject({
  status: z.string().nullable(),
  nextReview: z.string().nullable(),
  overdue: z.boolean(),
  riskLevel: z.string().nullable(),
  inGuaranteeCircle: z.boolean().nullable(),
  guaranteeCircle: z.string().nullable(),
});
/**
 * `GET /api/customers/:id/360`. Besides the named parts, the pack's linked objects come as sections
 * keyed by object key + "s" (e.g. `complaints`, `loan_applications`).
 */
const customer360Parts = z.strictObject({
  customer: RecordSchema,
  metrics,
  kyc,
  tags: z.array(Customer360TagSchema),
  holdings: Customer360SectionSchema,
  relationships: z.strictObject({ items: z.array(NetworkEdgeSchema), nodes: z.array(NetworkNodeSchema), restricted: z.literal(true).optional() }),
  interactions: Customer360SectionSchema,
  consents: Customer360SectionSchema,
  processes: z.strictObject({ items: z.array(ProcessInstanceSummarySchema) }),
  tasks: z.strictObject({ items: z.array(TaskSchema) }),
  timeline: z.array(Customer360TimelineEntrySchema),
});
export const Customer360Schema = customer360Parts.catchall(Customer360SectionSchema);

/** Call-centre screen pop: matching customers summarised, and the interaction logged for a single match. */
export const CustomerLookupResultSchema = z.strictObject({ items: z.array(RecordSchema.omit({ version: true })), interactionId: z.string().nullable() });
/**
 * A guarantee circle as the caller may see it: its members (by name), the guarantees between them
 * (`amount` a decimal string, null when masked), their total and a risk grade.
 */
export const GuaranteeCircleSchema = z.strictObject({
  id: z.string(),
  members: z.array(z.strictObject({ id: z.string(), name: z.unknown() })),
  edges: z.array(z.strictObject({ from: z.string(), to: z.string(), amount: z.string().nullable() })),
  totalAmount: z.string(),
  risk: z.enum(['high', 'medium', 'low']),
});
export const CircleDetectionSchema = z.strictObject({ circles: z.number().int(), customers: z.number().int() });
export const RuleTagRecomputeSchema = z.strictObject({ customers: z.number().int(), changed: z.number().int(), failed: z.array(z.strictObject({ tag: z.string(), reason: z.string() })) });
export const KycScheduleResultSchema = z.strictObject({ started: z.number().int() });
/** A saved segment: a record of the segment object (its values as the caller may see them). */
export const SegmentSchema = RecordSchema;
/** A segment with the number of customers the caller may see in it; null with the error code when they cannot count it. */
export const SegmentWithCountSchema = RecordSchema.extend({ count: z.number().int().nullable(), error: z.string().optional() });
export const SegmentMembersSchema = pageOfSchema(RecordSchema);
export const SegmentStartResultSchema = z.strictObject({ started: z.number().int(), instances: z.array(z.string()) });

export type NetworkNode = z.infer<typeof NetworkNodeSchema>;
export type NetworkEdge = z.infer<typeof NetworkEdgeSchema>;
export type CustomerNetwork = z.infer<typeof CustomerNetworkSchema>;
export type Customer360Section = z.infer<typeof Customer360SectionSchema>;
export type Customer360Tag = z.infer<typeof Customer360TagSchema>;
export type Customer360TimelineEntry = z.infer<typeof Customer360TimelineEntrySchema>;
/** The named parts, and the linked sections by key (`Customer360Section` each, as the schema checks). */
export type Customer360 = z.infer<typeof customer360Parts> & { [linked: string]: unknown };
export type CustomerLookupResult = z.infer<typeof CustomerLookupResultSchema>;
export type CircleDetection = z.infer<typeof CircleDetectionSchema>;
export type RuleTagRecompute = z.infer<typeof RuleTagRecomputeSchema>;
export type KycScheduleResult = z.infer<typeof KycScheduleResultSchema>;
export type SegmentStartResult = z.infer<typeof SegmentStartResultSchema>;
export type SegmentWithCount = z.infer<typeof SegmentWithCountSchema>;
export type GuaranteeCircle = z.infer<typeof GuaranteeCircleSchema>;
export type SegmentInput = z.output<typeof SegmentBody>;
export type SegmentChange = z.output<typeof SegmentPatchBody>;

/** Next-best-action (`/api/customers/:id/next-actions`): up to three suggestions with their reasons. */
export const NEXT_ACTION_KINDS = ['retention_call', 'product_offer', 'kyc_renewal', 'consent_renewal'] as const;
export const NextActionSchema = z.object({
  /** Stable per suggestion (`kind.subject`), so a decision is remembered. */
  id: z.string().regex(/^[a-z_]+\.[a-z0-9_]+$/),
  kind: z.enum(NEXT_ACTION_KINDS),
  title: z.string(),
  reason: z.string(),
  /** 0–1, how strongly the data points to it (a probability for the model-based ones). */
  score: z.number().min(0).max(1),
}).strict();
export type NextAction = z.infer<typeof NextActionSchema>;
export const NextActionDismissBody = z.object({ reason: z.string().trim().min(1).max(500) }).strict();
export const NextActionDecisionSchema = z.object({
  action: NextActionSchema,
  status: z.enum(['accepted', 'dismissed']),
  /** The `next_action` record keeping the decision (reportable: acceptance rate per kind). */
  decisionId: z.string().uuid(),
  /** Accepting: the follow-up interaction planned for the customer manager. */
  interactionId: z.string().uuid().optional(),
}).strict();
export type NextActionDecision = z.infer<typeof NextActionDecisionSchema>;
