/** What the OpenAPI document says about the import routes (spread into the static route list). */
import { ImportPreviewSchema, ImportStartedSchema, ImportStatusSchema, NO_JSON_BODY } from '@crm/shared';
import type { StaticRoute } from '../openapi/static-routes.js';

export const IMPORT_ROUTES: StaticRoute[] = [
  { method: 'post', path: '/api/imports', tag: 'integration', summary: '批量导入 CSV/XLSX（multipart：file + options JSON；后台执行）/ Bulk import a CSV or XLSX file (multipart: file + options JSON; runs in the background)', response: ImportStartedSchema },
  { method: 'post', path: '/api/imports/preview', tag: 'integration', summary: '导入预览：表头、前几行与自动列映射 / Import preview: header, first rows and the proposed mapping', response: ImportPreviewSchema },
  { method: 'get', path: '/api/imports/{id}', tag: 'integration', summary: '导入进度与逐行错误 / Import progress and per-row errors', response: ImportStatusSchema },
  { method: 'get', path: '/api/imports/{id}/rejected.csv', tag: 'integration', summary: '被拒绝行（逐单元格原因）CSV / Rejected rows with the reason per cell (CSV)', response: NO_JSON_BODY },
];
