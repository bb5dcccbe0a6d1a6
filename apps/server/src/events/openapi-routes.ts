/** What the OpenAPI document says about business events in. */
import { EventAcceptedSchema, EventBody } from '@crm/shared';
import type { StaticRoute } from '../openapi/static-routes.js';

export const EVENT_ROUTES: StaticRoute[] = [
  {
    method: 'post', path: '/api/events', tag: 'marketing', right: 'events.post', body: EventBody, response: EventAcceptedSchema,
    summary: '推送业务事件（进入旅程、关联等待中的流程消息；支持 Idempotency-Key）/ Post a business event (enters journeys, correlates waiting process messages; Idempotency-Key)',
  },
];
