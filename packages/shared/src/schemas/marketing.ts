/**
 * Marketing (`/api/campaigns`, `/api/marketing/settings`; platform right `marketing.manage` to plan,
 * launch and configure): campaigns with their members, responses and analysis, and the contact gates'
 * settings — frequency caps (rolling windows per channel and overall, across every campaign and
 * journey) and quiet hours. Money (budget, cost, value per conversion) is a decimal string.
 */
import { z } from 'zod';
import { plainText } from './common.js';

export const MARKETING_CHANNELS = ['task', 'sms', 'wecom', 'push'] as const;
export const MarketingChannel = z.enum(MARKETING_CHANNELS);
export type MarketingChannel = z.infer<typeof MarketingChannel>;

/** Why a customer may not be contacted on a channel now. */
export const EXCLUSION_REASONS = ['no_consent', 'consent_withdrawn', 'do_not_disturb', 'quiet_hours', 'frequency_cap'] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'a time of day HH:mm' });

export const MarketingSettingsSchema = z
  .object({
    /** Rolling windows: at most `max` marketing contacts per customer in the last `days` days, on `channel` or (without) over all channels. */
    caps: z.array(z.object({ channel: MarketingChannel.optional(), max: z.number().int().min(0).max(1000), days: z.number().int().min(1).max(365) }).strict()).max(20),
    /** No message is sent between `from` and `to` (local time of `timeZone`, default Asia/Shanghai; may span midnight). Call tasks are not messages. */
    quietHours: z.object({ from: HHMM, to: HHMM, timeZone: z.string().max(64).regex(/^[A-Za-z_]+(\/[A-Za-z_+-]+)*$/).optional() }).strict().optional(),
  })
  .strict();
export type MarketingSettings = z.infer<typeof MarketingSettingsSchema>;

const money = z.string().regex(/^\d{1,16}(\.\d{1,2})?$/, { message: 'a decimal amount with at most 2 decimals, e.g. "50000.00"' });
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'a date YYYY-MM-DD' });
const segmentCode = z.string().min(1).max(100).regex(/^[A-Za-z0-9_.-]+$/);

const CampaignFields = {
  name: plainText().min(1).max(200),
  goal: plainText().max(1000).optional(),
  /** The code of a segment (bank pack) or a filter over customers; the filter may name only fields the planner may read. */
  segment: segmentCode.optional(),
  filter: z.record(z.string(), z.unknown()).optional(),
  /** The offered product (a record id of the product object): a holding of it opened within the attribution window converts a member. */
  offerProduct: z.string().uuid().optional(),
  channels: z.array(MarketingChannel).min(1).max(4),
  /**
   * Message templates per channel with variables `{{客户姓名}}`, `{{offer}}`, `{{city}}`… (a customer field
   * the planner may read by key or label, the offer's name, the campaign's name), rendered per member
   * at send time as the planner may see the customer (masked fields masked); an unknown variable is 400.
   */
  messages: z.partialRecord(MarketingChannel, plainText().max(1000)).optional(),
  expectedResponse: plainText().max(500).optional(),
  controlPercent: z.number().min(0).max(50).optional(),
  attributionDays: z.number().int().min(1).max(365).optional(),
  startsAt: isoDate.optional(),
  endsAt: isoDate.optional(),
  budget: money.optional(),
  cost: money.optional(),
  valuePerConversion: money.optional(),
  /** The branch (org unit) whose customers the campaign may target (its subtree); all customers without. */
  orgUnitId: z.string().uuid().optional(),
  approval: z.boolean().optional(),
  /** While active, the target is re-evaluated every N days: new qualifying customers join through the same gates, those who left are not contacted again. */
  refreshDays: z.number().int().min(1).max(90).optional(),
};

export const CampaignCreateBody = z.object(CampaignFields).strict();
export type CampaignCreate = z.infer<typeof CampaignCreateBody>;

/** Changes to a draft (every field), or to the cost and dates of a launched campaign. */
export const CampaignPatchBody = z.object(CampaignFields).partial().extend({ status: z.literal('completed').optional() }).strict();
export type CampaignPatch = z.infer<typeof CampaignPatchBody>;

export const CAMPAIGN_STATUSES = ['draft', 'pending_approval', 'launching', 'active', 'completed', 'rejected', 'failed'] as const;

export const CampaignCountsSchema = z
  .object({
    targeted: z.number().int(),
    control: z.number().int(),
    excluded: z.record(z.string(), z.number().int()),
    contacted: z.number().int(),
    responded: z.number().int(),
    converted: z.number().int(),
    controlConverted: z.number().int(),
  })
  .strict();

export const CampaignUpliftSchema = z
  .object({
    targetRate: z.number(),
    controlRate: z.number(),
    /** targetRate − controlRate, with its 95 % confidence interval (two-proportion, normal approximation). */
    uplift: z.number(),
    ci95: z.tuple([z.number(), z.number()]),
    targetN: z.number().int(),
    controlN: z.number().int(),
    /** Two-sided p-value of the pooled two-proportion z-test; significant below 0.05. */
    pValue: z.number(),
    significant: z.boolean(),
  })
  .strict();

const BreakdownRow = z.object({ key: z.string().nullable(), label: z.string().nullable(), targeted: z.number().int(), contacted: z.number().int(), responded: z.number().int(), converted: z.number().int() }).strict();

