/** What the OpenAPI document says about the report routes (spread into the static route list). */
import { ReportAnswerSchema, ReportBody, ReportCellFilterBody, ReportCellFilterSchema, ReportForecastBody, ReportForecastSchema, ReportExportQuery, ReportPatchBody, ReportQueryBody, ReportRunBody, ReportSchema, ReportSourcesSchema, ReportSummarySchema, itemsOfSchema, NO_JSON_BODY,
  DashboardBody, DashboardFilterOptionsQuery, DashboardFilterOptionsSchema, DashboardFilterFieldsQuery, DashboardFilterFieldsSchema, DashboardListQuery, DashboardPatchBody, DashboardRunAnswerSchema, DashboardRunBody, DashboardSchema, DashboardSummarySchema } from '@crm/shared';
import type { StaticRoute } from '../openapi/static-routes.js';

export const REPORT_ROUTES: StaticRoute[] = [
  { method: 'get', path: '/api/reports', tag: 'analytics', summary: '报表列表（可读对象的报表）/ Reports over objects you may read', response: itemsOfSchema(ReportSummarySchema) },
  { method: 'get', path: '/api/reports/sources', tag: 'analytics', summary: '对象以外可做报表的数据源（营销活动成员）及其字段 / Report sources besides the objects (campaign members) you may report on, with their fields', response: ReportSourcesSchema },
  { method: 'post', path: '/api/reports', tag: 'analytics', summary: '创建报表 / Create a report', right: 'designer', body: ReportBody, response: ReportSchema },
  { method: 'post', path: '/api/reports/query', tag: 'analytics', summary: '运行未保存的报表定义（预览）/ Run an unsaved definition (preview)', right: 'designer', body: ReportQueryBody, response: ReportAnswerSchema },
  { method: 'get', path: '/api/reports/{key}', tag: 'analytics', summary: '报表定义（最新版本）/ A report (latest version)', response: ReportSchema },
  { method: 'patch', path: '/api/reports/{key}', tag: 'analytics', summary: '修改报表（保存为新版本）/ Change a report (saves a new version)', right: 'designer', body: ReportPatchBody, response: ReportSchema },
  { method: 'delete', path: '/api/reports/{key}', tag: 'analytics', summary: '删除报表 / Delete a report', right: 'designer', response: NO_JSON_BODY },
  { method: 'post', path: '/api/reports/{key}/run', tag: 'analytics', summary: '运行报表（按调用者的数据范围）/ Run a report (within your row scope)', body: ReportRunBody, response: ReportAnswerSchema },
  { method: 'post', path: '/api/reports/{key}/cell-filter', tag: 'analytics', summary: '单元格背后的明细记录筛选条件 / The records filter of the rows behind a cell', body: ReportCellFilterBody, response: ReportCellFilterSchema },
  { method: 'post', path: '/api/reports/{key}/forecast', tag: 'analytics', summary: '预测：报表时间序列的未来周期及80%/95%区间（回测选方法）/ Forecast the report\'s time series with 80 % / 95 % intervals (method chosen by backtest)', body: ReportForecastBody, response: ReportForecastSchema },
  { method: 'get', path: '/api/reports/{key}/export', tag: 'analytics', summary: '导出报表 CSV/XLSX（审计）/ Export a report as CSV or XLSX (audited)', query: ReportExportQuery, response: NO_JSON_BODY },
  { method: 'get', path: '/api/dashboards', tag: 'analytics', summary: '看板列表（设计者：全部；其他人：共享给本人角色的）/ Dashboards you may see', query: DashboardListQuery, response: itemsOfSchema(DashboardSummarySchema) },
  { method: 'get', path: '/api/dashboards/mine', tag: 'analytics', summary: '工作台：共享给本人角色的看板 / The workbench: dashboards shared with your roles', response: itemsOfSchema(DashboardSummarySchema) },
  { method: 'get', path: '/api/dashboards/filter-fields', tag: 'analytics', summary: '看板筛选可映射的字段（设计器的字段选择）/ Fields a dashboard filter can map to (the designer\'s field picker)', right: 'designer', query: DashboardFilterFieldsQuery, response: DashboardFilterFieldsSchema },
  { method: 'post', path: '/api/dashboards', tag: 'analytics', summary: '创建看板 / Create a dashboard', right: 'designer', body: DashboardBody, response: DashboardSchema },
  { method: 'get', path: '/api/dashboards/{key}', tag: 'analytics', summary: '看板定义 / A dashboard', response: DashboardSchema },
  { method: 'patch', path: '/api/dashboards/{key}', tag: 'analytics', summary: '修改看板（保存为新版本）/ Change a dashboard (saves a new version)', right: 'designer', body: DashboardPatchBody, response: DashboardSchema },
  { method: 'delete', path: '/api/dashboards/{key}', tag: 'analytics', summary: '删除看板 / Delete a dashboard', right: 'designer', response: NO_JSON_BODY },
  { method: 'post', path: '/api/dashboards/{key}/run', tag: 'analytics', summary: '运行看板：每个组件的报表结果（按调用者的数据范围）/ Run a dashboard: every widget\'s answer in your row scope', body: DashboardRunBody, response: DashboardRunAnswerSchema },
  { method: 'get', path: '/api/dashboards/{key}/filters/{filter}/options', tag: 'analytics', summary: '看板筛选的可选值（按调用者的数据范围，带名称）/ Values to pick for a dashboard filter, in your row scope, labelled', query: DashboardFilterOptionsQuery, response: DashboardFilterOptionsSchema },
];
