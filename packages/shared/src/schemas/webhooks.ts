/**
 * Outbound webhooks (`/api/webhooks`, platform right `webhooks.manage`): a subscription names a URL
 * (inside CRM_WEBHOOK_ALLOWED_ORIGINS), the events it wants and an optional FEEL filter; its secret
 * (`whsec_` + base64) is answered once, at creation and at rotation. Deliveries follow Standard
 * Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`).
 */
import { z } from 'zod';
import { KEY_PATTERN, plainText } from './common.js';

/** `record.created:<object>`, `record.updated:<object>`, `record.deleted:<object>`, `process.started:<key>`, `process.completed:<key>`, `task.created:<key>`, `task.completed:<key>`; `*` for every object or process. */
export const WEBHOOK_EVENT_KINDS = ['record.created', 'record.updated', 'record.deleted', 'process.started', 'process.completed', 'task.created', 'task.completed'] as const;
export type WebhookEventKind = (typeof WEBHOOK_EVENT_KINDS)[number];
const EVENT = new RegExp(`^(${WEBHOOK_EVENT_KINDS.map((k) => k.replace('.', '\\.')).join('|')}):(\\*|${KEY_PATTERN.source.slice(1, -1)})$`);
export const WebhookEventName = z.string().max(200).regex(EVENT, { message: 'an event is <kind>:<object or process key>, e.g. record.created:customer' });

export const WebhookCreateBody = z
  .object({
    url: z.string().max(2000).url(),
    events: z.array(WebhookEventName).min(1).max(50),
    /** FEEL over the record as the subscription's owner sees it (record events only): deliver when true. */
    filter: plainText().max(2000).optional(),
    description: plainText().max(200).optional(),
  })
  .strict();
export type WebhookCreate = z.infer<typeof WebhookCreateBody>;

export const WebhookSecretSchema = z.object({ id: z.string().uuid(), secret: z.string().regex(/^whsec_[A-Za-z0-9+/]+=*$/) }).strict();
export type WebhookSecret = z.infer<typeof WebhookSecretSchema>;

export const WebhookSchema = z
  .object({
    id: z.string().uuid(),
    url: z.string(),
    events: z.array(z.string()),
    filter: z.string().nullable(),
    description: z.string().nullable(),
    status: z.enum(['active', 'disabled']),
    disabledReason: z.string().nullable(),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    /** Until when the secret before the last rotation is still signed with (null: none). */
    previousSecretUntil: z.string().nullable(),
  })
  .strict();
export type Webhook = z.infer<typeof WebhookSchema>;

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'filtered'] as const;
export const WebhookDeliverySchema = z
  .object({
    messageId: z.string(),
    event: z.string(),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    nextAttemptAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .strict();
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

export const WebhookAttemptSchema = z
  .object({
    at: z.string(),
    statusCode: z.number().int().nullable(),
    latencyMs: z.number().int(),
    error: z.string().nullable(),
    responseExcerpt: z.string().nullable(),
  })
  .strict();
export type WebhookAttempt = z.infer<typeof WebhookAttemptSchema>;

export const WebhookDeliveryDetailSchema = WebhookDeliverySchema.extend({ attemptLog: z.array(WebhookAttemptSchema) }).strict();
export type WebhookDeliveryDetail = z.infer<typeof WebhookDeliveryDetailSchema>;

export const WebhookDeliveriesQuery = z
  .object({ status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional(), limit: z.coerce.number().int().min(1).max(500).optional() })
  .strict();
export type WebhookDeliveriesQueryInput = z.infer<typeof WebhookDeliveriesQuery>;

export const WebhookReplayBody = z
  .object({ messageId: z.string().max(100).optional(), from: z.string().datetime({ offset: true }).optional(), to: z.string().datetime({ offset: true }).optional() })
  .strict()
  .refine((b) => !!b.messageId !== !!(b.from || b.to), { message: 'replay either one messageId or a time range from/to' })
  .refine((b) => !(b.from && b.to) || Date.parse(b.from) <= Date.parse(b.to), { message: 'from must not be after to', path: ['from'] });
export type WebhookReplay = z.infer<typeof WebhookReplayBody>;

export const WebhookReplayResultSchema = z.object({ replayed: z.number().int() }).strict();
export type WebhookReplayResult = z.infer<typeof WebhookReplayResultSchema>;

/** A test ping: one `webhook.ping` message queued like any other (signed, retried, logged). */
export const WebhookPingResultSchema = z.object({ messageId: z.string() }).strict();
export type WebhookPingResult = z.infer<typeof WebhookPingResultSchema>;

export const WebhookRotateBody = z
  .object({ /** How long the old secret still signs too (0: at once; default 24 h). */ graceSeconds: z.number().int().min(0).max(7 * 86400).optional() })
  .strict();
export type WebhookRotate = z.infer<typeof WebhookRotateBody>;