export const CampaignSchema = z
  .object({
    id: z.string().uuid(),
    ...CampaignFields,
    controlPercent: z.number(),
    attributionDays: z.number().int(),
    status: z.enum(CAMPAIGN_STATUSES),
    ownerId: z.string().nullable(),
    createdAt: z.string(),
    launchedAt: z.string().nullable(),
    jobId: z.string().nullable(),
    approvalInstanceId: z.string().nullable(),
    /** When the target was last re-evaluated (null: only at launch). */
    refreshedAt: z.string().nullable(),
    counts: CampaignCountsSchema,
    uplift: CampaignUpliftSchema.nullable().optional(),
    /** cost ÷ converted, and (converted × valuePerConversion − cost) ÷ cost — decimal strings, null when undefined. */
    costPerConversion: z.string().nullable().optional(),
    roi: z.string().nullable().optional(),
    /** By branch, customer manager, channel and customer segment (the customer's 分层 field `segment`, when the customer object has one). */
    breakdown: z.object({ branch: z.array(BreakdownRow), manager: z.array(BreakdownRow), channel: z.array(BreakdownRow), segment: z.array(BreakdownRow) }).strict().optional(),
  })
  .strict();
export type Campaign = z.infer<typeof CampaignSchema>;
export type CampaignCounts = z.infer<typeof CampaignCountsSchema>;

export const CampaignLaunchAnswerSchema = z.union([
  z.object({ jobId: z.string() }).strict(),
  z.object({ processInstanceId: z.string(), status: z.literal('pending_approval') }).strict(),
]);
export type CampaignLaunchAnswer = z.infer<typeof CampaignLaunchAnswerSchema>;

export const MEMBER_STATUSES = ['pending', 'planned', 'contacted', 'responded', 'converted', 'excluded'] as const;
export const CampaignMembersQuery = z
  .object({ status: z.enum(MEMBER_STATUSES).optional(), task: z.enum(['open', 'done']).optional(), limit: z.coerce.number().int().min(1).max(500).optional(), cursor: z.string().max(200).optional() })
  .strict();

export const CampaignMemberSchema = z
  .object({
    customerId: z.string().uuid(),
    status: z.enum(MEMBER_STATUSES),
    group: z.enum(['target', 'control']),
    reason: z.string().optional(),
    channels: z.array(z.string()),
    task: z.enum(['open', 'done']).nullable(),
    response: z.string().nullable(),
    ownerId: z.string().nullable(),
    convertedAt: z.string().nullable(),
    /** Set when a refresh found the customer no longer in the target: not contacted again. */
    leftAt: z.string().optional(),
  })
  .strict();
export type CampaignMember = z.infer<typeof CampaignMemberSchema>;
export const CampaignMembersPageSchema = z.object({ items: z.array(CampaignMemberSchema), nextCursor: z.string().nullable() }).strict();
export type CampaignMembersPage = z.infer<typeof CampaignMembersPageSchema>;

export const CAMPAIGN_RESPONSES = ['interested', 'not_interested', 'callback', 'delivered', 'opened', 'clicked'] as const;
export const CampaignResponseBody = z
  .object({ customerId: z.string().uuid(), response: z.enum(CAMPAIGN_RESPONSES), channel: MarketingChannel.optional(), note: plainText().max(1000).optional() })
  .strict();
export type CampaignResponseInput = z.infer<typeof CampaignResponseBody>;
export const CampaignResponseAnswerSchema = z.object({ customerId: z.string().uuid(), status: z.enum(MEMBER_STATUSES), response: z.string() }).strict();
export type CampaignResponseAnswer = z.infer<typeof CampaignResponseAnswerSchema>;

/** A do-not-disturb entry: the customer is never contacted on `channel` (every channel without) until `until`. */
export const DoNotDisturbBody = z.object({ customerId: z.string().uuid(), channel: MarketingChannel.optional(), reason: plainText().max(500).optional(), until: z.string().datetime({ offset: true }).optional() }).strict();
export type DoNotDisturbInput = z.infer<typeof DoNotDisturbBody>;

/** What a planner picks from (`GET /api/campaigns/planning-options`): segments over customers and products. */
export const CampaignPlanningOptionsSchema = z
  .object({
    segments: z.array(z.object({ code: z.string(), name: z.string() }).strict()),
    products: z.array(z.object({ id: z.string(), code: z.string(), name: z.string() }).strict()),
    /** The template variables the planner may use. */
    variables: z.array(z.object({ name: z.string(), label: z.string() }).strict()),
  })
  .strict();
export type CampaignPlanningOptions = z.infer<typeof CampaignPlanningOptionsSchema>;

/** `DELETE /api/marketing/do-not-disturb/:customerId?channel=`: one channel, or every channel when absent. */
export const DndDeleteQuery = z.object({ channel: MarketingChannel.optional() }).strict();
/** A customer id in a marketing route's path. */
export const MarketingCustomerId = z.string().uuid();

/** `POST /api/campaigns/message-preview`: a template rendered for one customer the caller may read (the one named, else the first). */
export const MessagePreviewBody = z
  .object({ template: plainText().max(1000), offerProduct: z.string().uuid().optional(), campaignName: plainText().max(200).optional(), customerId: z.string().uuid().optional() })
  .strict();
export type MessagePreviewInput = z.infer<typeof MessagePreviewBody>;
export const MessagePreviewSchema = z.object({ text: z.string(), customerId: z.string().nullable(), variables: z.array(z.string()) }).strict();
export type MessagePreview = z.infer<typeof MessagePreviewSchema>;
