/** What the OpenAPI document says about the marketing routes (spread into the static route list). */
import {
  CampaignCreateBody, CampaignLaunchAnswerSchema, CampaignMembersPageSchema, CampaignMembersQuery, CampaignPatchBody, CampaignResponseAnswerSchema, CampaignResponseBody,
  CampaignPlanningOptionsSchema, CampaignSchema, DoNotDisturbBody, MarketingSettingsSchema, MessagePreviewBody, MessagePreviewSchema, NO_JSON_BODY, itemsOfSchema,
} from '@crm/shared';
import { z } from 'zod';
import type { StaticRoute } from '../openapi/static-routes.js';

const tag = 'marketing';
const right = 'marketing.manage' as const;
export const MARKETING_ROUTES: StaticRoute[] = [
  { method: 'get', path: '/api/campaigns', tag, summary: '营销活动（非策划人员只见其可读客户所在的活动）/ Campaigns (others see those with members they may read)', response: itemsOfSchema(CampaignSchema) },
  { method: 'post', path: '/api/campaigns', tag, summary: '策划营销活动（草稿）/ Plan a campaign (a draft)', right, body: CampaignCreateBody, response: CampaignSchema },
  { method: 'get', path: '/api/campaigns/planning-options', tag, summary: '策划可选的客群与产品 / Segments and products to plan with', right, response: CampaignPlanningOptionsSchema },
  { method: 'get', path: '/api/campaigns/{id}', tag, summary: '活动详情：漏斗、对照组提升、成本与 ROI / A campaign: funnel, uplift, cost and ROI', response: CampaignSchema },
  { method: 'patch', path: '/api/campaigns/{id}', tag, summary: '修改草稿，或已发布活动的成本与日期 / Change a draft, or a launched campaign’s cost and dates', right, body: CampaignPatchBody, response: CampaignSchema },
  { method: 'post', path: '/api/campaigns/{id}/launch', tag, summary: '发布活动（202 { jobId }，需审批时为审批流程实例）/ Launch (202 { jobId }, or the approval process instance)', right, response: CampaignLaunchAnswerSchema },
  { method: 'post', path: '/api/campaigns/message-preview', tag, summary: '预览消息模板（按可读客户渲染变量，脱敏字段仍脱敏）/ Preview a message template for a customer one may read', right, body: MessagePreviewBody, response: MessagePreviewSchema },
  { method: 'post', path: '/api/campaigns/{id}/refresh', tag, summary: '刷新活动目标客群（新符合条件的客户经同样的触达规则加入，202 { jobId }）/ Refresh the target (new customers join through the same gates)', right, response: z.object({ jobId: z.string() }) },
  { method: 'get', path: '/api/campaigns/{id}/members', tag, summary: '活动成员（按可读客户范围）/ Members (within the customers one may read)', query: CampaignMembersQuery, response: CampaignMembersPageSchema },
  { method: 'post', path: '/api/campaigns/{id}/responses', tag, summary: '登记客户响应或渠道回执 / Record a response or channel feedback', body: CampaignResponseBody, response: CampaignResponseAnswerSchema },
  { method: 'get', path: '/api/marketing/settings', tag, summary: '触达规则：频次上限与免打扰时段 / Contact rules: frequency caps and quiet hours', right, response: MarketingSettingsSchema },
  { method: 'put', path: '/api/marketing/settings', tag, summary: '保存触达规则 / Save the contact rules', right, body: MarketingSettingsSchema, response: MarketingSettingsSchema },
  { method: 'post', path: '/api/marketing/do-not-disturb', tag, summary: '加入免打扰名单 / Put a customer on the do-not-disturb list', right, body: DoNotDisturbBody, response: NO_JSON_BODY },
  { method: 'delete', path: '/api/marketing/do-not-disturb/{customerId}', tag, summary: '移出免打扰名单 / Take a customer off the do-not-disturb list', right, query: z.object({ channel: z.string().optional() }), response: NO_JSON_BODY },
];
