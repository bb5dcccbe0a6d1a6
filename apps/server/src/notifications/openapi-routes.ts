/** What the OpenAPI document says about the notification routes (spread into the static route list). */
import { NO_JSON_BODY, NotificationListQuery, NotificationPageSchema, NotificationReadSchema, NotificationStreamQuery, StreamTicketSchema } from '@crm/shared';
import type { StaticRoute } from '../openapi/static-routes.js';

export const NOTIFICATION_ROUTES: StaticRoute[] = [
  { method: 'get', path: '/api/notifications', tag: 'platform', summary: '我的通知（分页，未读数）/ My notifications (paged, unread count)', query: NotificationListQuery, response: NotificationPageSchema },
  { method: 'post', path: '/api/notifications/stream-ticket', tag: 'platform', summary: '通知推送连接凭证（一次性，30 秒内有效）/ A single-use ticket for the notification stream (valid 30 s)', response: StreamTicketSchema },
  { method: 'get', path: '/api/notifications/stream', tag: 'platform', summary: '通知推送（Server-Sent Events，凭一次性凭证）/ Notification stream (Server-Sent Events, with a single-use ticket)', public: true, query: NotificationStreamQuery, response: NO_JSON_BODY },
  { method: 'post', path: '/api/notifications/read-all', tag: 'platform', summary: '全部标为已读 / Mark all as read', response: NotificationReadSchema },
  { method: 'post', path: '/api/notifications/{id}/read', tag: 'platform', summary: '标为已读 / Mark as read', response: NotificationReadSchema },
];
