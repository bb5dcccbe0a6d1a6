/** What the OpenAPI document says about the search route (spread into the static route list). */
import { SearchQuery, SearchResultSchema } from '@crm/shared';
import type { StaticRoute } from '../openapi/static-routes.js';

export const SEARCH_ROUTES: StaticRoute[] = [
  { method: 'get', path: '/api/search', tag: 'platform', summary: '全局搜索（客户、记录、待办）/ Global search (customers, records, tasks)', query: SearchQuery, response: SearchResultSchema },
];
