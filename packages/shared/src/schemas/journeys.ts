/**
 * Business events in (`POST /api/events`, platform right `events.post`) and behaviour-triggered
 * journeys (`/api/journeys…`, designers): a journey is a deployed BPMN process run once per customer
 * entry; its entry (a business event, a record change with a FEEL condition, or segment membership),
 * re-entry rule, A/B split and goals live in the journey definition.
 */
import { z } from 'zod';
import { Key, plainText, Timestamp, withoutNul } from './common.js';
import { JobStartedSchema } from './jobs.js';

/** `deposit.outflow_large`, `time_deposit_maturing`, `birthday`: lower case, digits, `_`, `.`, `-`. */
export const EVENT_NAME = /^[a-z][a-z0-9_.-]{0,99}$/;
export const EventName = z.string().regex(EVENT_NAME, { message: 'an event name is lower case letters, digits, "_", "." or "-", starting with a letter' });

/** Payload names become process variables (under `event`): identifiers only. */
const PayloadName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/);
const MAX_PAYLOAD = 16_384;

export const EventBody = z
  .object({
    name: EventName,
    customerId: z.string().uuid().optional(),
    /** The customer's business key (the customer object's `customer_no`). */
    customerKey: plainText().min(1).max(100).optional(),
    payload: withoutNul(z.record(PayloadName, z.unknown()))
      .refine((p) => JSON.stringify(p).length <= MAX_PAYLOAD, { message: `at most ${MAX_PAYLOAD} characters of JSON` })
      .refine((p) => Object.keys(p).length <= 50, { message: 'at most 50 names' })
      .optional(),
  })
  .strict()
  .refine((b) => b.customerId !== undefined || b.customerKey !== undefined, { message: 'customerId or customerKey is required', path: ['customerId'] })
  .refine((b) => !(b.customerId !== undefined && b.customerKey !== undefined), { message: 'give customerId or customerKey, not both', path: ['customerKey'] });
export type BusinessEventInput = z.input<typeof EventBody>;

export const EventAcceptedSchema = z.strictObject({
  accepted: z.literal(true),
  /** The stored event's id (the same on a repeat with the same Idempotency-Key). */
  id: z.string().uuid(),
  /** Journeys the customer entered because of it. */
  journeysEntered: z.number().int(),
  /** Waiting process message catches (name = event name, correlation key = customer id) it reached. */
  correlated: z.number().int(),
});
export type EventAccepted = z.infer<typeof EventAcceptedSchema>;

// ---------------------------------------------------------------- journeys

const Feel = plainText().min(1).max(2000);
const ElementId = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,199}$/);

export const JourneyEntrySchema = z.discriminatedUnion('kind', [
  /** A business event posted to /api/events, with an optional FEEL condition on `event` (its payload). */
  z.strictObject({ kind: z.literal('event'), event: EventName, condition: Feel.optional() }),
  /** A record of `object` created or changed, with an optional FEEL condition (like process triggers); `customerField` names its relation to the customer (none: the record is the customer). */
  z.strictObject({ kind: z.literal('record'), object: Key, on: z.enum(['created', 'updated']), condition: Feel.optional(), customerField: Key.optional() }),
  /** The members of a segment (its code), entered by a background job when asked (`POST …/enter`). */
  z.strictObject({ kind: z.literal('segment'), segment: plainText().min(1).max(100) }),
]);
export type JourneyEntry = z.infer<typeof JourneyEntrySchema>;

export const JourneyReentrySchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('once') }),
  /** Again, but not before `days` days after the last entry. */
  z.strictObject({ mode: z.literal('after'), days: z.number().int().min(1).max(3650) }),
]);

export const JourneySplitSchema = z
  .strictObject({
    variants: z.array(z.strictObject({ key: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,19}$/), percent: z.number().int().min(1).max(100) })).min(2).max(10),
  })
  .refine((s) => s.variants.reduce((a, v) => a + v.percent, 0) === 100, { message: 'the percentages add up to 100' })
  .refine((s) => new Set(s.variants.map((v) => v.key)).size === s.variants.length, { message: 'variant keys are unique' });

export const JourneyBody = z
  .object({
    key: Key,
    name: plainText().min(1).max(200),
    description: plainText().max(1000).optional(),
    /** The deployed BPMN process each entry runs (latest version at entry). */
    processKey: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,199}$/),
    /** The customer object (default `customer`). */
    object: Key.optional(),
    entry: JourneyEntrySchema,
    reentry: JourneyReentrySchema.default({ mode: 'once' }),
    /** A/B split: each customer lands in one variant, the same every time (hash of journey and customer); the process reads it as `variant`. */
    split: JourneySplitSchema.optional(),
    /** End events (ids) that mean the journey reached its goal (converted). */
    goals: z.array(ElementId).max(20).default([]),
  })
  .strict();
export type JourneyInput = z.input<typeof JourneyBody>;

export const JourneyUpdateBody = JourneyBody.omit({ key: true });
export type JourneyUpdate = z.input<typeof JourneyUpdateBody>;

export const JOURNEY_STATUSES = ['draft', 'active', 'paused'] as const;

export const JourneySchema = z.strictObject({
  key: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  processKey: z.string(),
  object: z.string(),
  entry: JourneyEntrySchema,
  reentry: JourneyReentrySchema,
  split: z.strictObject({ variants: z.array(z.strictObject({ key: z.string(), percent: z.number().int() })) }).nullable(),
  goals: z.array(z.string()),
  status: z.enum(JOURNEY_STATUSES),
  createdBy: z.string().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  activatedAt: Timestamp.nullable(),
  /** Whose rights the journey's actions (tags, field updates, processes) run with: the designer who activated it. */
  activatedBy: z.string().nullable(),
});
export type Journey = z.infer<typeof JourneySchema>;

/** `POST /api/journeys/:key/enter` answers the background job that enters the segment's members. */
export const JourneyEnterJobSchema = JobStartedSchema;
export type JourneyEnterJob = z.infer<typeof JourneyEnterJobSchema>;

export const JourneyStatsSchema = z.strictObject({
  key: z.string(),
  entered: z.number().int(),
  active: z.number().int(),
  exited: z.strictObject({ goal: z.number().int(), end: z.number().int(), cancelled: z.number().int() }),
  /** Per BPMN element, most reached first (then in the order customers get there): instances that reached it, and that are there now. */
  steps: z.array(z.strictObject({ activityId: z.string(), name: z.string().nullable(), type: z.string(), reached: z.number().int(), now: z.number().int() })),
  /** Per A/B variant (or `all` without a split): entered, reached a goal, and the conversion rate (0–1). */
  paths: z.array(z.strictObject({ path: z.string(), entered: z.number().int(), goal: z.number().int(), conversion: z.number() })),
  /** Contact steps: sent, and skipped by the contact gates with their reasons. */
  contacts: z.strictObject({ sent: z.number().int(), skipped: z.record(z.string(), z.number().int()) }),
});
export type JourneyStats = z.infer<typeof JourneyStatsSchema>;
