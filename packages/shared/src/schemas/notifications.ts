/** The notification centre (`/api/notifications…`): new tasks, SLA warnings and finished jobs, pushed over SSE. */
import { z } from 'zod';

export const NOTIFICATION_KINDS = ['task.assigned', 'task.candidate', 'task.sla_near', 'task.sla_over', 'job.done', 'job.failed'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const NotificationSchema = z.strictObject({
  id: z.string().uuid(),
  /** Increases with every notification: the stream's event id and the list's cursor. */
  seq: z.number().int(),
  kind: z.enum(NOTIFICATION_KINDS),
  /** What it is about: a task id (`task.*`) or a background job id (`job.*`). */
  ref: z.string(),
  /** The task's name, or the job's kind. */
  title: z.string(),
  dueAt: z.string().nullable(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});
export type Notification = z.infer<typeof NotificationSchema>;

export const NotificationListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** Only notifications older than this `seq` (the next page). */
  before: z.coerce.number().int().positive().optional(),
  unread: z.enum(['0', '1']).optional(),
});
export type NotificationListParams = z.input<typeof NotificationListQuery>;

export const NotificationPageSchema = z.strictObject({
  items: z.array(NotificationSchema),
  unread: z.number().int().nonnegative(),
  /** The `before` of the next page, null on the last one. */
  nextBefore: z.number().int().nullable(),
});
export type NotificationPage = z.infer<typeof NotificationPageSchema>;

export const NotificationReadSchema = z.strictObject({ unread: z.number().int().nonnegative() });
export type NotificationRead = z.infer<typeof NotificationReadSchema>;

/** A single-use ticket that opens one notification stream (EventSource cannot send the bearer token). */
export const StreamTicketSchema = z.strictObject({ ticket: z.string(), expiresAt: z.string() });
export type StreamTicket = z.infer<typeof StreamTicketSchema>;

export const NotificationStreamQuery = z.strictObject({
  ticket: z.string().min(20).max(100),
  /** Resume after this `seq` (a reconnecting client gets what it missed). */
  after: z.coerce.number().int().nonnegative().optional(),
});
