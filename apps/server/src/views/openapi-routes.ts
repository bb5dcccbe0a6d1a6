/** What the OpenAPI document says about the saved view routes (spread into the static route list). */
import { NO_JSON_BODY, ViewBody, ViewListQuery, ViewPatchBody, ViewSchema, itemsOfSchema } from '@crm/shared';
import type { StaticRoute } from '../openapi/static-routes.js';

export const VIEW_ROUTES: StaticRoute[] = [
  { method: 'get', path: '/api/views', tag: 'records', summary: '列表视图（本人的及共享给本人角色的）/ Saved list views: yours and those shared with your roles', query: ViewListQuery, response: itemsOfSchema(ViewSchema) },
  { method: 'post', path: '/api/views', tag: 'records', summary: '保存列表视图 / Save a list view', body: ViewBody, response: ViewSchema },
  { method: 'patch', path: '/api/views/{id}', tag: 'records', summary: '修改视图（创建人或设计者）/ Change a view (its owner or a designer)', body: ViewPatchBody, response: ViewSchema },
  { method: 'delete', path: '/api/views/{id}', tag: 'records', summary: '删除视图（创建人或设计者）/ Delete a view (its owner or a designer)', response: NO_JSON_BODY },
];
