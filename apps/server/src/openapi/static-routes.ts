/**
 * What the generated OpenAPI document says about each registered route: summary, tag, the right it
 * needs, and the shared contract's zod schemas of its body, query and answer (a plain JSON Schema object
 * is still accepted as a body). A registered /api route missing here is listed as undocumented.
 */
import type { z } from 'zod';
import {
  AuditListQuery, AuditVerifySchema, ChangePasswordBody, CompleteBody, CreateObjectBody, CreateOrgUnitBody, CreateRoleBody, CreateUserBody,
  DecisionBody, DeployBody, DeployResponseSchema, EvaluateBody, FieldBody, FieldPatchBody, FormBody, FormDraftBody, HistoryTtlBody,
  IncidentQuery, InstanceQuery, itemsOfSchema, LoginBody, LoginResponseSchema, MessageBody, OidcCallbackQuery, OidcExchangeBody, OidcLoginQuery, AuthProvidersSchema, ObjectSchema, OwnApiKeyBody, ProcessInstanceSchema,
  ProcessXmlQuery, PurgeQuery, RecordExportQuery, RecordListQuery, RecordPageSchema, RecordQueryBody, RecordSchema, RecordValuesBody,
  RoleSchema, ServiceApiKeyBody, SignalBody, StartBody, TaskQuery, TaskSchema, TriggerBody, UpdateObjectBody, UpdateOrgUnitBody,
  UpdateRoleBody, UpdateUserBody, UserListQuery, VariablesBody,
} from '@crm/shared';
import { PackConflictsSchema, ResolvePackConflictsBody, ResolvedPackConflictsSchema } from '@crm/shared';
import { REPORT_ROUTES } from '../analytics/openapi-routes.js';

export interface StaticRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  tag: string;
  summary: string;
  public?: boolean;
  right?: string;
  body?: z.ZodType | object;
  query?: z.ZodType;
  response?: z.ZodType;
}

export const obj = (props: Record<string, object>, required: string[] = []) => ({ type: 'object', properties: props, required });
export const str = { type: 'string' };

