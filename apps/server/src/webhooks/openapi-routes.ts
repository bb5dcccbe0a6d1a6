/** What the OpenAPI document says about the webhook routes (spread into the static route list). */
import {
  NO_JSON_BODY, WebhookCreateBody, WebhookDeliveriesQuery, WebhookDeliveryDetailSchema, WebhookDeliverySchema, WebhookPingResultSchema, WebhookReplayBody, WebhookReplayResultSchema,
  WebhookRotateBody, WebhookSchema, WebhookSecretSchema, itemsOfSchema,
} from '@crm/shared';
import type { StaticRoute } from '../openapi/static-routes.js';

const tag = 'integration';
const right = 'webhooks.manage' as const;
export const WEBHOOK_ROUTES: StaticRoute[] = [
  { method: 'get', path: '/api/webhooks', tag, summary: '我的 Webhook 订阅 / My webhook subscriptions', right, response: itemsOfSchema(WebhookSchema) },
  { method: 'post', path: '/api/webhooks', tag, summary: '创建 Webhook 订阅（密钥仅显示一次）/ Subscribe (the secret is shown once)', right, body: WebhookCreateBody, response: WebhookSecretSchema },
  { method: 'get', path: '/api/webhooks/{id}', tag, summary: 'Webhook 订阅 / A webhook subscription', right, response: WebhookSchema },
  { method: 'delete', path: '/api/webhooks/{id}', tag, summary: '删除 Webhook 订阅 / Delete a subscription', right, response: NO_JSON_BODY },
  { method: 'post', path: '/api/webhooks/{id}/rotate', tag, summary: '轮换密钥（旧密钥在宽限期内仍签名）/ Rotate the secret (the old one still signs for a grace period)', right, body: WebhookRotateBody, response: WebhookSecretSchema },
  { method: 'post', path: '/api/webhooks/{id}/enable', tag, summary: '重新启用已停用的订阅 / Enable a disabled subscription again', right, response: WebhookSchema },
  { method: 'get', path: '/api/webhooks/{id}/deliveries', tag, summary: '投递日志 / Delivery log', right, query: WebhookDeliveriesQuery, response: itemsOfSchema(WebhookDeliverySchema) },
  { method: 'get', path: '/api/webhooks/{id}/deliveries/{messageId}', tag, summary: '一条消息的每次投递尝试 / Every attempt of one message', right, response: WebhookDeliveryDetailSchema },
  { method: 'post', path: '/api/webhooks/{id}/ping', tag, summary: '发送测试 ping / Send a test ping', right, response: WebhookPingResultSchema },
  { method: 'post', path: '/api/webhooks/{id}/replay', tag, summary: '重放一条消息或一个时间段 / Replay one message or a time range', right, body: WebhookReplayBody, response: WebhookReplayResultSchema },
];
