/** What the OpenAPI document says about the report routes (spread into the static route list). */
import { ReportAnswerSchema, ReportBody, ReportExportQuery, ReportPatchBody, ReportQueryBody, ReportRunBody, ReportSchema, ReportSummarySchema, itemsOfSchema, NO_JSON_BODY } from '@crm/shared';
import type { StaticRoute } from '../openapi/static-routes.js';

export const REPORT_ROUTES: StaticRoute[] = [
  { method: 'get', path: '/api/reports', tag: 'analytics', summary: '报表列表（可读对象的报表）/ Reports over objects you may read', response: itemsOfSchema(ReportSummarySchema) },
  { method: 'post', path: '/api/reports', tag: 'analytics', summary: '创建报表 / Create a report', right: 'designer', body: ReportBody, response: ReportSchema },
  { method: 'post', path: '/api/reports/query', tag: 'analytics', summary: '运行未保存的报表定义（预览）/ Run an unsaved definition (preview)', right: 'designer', body: ReportQueryBody, response: ReportAnswerSchema },
  { method: 'get', path: '/api/reports/{key}', tag: 'analytics', summary: '报表定义（最新版本）/ A report (latest version)', response: ReportSchema },
  { method: 'patch', path: '/api/reports/{key}', tag: 'analytics', summary: '修改报表（保存为新版本）/ Change a report (saves a new version)', right: 'designer', body: ReportPatchBody, response: ReportSchema },
  { method: 'delete', path: '/api/reports/{key}', tag: 'analytics', summary: '删除报表 / Delete a report', right: 'designer', response: NO_JSON_BODY },
  { method: 'post', path: '/api/reports/{key}/run', tag: 'analytics', summary: '运行报表（按调用者的数据范围）/ Run a report (within your row scope)', body: ReportRunBody, response: ReportAnswerSchema },
  { method: 'get', path: '/api/reports/{key}/export', tag: 'analytics', summary: '导出报表 CSV/XLSX（审计）/ Export a report as CSV or XLSX (audited)', query: ReportExportQuery, response: NO_JSON_BODY },
];
