/** What the OpenAPI document says about the background-jobs route (spread into the static route list). */
import { JobViewSchema } from '@crm/shared';
import type { StaticRoute } from '../openapi/static-routes.js';

export const JOB_ROUTES: StaticRoute[] = [
  { method: 'get', path: '/api/jobs/{id}', tag: 'platform', summary: '后台任务进度（发起人或管理员）/ A background job\'s progress (its starter or an administrator)', response: JobViewSchema },
];
