/** What the OpenAPI document says about the connector routes (spread into the static route list). */
import {
  ConnectorCreateBody, ConnectorPatchBody, ConnectorRunLogEntrySchema, ConnectorRunBody, ConnectorRunResultSchema, ConnectorSchema, ConnectorTestResultSchema, NO_JSON_BODY, itemsOfSchema,
} from '@crm/shared';
import type { StaticRoute } from '../openapi/static-routes.js';

const tag = 'integration';
const right = 'designer' as const;
export const CONNECTOR_ROUTES: StaticRoute[] = [
  { method: 'get', path: '/api/connectors', tag, summary: '连接器列表 / Connectors', right, response: itemsOfSchema(ConnectorSchema) },
  { method: 'post', path: '/api/connectors', tag, summary: '新建连接器（密钥只写，不返回）/ Create a connector (secrets are write-only)', right, body: ConnectorCreateBody, response: ConnectorSchema },
  { method: 'get', path: '/api/connectors/{key}', tag, summary: '连接器 / A connector', right, response: ConnectorSchema },
  { method: 'patch', path: '/api/connectors/{key}', tag, summary: '修改连接器 / Change a connector', right, body: ConnectorPatchBody, response: ConnectorSchema },
  { method: 'delete', path: '/api/connectors/{key}', tag, summary: '删除连接器 / Delete a connector', right, response: NO_JSON_BODY },
  { method: 'post', path: '/api/connectors/{key}/test', tag, summary: '测试连接 / Test the connection', right, response: ConnectorTestResultSchema },
  { method: 'post', path: '/api/connectors/{key}/run', tag, summary: '执行一次（与服务任务相同）/ Run once, as a service task would', right, body: ConnectorRunBody, response: ConnectorRunResultSchema },
  { method: 'get', path: '/api/connectors/{key}/runs', tag, summary: '执行记录（测试与执行，最新在前）/ Run history (tests and runs, newest first)', right, response: itemsOfSchema(ConnectorRunLogEntrySchema) },
];