export const STATIC_ROUTES: StaticRoute[] = [
  { method: 'get', path: '/api/health', tag: 'platform', summary: '健康检查 / Health', public: true },
  { method: 'get', path: '/api/health/live', tag: 'platform', summary: '存活探针 / Liveness', public: true },
  { method: 'get', path: '/api/health/ready', tag: 'platform', summary: '就绪探针 / Readiness', public: true },
  { method: 'get', path: '/api/openapi.json', tag: 'platform', summary: 'OpenAPI 3.1 文档 / This document', public: true },
  { method: 'post', path: '/api/auth/login', tag: 'auth', summary: '登录 / Sign in', public: true, body: LoginBody, response: LoginResponseSchema },
  { method: 'get', path: '/api/auth/me', tag: 'auth', summary: '当前用户 / Current user' },
  { method: 'get', path: '/api/auth/providers', tag: 'auth', summary: '可用的登录方式 / How users sign in', public: true, response: AuthProvidersSchema },
  { method: 'get', path: '/api/auth/oidc/login', tag: 'auth', summary: '统一身份认证登录（跳转）/ Single sign-on (redirect)', public: true, query: OidcLoginQuery },
  { method: 'get', path: '/api/auth/oidc/callback', tag: 'auth', summary: '统一身份认证回调（跳转）/ Single sign-on callback (redirect)', public: true, query: OidcCallbackQuery },
  { method: 'post', path: '/api/auth/oidc/exchange', tag: 'auth', summary: '一次性登录码换取令牌 / One-time code for a token', public: true, body: OidcExchangeBody, response: LoginResponseSchema },
  { method: 'post', path: '/api/admin/directory/sync', tag: 'auth', summary: '核对目录账号（停用已离开目录的账号）/ Check directory accounts (disable those gone)', right: 'admin.users' },
  { method: 'post', path: '/api/auth/change-password', tag: 'auth', summary: '修改本人密码 / Change my password', body: ChangePasswordBody },
  { method: 'get', path: '/api/auth/api-keys', tag: 'auth', summary: '我的 API 密钥 / My API keys' },
  { method: 'post', path: '/api/auth/api-keys', tag: 'auth', summary: '创建 API 密钥 / Create an API key', body: OwnApiKeyBody },
  { method: 'delete', path: '/api/auth/api-keys/{id}', tag: 'auth', summary: '吊销 API 密钥 / Revoke an API key' },
  { method: 'get', path: '/api/meta/objects', tag: 'metadata', summary: '对象列表 / Objects', response: itemsOfSchema(ObjectSchema) },
  { method: 'post', path: '/api/meta/objects', tag: 'metadata', summary: '创建对象 / Create an object', right: 'designer', body: CreateObjectBody, response: ObjectSchema },
  { method: 'get', path: '/api/meta/objects/{object}', tag: 'metadata', summary: '对象详情 / An object', response: ObjectSchema },
  { method: 'patch', path: '/api/meta/objects/{object}', tag: 'metadata', summary: '修改对象 / Change an object', right: 'designer', body: UpdateObjectBody, response: ObjectSchema },
  { method: 'delete', path: '/api/meta/objects/{object}', tag: 'metadata', summary: '删除对象 / Delete an object', right: 'designer', query: PurgeQuery },
  { method: 'post', path: '/api/meta/objects/{object}/fields', tag: 'metadata', summary: '添加字段 / Add a field', right: 'designer', body: FieldBody },
  { method: 'patch', path: '/api/meta/objects/{object}/fields/{field}', tag: 'metadata', summary: '修改字段 / Change a field', right: 'designer', body: FieldPatchBody },
  { method: 'delete', path: '/api/meta/objects/{object}/fields/{field}', tag: 'metadata', summary: '删除字段 / Delete a field', right: 'designer', query: PurgeQuery },
  { method: 'get', path: '/api/meta/forms', tag: 'forms', summary: '表单列表 / Forms' },
  { method: 'post', path: '/api/meta/forms', tag: 'forms', summary: '创建表单草稿 / Create a form draft', right: 'designer', body: FormBody },
  { method: 'get', path: '/api/meta/forms/{key}', tag: 'forms', summary: '表单草稿 / The draft' },
  { method: 'put', path: '/api/meta/forms/{key}', tag: 'forms', summary: '保存表单草稿 / Save the draft', right: 'designer', body: FormDraftBody },
  { method: 'post', path: '/api/meta/forms/{key}/publish', tag: 'forms', summary: '发布表单 / Publish', right: 'designer' },
  { method: 'get', path: '/api/meta/forms/{key}/versions/{version}', tag: 'forms', summary: '已发布版本 / A published version' },
  { method: 'post', path: '/api/forms/{key}/submit', tag: 'forms', summary: '提交表单 / Submit a form', body: RecordValuesBody, response: RecordSchema },
  { method: 'post', path: '/api/files', tag: 'files', summary: '上传附件 / Upload a file' },
  { method: 'get', path: '/api/files/{id}', tag: 'files', summary: '下载附件 / Download a file' },
  { method: 'post', path: '/api/process-definitions', tag: 'workflow', summary: '部署流程 / Deploy a process', right: 'designer', body: DeployBody, response: DeployResponseSchema },
  { method: 'get', path: '/api/process-definitions', tag: 'workflow', summary: '流程定义 / Process definitions' },
  { method: 'get', path: '/api/process-definitions/{key}/xml', tag: 'workflow', summary: '流程 BPMN XML', query: ProcessXmlQuery },
  { method: 'post', path: '/api/process-definitions/{key}/start', tag: 'workflow', summary: '发起流程 / Start an instance', body: StartBody, response: ProcessInstanceSchema },
  { method: 'get', path: '/api/process-instances', tag: 'workflow', summary: '流程实例 / Instances', query: InstanceQuery },
  { method: 'get', path: '/api/process-instances/{id}', tag: 'workflow', summary: '实例详情 / An instance', response: ProcessInstanceSchema },
  { method: 'post', path: '/api/process-instances/{id}/cancel', tag: 'workflow', summary: '终止实例 / Cancel', response: ProcessInstanceSchema },
  { method: 'get', path: '/api/tasks', tag: 'workflow', summary: '待办任务 / Task inbox', query: TaskQuery, response: itemsOfSchema(TaskSchema) },
  { method: 'post', path: '/api/tasks/{id}/claim', tag: 'workflow', summary: '认领任务 / Claim', response: TaskSchema },
  { method: 'post', path: '/api/tasks/{id}/complete', tag: 'workflow', summary: '完成任务 / Complete', body: CompleteBody },
  { method: 'post', path: '/api/messages', tag: 'workflow', summary: '发送消息 / Correlate a message', body: MessageBody },
  { method: 'post', path: '/api/signals', tag: 'workflow', summary: '广播信号 / Broadcast a signal', body: SignalBody },
  { method: 'post', path: '/api/decision-definitions', tag: 'workflow', summary: '部署决策表 / Deploy a DMN table', right: 'designer', body: DecisionBody },
  { method: 'post', path: '/api/decision-definitions/{key}/evaluate', tag: 'workflow', summary: '执行决策 / Evaluate', body: EvaluateBody },
  { method: 'get', path: '/api/incidents', tag: 'workflow', summary: '故障 / Incidents', query: IncidentQuery },
  { method: 'get', path: '/api/process-definitions/{key}/history-ttl', tag: 'workflow', summary: '历史保留期 / History time-to-live', right: 'process.admin' },
  { method: 'put', path: '/api/process-definitions/{key}/history-ttl', tag: 'workflow', summary: '设置历史保留期 / Set history time-to-live', right: 'process.admin', body: HistoryTtlBody },
  { method: 'delete', path: '/api/process-definitions/{key}/history-ttl', tag: 'workflow', summary: '恢复默认保留期 / Back to the default time-to-live', right: 'process.admin' },
  { method: 'post', path: '/api/admin/housekeeping/run', tag: 'platform', summary: '立即清理过期数据 / Run housekeeping now', right: 'process.admin' },
  { method: 'post', path: '/api/incidents/{id}/retry', tag: 'workflow', summary: '重试 / Retry', right: 'process.admin' },
  { method: 'get', path: '/api/admin/users', tag: 'admin', summary: '用户 / Users', right: 'admin.users', query: UserListQuery },
  { method: 'post', path: '/api/admin/users', tag: 'admin', summary: '创建用户 / Create a user', right: 'admin.users', body: CreateUserBody },
  { method: 'patch', path: '/api/admin/users/{id}', tag: 'admin', summary: '修改用户（授予授权管理或审计职责需复核）/ Change a user (duty grants need approval)', right: 'admin.users', body: UpdateUserBody },
  { method: 'post', path: '/api/admin/users/{id}/reset-password', tag: 'admin', summary: '重置密码（临时密码；职责人员需复核）/ Reset a password', right: 'admin.users' },
  { method: 'get', path: '/api/admin/password-resets', tag: 'admin', summary: '待复核的密码重置 / Pending password resets' },
  { method: 'post', path: '/api/admin/password-resets/{id}/approve', tag: 'admin', summary: '批准密码重置 / Approve a password reset' },
  { method: 'post', path: '/api/admin/password-resets/{id}/reject', tag: 'admin', summary: '撤回或驳回密码重置 / Withdraw or decline a password reset' },
  { method: 'get', path: '/api/admin/role-grants', tag: 'admin', summary: '待复核的职责授予 / Pending duty grants' },
  { method: 'post', path: '/api/admin/role-grants/{id}/approve', tag: 'admin', summary: '批准职责授予 / Approve a duty grant' },
  { method: 'post', path: '/api/admin/role-grants/{id}/reject', tag: 'admin', summary: '撤回或驳回职责授予 / Withdraw or decline a duty grant' },
  { method: 'get', path: '/api/admin/roles', tag: 'admin', summary: '角色 / Roles' },
  { method: 'post', path: '/api/admin/roles', tag: 'admin', summary: '创建角色 / Create a role', right: 'admin.roles', body: CreateRoleBody, response: RoleSchema },
  { method: 'get', path: '/api/admin/roles/{key}', tag: 'admin', summary: '角色详情 / A role', response: RoleSchema },
  { method: 'patch', path: '/api/admin/roles/{key}', tag: 'admin', summary: '修改角色 / Change a role', right: 'admin.roles', body: UpdateRoleBody, response: RoleSchema },
  { method: 'get', path: '/api/admin/org-units', tag: 'admin', summary: '机构树 / Org units' },
  { method: 'post', path: '/api/admin/org-units', tag: 'admin', summary: '创建机构 / Create an org unit', right: 'admin.org', body: CreateOrgUnitBody },
  { method: 'patch', path: '/api/admin/org-units/{id}', tag: 'admin', summary: '修改机构 / Change an org unit', right: 'admin.org', body: UpdateOrgUnitBody },
  { method: 'get', path: '/api/templates', tag: 'templates', summary: '解决方案模板 / Solution templates' },
  { method: 'get', path: '/api/templates/{key}', tag: 'templates', summary: '模板内容 / A template' },
  { method: 'post', path: '/api/templates/{key}/install', tag: 'templates', summary: '安装或升级模板 / Install or upgrade', right: 'designer' },
  { method: 'get', path: '/api/admin/packs/{key}/conflicts', tag: 'templates', summary: '升级未应用的部件（双方均修改、本行已删除）/ Parts an upgrade left as the bank has them', right: 'designer', response: PackConflictsSchema },
  { method: 'post', path: '/api/admin/packs/{key}/conflicts/resolve', tag: 'templates', summary: '保留本行版本，关闭升级冲突 / Keep the bank\'s version of reported parts', right: 'designer',
    body: ResolvePackConflictsBody, response: ResolvedPackConflictsSchema },
  { method: 'post', path: '/api/templates/{key}/roles/apply', tag: 'templates', summary: '按模板更新角色权限（安全管理员）/ Apply the pack\'s role definitions', right: 'admin.roles',
    body: obj({ roles: { type: 'array', items: str } }, ['roles']) },
  { method: 'get', path: '/api/records/{object}/export', tag: 'records', summary: '导出 CSV / Export CSV', query: RecordExportQuery },
  { method: 'get', path: '/api/audit', tag: 'audit', summary: '审计日志 / Audit trail', right: 'audit.read', query: AuditListQuery },
  { method: 'get', path: '/api/audit/verify', tag: 'audit', summary: '校验审计链 / Verify the chain', right: 'audit.verify', response: AuditVerifySchema },
  // Generic record routes (one path set per object is also generated from metadata) and the rest of the platform.
  { method: 'get', path: '/api/records/{object}', tag: 'records', summary: '记录列表 / List records', query: RecordListQuery, response: RecordPageSchema },
  { method: 'post', path: '/api/records/{object}', tag: 'records', summary: '新建记录 / Create a record', body: RecordValuesBody, response: RecordSchema },
  { method: 'post', path: '/api/records/{object}/query', tag: 'records', summary: '查询记录 / Query records', body: RecordQueryBody, response: RecordPageSchema },
  { method: 'get', path: '/api/records/{object}/{id}', tag: 'records', summary: '读取记录 / Get a record', response: RecordSchema },
  { method: 'patch', path: '/api/records/{object}/{id}', tag: 'records', summary: '修改记录（带 version）/ Update a record (with version)', body: RecordValuesBody, response: RecordSchema },
  { method: 'delete', path: '/api/records/{object}/{id}', tag: 'records', summary: '删除记录 / Delete a record' },
  { method: 'get', path: '/api/meta/forms/{key}/published', tag: 'forms', summary: '最新发布版本 / The latest published version' },
  { method: 'get', path: '/api/meta/forms/{key}/versions/{version}/validator.js', tag: 'forms', summary: '发布版本的校验模块 / The published version\'s validator module' },
  { method: 'get', path: '/api/docs', tag: 'platform', summary: 'API 文档页面 / API documentation page', public: true },
  { method: 'get', path: '/api/docs/init.js', tag: 'platform', summary: 'API 文档页面脚本 / Documentation page script', public: true },
  { method: 'get', path: '/api/admin/api-keys', tag: 'auth', summary: '技术账号的 API 密钥 / Service accounts\' API keys', right: 'admin.users' },
  { method: 'post', path: '/api/admin/api-keys', tag: 'auth', summary: '为技术账号创建 API 密钥 / Create a service account key', right: 'admin.users', body: ServiceApiKeyBody },
  { method: 'delete', path: '/api/admin/api-keys/{id}', tag: 'auth', summary: '吊销技术账号的 API 密钥 / Revoke a service account key', right: 'admin.users' },
  { method: 'get', path: '/api/process-definitions/{key}/versions', tag: 'workflow', summary: '流程的全部版本 / Every version of a process' },
  { method: 'put', path: '/api/process-instances/{id}/variables', tag: 'workflow', summary: '修改流程变量 / Set instance variables', right: 'process.admin', body: VariablesBody },
  { method: 'get', path: '/api/tasks/{id}', tag: 'workflow', summary: '任务详情 / A task', response: TaskSchema },
  { method: 'get', path: '/api/decision-definitions', tag: 'workflow', summary: '决策表 / Decision tables' },
  { method: 'post', path: '/api/process-triggers', tag: 'workflow', summary: '创建流程触发器 / Create a process trigger', right: 'designer', body: TriggerBody },
  { method: 'get', path: '/api/process-triggers', tag: 'workflow', summary: '流程触发器 / Process triggers', right: 'designer' },
  { method: 'delete', path: '/api/process-triggers/{id}', tag: 'workflow', summary: '删除流程触发器 / Delete a process trigger', right: 'designer' },
  ...REPORT_ROUTES,
];
