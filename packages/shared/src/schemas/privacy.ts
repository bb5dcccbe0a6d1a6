/**
 * Personal-information rights (PIPL, `/api/privacy/*`, platform right `privacy`): everything the bank
 * holds about a data subject, found through the relation fields metadata declares; requests (access,
 * copy, correction, deletion, consent withdrawal) run as a process with a statutory deadline in
 * working days of the bank's holiday calendar.
 */
import { z } from 'zod';
import { Key, plainText } from './common.js';

export const PRIVACY_RIGHTS = ['access', 'copy', 'correct', 'delete', 'withdraw'] as const;
export type PrivacyRight = (typeof PRIVACY_RIGHTS)[number];
export const PRIVACY_STATUSES = ['received', 'verified', 'fulfilling', 'fulfilled', 'answered', 'rejected', 'failed'] as const;
export type PrivacyStatus = (typeof PRIVACY_STATUSES)[number];
export const PRIVACY_CHANNELS = ['branch', 'app', 'call_center', 'wechat_work', 'mail', 'email'] as const;

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const PrivacyHoldSchema = z.strictObject({
  object: z.string(),
  id: z.string(),
  /** `aml_retention` or `open_loan`. */
  reason: z.string(),
  /** The reason in the caller's language. */
  reasonText: z.string(),
  /** The last day the record must be kept; null while open-ended (a running relationship, an open loan). */
  until: Day.nullable(),
});
export type PrivacyHold = z.infer<typeof PrivacyHoldSchema>;

export const PrivacySubjectSchema = z.strictObject({
  subject: z.strictObject({ object: z.string(), id: z.string(), title: z.string() }),
  records: z.array(z.strictObject({ object: z.string(), id: z.string(), title: z.string() })),
  attachments: z.array(z.strictObject({ id: z.string(), name: z.string() })),
  holds: z.array(PrivacyHoldSchema),
  processes: z.array(z.strictObject({ id: z.string(), definitionKey: z.string(), status: z.string(), startedAt: z.string() })),
  /** How many audit entries are about the subject's records. */
  auditEntries: z.number().int(),
});
export type PrivacySubject = z.infer<typeof PrivacySubjectSchema>;

/** `GET /api/privacy/subjects?idNumber=|mobile=`: customers found through the keyed search hashes. */
export const PrivacyLookupQuery = z.strictObject({
  idNumber: plainText().max(40).optional(),
  mobile: plainText().max(40).optional(),
}).refine((q) => !!q.idNumber || !!q.mobile, { message: 'idNumber or mobile' });
export const PrivacyLookupItemSchema = z.strictObject({ id: z.string(), title: z.string() });

export const PrivacyRequestBody = z.strictObject({
  subjectId: z.string().uuid(),
  right: z.enum(PRIVACY_RIGHTS),
  channel: z.enum(PRIVACY_CHANNELS),
  note: plainText().max(500).optional(),
});
export type PrivacyRequestInput = z.infer<typeof PrivacyRequestBody>;

export const PrivacyRequestCreatedSchema = z.strictObject({ id: z.string().uuid(), processInstanceId: z.string().uuid().nullable(), dueAt: z.string() });
export type PrivacyRequestCreated = z.infer<typeof PrivacyRequestCreatedSchema>;

export const PrivacyRequestSchema = z.strictObject({
  id: z.string().uuid(),
  subjectId: z.string().uuid(),
  subjectTitle: z.string().nullable(),
  right: z.enum(PRIVACY_RIGHTS),
  channel: z.string(),
  status: z.enum(PRIVACY_STATUSES),
  dueAt: z.string(),
  overdue: z.boolean(),
  escalatedAt: z.string().nullable(),
  processInstanceId: z.string().nullable(),
  requestedBy: z.string().nullable(),
  createdAt: z.string(),
  answeredAt: z.string().nullable(),
  /** What was done: found/kept/anonymised counts, holds with reasons, withdrawn consents, the package's state. */
  result: z.record(z.string(), z.unknown()).optional(),
  /** A copy package waits for its one download by the request's handler. */
  packageReady: z.boolean(),
});
export type PrivacyRequest = z.infer<typeof PrivacyRequestSchema>;

export const PrivacyRequestListQuery = z.strictObject({
  status: z.enum(PRIVACY_STATUSES).optional(),
  subjectId: z.string().uuid().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** The bank's holiday calendar: a holiday (`working: false`) or a working weekend day (`working: true`, 调休). */
export const PrivacyHolidayBody = z.strictObject({ name: plainText().min(1).max(100), working: z.boolean().default(false) });
export const PrivacyHolidaySchema = z.strictObject({ day: Day, name: z.string(), working: z.boolean() });
export type PrivacyHoliday = z.infer<typeof PrivacyHolidaySchema>;
export const PrivacyHolidayQuery = z.strictObject({ year: z.coerce.number().int().min(2000).max(2100).optional() });

/** A correction: the ordinary record update, with the request as its audited reason. */
export const PrivacyCorrectionBody = z.strictObject({
  object: Key,
  recordId: z.string().uuid(),
  changes: z.record(z.string(), z.unknown()),
  version: z.number().int(),
});
export type PrivacyCorrection = z.infer<typeof PrivacyCorrectionBody>;
