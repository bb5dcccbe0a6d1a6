/** What the OpenAPI document says about the marketing routes (spread into the static route list). */
import { DoNotDisturbBody, MarketingSettingsSchema, NO_JSON_BODY } from '@crm/shared';
import { z } from 'zod';
import type { StaticRoute } from '../openapi/static-routes.js';

const tag = 'marketing';
const right = 'marketing.manage' as const;
export const MARKETING_ROUTES: StaticRoute[] = [
  { method: 'get', path: '/api/marketing/settings', tag, summary: '触达规则：频次上限与免打扰时段 / Contact rules: frequency caps and quiet hours', right, response: MarketingSettingsSchema },
  { method: 'put', path: '/api/marketing/settings', tag, summary: '保存触达规则 / Save the contact rules', right, body: MarketingSettingsSchema, response: MarketingSettingsSchema },
  { method: 'post', path: '/api/marketing/do-not-disturb', tag, summary: '加入免打扰名单 / Put a customer on the do-not-disturb list', right, body: DoNotDisturbBody, response: NO_JSON_BODY },
  { method: 'delete', path: '/api/marketing/do-not-disturb/{customerId}', tag, summary: '移出免打扰名单 / Take a customer off the do-not-disturb list', right, query: z.object({ channel: z.string().optional() }), response: NO_JSON_BODY },
];
