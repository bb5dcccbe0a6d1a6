/** The platform's own routes, described for the generated OpenAPI document. */
export interface StaticRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  tag: string;
  summary: string;
  public?: boolean;
  right?: string;
  body?: object;
}

const obj = (props: Record<string, object>, required: string[] = []) => ({ type: 'object', properties: props, required });
const str = { type: 'string' };

export const STATIC_ROUTES: StaticRoute[] = [
  { method: 'get', path: '/api/health', tag: 'platform', summary: '健康检查 / Health', public: true },
  { method: 'get', path: '/api/openapi.json', tag: 'platform', summary: 'OpenAPI 3.1 文档 / This document', public: true },
  { method: 'post', path: '/api/auth/login', tag: 'auth', summary: '登录 / Sign in', public: true, body: obj({ username: str, password: str }, ['username', 'password']) },
  { method: 'get', path: '/api/auth/me', tag: 'auth', summary: '当前用户 / Current user' },
  { method: 'get', path: '/api/auth/api-keys', tag: 'auth', summary: '我的 API 密钥 / My API keys' },
  { method: 'post', path: '/api/auth/api-keys', tag: 'auth', summary: '创建 API 密钥 / Create an API key', body: obj({ name: str, expiresInDays: { type: 'integer' } }, ['name']) },
  { method: 'delete', path: '/api/auth/api-keys/{id}', tag: 'auth', summary: '吊销 API 密钥 / Revoke an API key' },
  { method: 'get', path: '/api/meta/objects', tag: 'metadata', summary: '对象列表 / Objects' },
  { method: 'post', path: '/api/meta/objects', tag: 'metadata', summary: '创建对象 / Create an object', right: 'designer' },
  { method: 'get', path: '/api/meta/objects/{object}', tag: 'metadata', summary: '对象详情 / An object' },
  { method: 'patch', path: '/api/meta/objects/{object}', tag: 'metadata', summary: '修改对象 / Change an object', right: 'designer' },
  { method: 'delete', path: '/api/meta/objects/{object}', tag: 'metadata', summary: '删除对象 / Delete an object', right: 'designer' },
  { method: 'post', path: '/api/meta/objects/{object}/fields', tag: 'metadata', summary: '添加字段 / Add a field', right: 'designer' },
  { method: 'patch', path: '/api/meta/objects/{object}/fields/{field}', tag: 'metadata', summary: '修改字段 / Change a field', right: 'designer' },
  { method: 'delete', path: '/api/meta/objects/{object}/fields/{field}', tag: 'metadata', summary: '删除字段 / Delete a field', right: 'designer' },
  { method: 'get', path: '/api/meta/forms', tag: 'forms', summary: '表单列表 / Forms' },
  { method: 'post', path: '/api/meta/forms', tag: 'forms', summary: '创建表单草稿 / Create a form draft', right: 'designer' },
  { method: 'get', path: '/api/meta/forms/{key}', tag: 'forms', summary: '表单草稿 / The draft' },
  { method: 'put', path: '/api/meta/forms/{key}', tag: 'forms', summary: '保存表单草稿 / Save the draft', right: 'designer' },
  { method: 'post', path: '/api/meta/forms/{key}/publish', tag: 'forms', summary: '发布表单 / Publish', right: 'designer' },
  { method: 'get', path: '/api/meta/forms/{key}/versions/{version}', tag: 'forms', summary: '已发布版本 / A published version' },
  { method: 'post', path: '/api/forms/{key}/submit', tag: 'forms', summary: '提交表单 / Submit a form' },
  { method: 'post', path: '/api/files', tag: 'files', summary: '上传附件 / Upload a file' },
  { method: 'get', path: '/api/files/{id}', tag: 'files', summary: '下载附件 / Download a file' },
  { method: 'post', path: '/api/process-definitions', tag: 'workflow', summary: '部署流程 / Deploy a process', right: 'designer' },
  { method: 'get', path: '/api/process-definitions', tag: 'workflow', summary: '流程定义 / Process definitions' },
  { method: 'get', path: '/api/process-definitions/{key}/xml', tag: 'workflow', summary: '流程 BPMN XML' },
  { method: 'post', path: '/api/process-definitions/{key}/start', tag: 'workflow', summary: '发起流程 / Start an instance' },
  { method: 'get', path: '/api/process-instances', tag: 'workflow', summary: '流程实例 / Instances' },
  { method: 'get', path: '/api/process-instances/{id}', tag: 'workflow', summary: '实例详情 / An instance' },
  { method: 'post', path: '/api/process-instances/{id}/cancel', tag: 'workflow', summary: '终止实例 / Cancel' },
  { method: 'get', path: '/api/tasks', tag: 'workflow', summary: '待办任务 / Task inbox' },
  { method: 'post', path: '/api/tasks/{id}/claim', tag: 'workflow', summary: '认领任务 / Claim' },
  { method: 'post', path: '/api/tasks/{id}/complete', tag: 'workflow', summary: '完成任务 / Complete' },
  { method: 'post', path: '/api/messages', tag: 'workflow', summary: '发送消息 / Correlate a message' },
  { method: 'post', path: '/api/signals', tag: 'workflow', summary: '广播信号 / Broadcast a signal' },
  { method: 'post', path: '/api/decision-definitions', tag: 'workflow', summary: '部署决策表 / Deploy a DMN table', right: 'designer' },
  { method: 'post', path: '/api/decision-definitions/{key}/evaluate', tag: 'workflow', summary: '执行决策 / Evaluate' },
  { method: 'get', path: '/api/incidents', tag: 'workflow', summary: '故障 / Incidents' },
  { method: 'post', path: '/api/incidents/{id}/retry', tag: 'workflow', summary: '重试 / Retry', right: 'process.admin' },
  { method: 'get', path: '/api/admin/users', tag: 'admin', summary: '用户 / Users', right: 'admin.users' },
  { method: 'post', path: '/api/admin/users', tag: 'admin', summary: '创建用户 / Create a user', right: 'admin.users' },
  { method: 'patch', path: '/api/admin/users/{id}', tag: 'admin', summary: '修改用户 / Change a user', right: 'admin.users' },
  { method: 'get', path: '/api/admin/roles', tag: 'admin', summary: '角色 / Roles' },
  { method: 'post', path: '/api/admin/roles', tag: 'admin', summary: '创建角色 / Create a role', right: 'admin.roles' },
  { method: 'get', path: '/api/admin/roles/{key}', tag: 'admin', summary: '角色详情 / A role' },
  { method: 'patch', path: '/api/admin/roles/{key}', tag: 'admin', summary: '修改角色 / Change a role', right: 'admin.roles' },
  { method: 'get', path: '/api/admin/org-units', tag: 'admin', summary: '机构树 / Org units' },
  { method: 'post', path: '/api/admin/org-units', tag: 'admin', summary: '创建机构 / Create an org unit', right: 'admin.org' },
  { method: 'patch', path: '/api/admin/org-units/{id}', tag: 'admin', summary: '修改机构 / Change an org unit', right: 'admin.org' },
  { method: 'get', path: '/api/templates', tag: 'templates', summary: '解决方案模板 / Solution templates' },
  { method: 'get', path: '/api/templates/{key}', tag: 'templates', summary: '模板内容 / A template' },
  { method: 'post', path: '/api/templates/{key}/install', tag: 'templates', summary: '安装或升级模板 / Install or upgrade', right: 'designer' },
  { method: 'get', path: '/api/customers/{id}/360', tag: 'customers', summary: '客户360视图 / Customer 360°' },
  { method: 'get', path: '/api/customers/{id}/network', tag: 'customers', summary: '客户关系网络 / Relationship network' },
  { method: 'get', path: '/api/customers/guarantee-circles', tag: 'customers', summary: '担保圈 / Guarantee circles' },
  { method: 'post', path: '/api/customers/guarantee-circles/detect', tag: 'customers', summary: '重新识别担保圈 / Detect circles', right: 'designer' },
  { method: 'post', path: '/api/customers/tags/recompute', tag: 'customers', summary: '重算规则标签 / Recompute rule tags', right: 'designer' },
  { method: 'post', path: '/api/customers/kyc-reviews/schedule', tag: 'customers', summary: '发起到期 KYC 复核 / Start due KYC reviews', right: 'designer' },
  { method: 'get', path: '/api/segments', tag: 'customers', summary: '客群 / Segments' },
  { method: 'get', path: '/api/segments/{code}', tag: 'customers', summary: '客群与人数 / A segment and its count' },
  { method: 'get', path: '/api/segments/{code}/members', tag: 'customers', summary: '客群成员 / Segment members' },
  { method: 'post', path: '/api/segments/{code}/start-process', tag: 'customers', summary: '对客群发起流程 / Start a process per member', right: 'process.start' },
  { method: 'get', path: '/api/records/{object}/export', tag: 'records', summary: '导出 CSV / Export CSV' },
  { method: 'get', path: '/api/audit', tag: 'audit', summary: '审计日志 / Audit trail', right: 'audit.read' },
  { method: 'get', path: '/api/audit/verify', tag: 'audit', summary: '校验审计链 / Verify the chain', right: 'audit.verify' },
];
