/** What the OpenAPI document says about the journey routes. */
import { JourneyBody, JourneyEnterJobSchema, JourneySchema, JourneyStatsSchema, JourneyUpdateBody, itemsOfSchema } from '@crm/shared';
import type { StaticRoute } from '../../openapi/static-routes.js';

const tag = 'marketing';
const right = 'designer' as const;
export const JOURNEY_ROUTES: StaticRoute[] = [
  { method: 'get', path: '/api/journeys', tag, right, summary: '客户旅程 / Journeys', response: itemsOfSchema(JourneySchema) },
  { method: 'post', path: '/api/journeys', tag, right, summary: '创建客户旅程（草稿）/ Create a journey (draft)', body: JourneyBody, response: JourneySchema },
  { method: 'get', path: '/api/journeys/{key}', tag, right, summary: '客户旅程 / A journey', response: JourneySchema },
  { method: 'put', path: '/api/journeys/{key}', tag, right, summary: '修改客户旅程（未启用时）/ Change a journey (not while active)', body: JourneyUpdateBody, response: JourneySchema },
  { method: 'post', path: '/api/journeys/{key}/activate', tag, right, summary: '启用旅程（其动作以启用者的权限执行）/ Activate (its actions act with the activator\'s rights)', response: JourneySchema },
  { method: 'post', path: '/api/journeys/{key}/pause', tag, right, summary: '暂停旅程（不再进入新客户）/ Pause (no new entries)', response: JourneySchema },
  { method: 'post', path: '/api/journeys/{key}/enter', tag, right, summary: '客群成员批量进入旅程（后台任务，进度见 /api/jobs/{id}）/ Enter the segment\'s members (a background job; progress at /api/jobs/{id})', response: JourneyEnterJobSchema },
  { method: 'get', path: '/api/journeys/{key}/stats', tag, right, summary: '旅程分析：进入、各步骤、目标与结束、各路径转化 / Journey analytics', response: JourneyStatsSchema },
];
