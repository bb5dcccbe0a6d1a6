/**
 * What the generated OpenAPI document says about each registered route: summary, tag, the right it
 * needs, and the shared contract's zod schemas of its body, query and answer (every route names its
 * answer, or says it sends no JSON). A registered /api route missing here is listed as undocumented.
 */
import { z } from 'zod';
import {
  DirectoryQuery, DirectoryUserSchema,
  AdminUserSchema, ApiKeySchema, ApplyRolesBody, ApplyRolesResultSchema, ApprovedPasswordResetSchema, ApprovedRoleGrantSchema, AuditListQuery, AuditPageSchema,
  AuditVerifySchema, AuthProvidersSchema, ChangePasswordBody, ChangePasswordResponseSchema, RefreshResponseSchema, CompleteBody, CompleteTaskResponseSchema, CorrelatedSchema, CreateObjectBody,
  CreateOrgUnitBody, CreateRoleBody, CreateUserBody, CreatedApiKeySchema, CurrentUserSchema, DecisionBody, DecisionDefinitionSchema, DecisionDetailSchema, DecisionDeployResponseSchema,
  DeployBody, DeployResponseSchema, DirectorySyncResultSchema, EvaluateBody, EvaluateResponseSchema, FieldBody, FieldPatchBody, FieldSchema,
  FormBody, FormDraftBody, FormDraftSchema, FormSummarySchema, HealthSchema, HistoryTtlBody, HistoryTtlSchema, HousekeepingResultSchema,
  IncidentQuery, IncidentSchema, InstallResultSchema, InstanceQuery, LivenessSchema, LoginBody, LoginResponseSchema, MessageBody,
  NO_JSON_BODY, ObjectSchema, OidcCallbackQuery, OidcExchangeBody, OidcExchangeResponseSchema, OidcLoginQuery, OpenApiDocumentSchema, OrgUnitSchema,
  OwnApiKeyBody, PasswordResetResultSchema, PendingApprovalSchema, PendingReplySchema, ProcessDefinitionSchema, ProcessInstanceSchema, ProcessInstanceSummarySchema, ProcessXmlQuery,
  PublishFormResponseSchema, PublishedFormSchema, PurgeQuery, ReadinessSchema, AssigneeQuery, AssigneeSchema, RecordBulkBody, RecordBulkResultSchema, RecordExportQuery, RecordGetQuery, RecordListQuery, RecordPageSchema, RecordQueryBody,
  RecordSchema, RecordValuesBody, RejectedApprovalSchema, RoleSchema, ServiceApiKeyBody, SignalBody, StartBody, TaskDetailSchema,
  TaskQuery, TaskSchema, TemplateSchema, TemplateSummarySchema, TriggerBody, TriggerSchema, TriggeredSchema, UpdateObjectBody,
  UpdateOrgUnitBody, UpdateRoleBody, UpdateUserBody, UploadedFileSchema, UserListQuery, VariablesBody, itemsOfSchema, LdapSettingsBody, OidcSettingsBody, SsoSettingsSchema, SsoTestBody, SsoTestResultSchema,
} from '@crm/shared';
import { PackConflictsSchema, ResolvePackConflictsBody, ResolvedPackConflictsSchema } from '@crm/shared';
import { FormValidatorBody, FormValidatorModuleSchema } from '@crm/shared';
import { REPORT_ROUTES } from '../analytics/openapi-routes.js';
import { WEBHOOK_ROUTES } from '../webhooks/openapi-routes.js';
import { IMPORT_ROUTES } from '../imports/openapi-routes.js';
import { PRIVACY_ROUTES } from '../privacy/openapi-routes.js';
import { JOB_ROUTES } from '../jobs/openapi-routes.js';
import { CONNECTOR_ROUTES } from '../connectors/openapi-routes.js';
import { MODEL_ROUTES } from '../insight/openapi-routes.js';
import { EVENT_ROUTES } from '../events/openapi-routes.js';
import { JOURNEY_ROUTES } from '../marketing/journeys/openapi-routes.js';
import { MARKETING_ROUTES } from '../marketing/openapi-routes.js';
import { VIEW_ROUTES } from '../views/openapi-routes.js';
import { NOTIFICATION_ROUTES } from '../notifications/openapi-routes.js';
import { SEARCH_ROUTES } from '../search/openapi-routes.js';

export interface StaticRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  tag: string;
  summary: string;
  public?: boolean;
  right?: string;
  body?: z.ZodType;
  query?: z.ZodType;
  /** The shared schema of the 2xx answer, or NO_JSON_BODY for 204s, redirects, files, scripts and XML. */
  response: z.ZodType | typeof NO_JSON_BODY;
  /**
   * The success status, only where the handler sets it itself (a redirect) or the route is not a Nest
   * handler; otherwise the document reads it from the handler (`@HttpCode`, else 201 for POST, 200).
   */
  status?: number;
  /** The answer of a four-eyes route when the change waits for a second approver (status 202). */
  accepted?: z.ZodType;
}

export const STATIC_ROUTES: StaticRoute[] = [
  { method: 'get', path: '/api/health', tag: 'platform', summary: '健康检查 / Health', public: true, response: HealthSchema },
  { method: 'get', path: '/api/health/live', tag: 'platform', summary: '存活探针 / Liveness', public: true, response: LivenessSchema },
  { method: 'get', path: '/api/health/ready', tag: 'platform', summary: '就绪探针 / Readiness', public: true, response: ReadinessSchema },
  { method: 'get', path: '/api/openapi.json', tag: 'platform', summary: 'OpenAPI 3.1 文档 / This document', public: true, response: OpenApiDocumentSchema },
  { method: 'post', path: '/api/auth/login', tag: 'auth', summary: '登录 / Sign in', public: true, body: LoginBody, response: LoginResponseSchema },
  { method: 'get', path: '/api/auth/me', tag: 'auth', summary: '当前用户 / Current user', response: CurrentUserSchema },
  { method: 'get', path: '/api/auth/providers', tag: 'auth', summary: '可用的登录方式 / How users sign in', public: true, response: AuthProvidersSchema },
  { method: 'get', path: '/api/auth/oidc/login', tag: 'auth', summary: '统一身份认证登录（跳转）/ Single sign-on (redirect)', public: true, query: OidcLoginQuery, response: NO_JSON_BODY, status: 302 },
  { method: 'get', path: '/api/auth/oidc/callback', tag: 'auth', summary: '统一身份认证回调（跳转）/ Single sign-on callback (redirect)', public: true, query: OidcCallbackQuery, response: NO_JSON_BODY, status: 302 },
  { method: 'post', path: '/api/auth/oidc/exchange', tag: 'auth', summary: '一次性登录码换取令牌 / One-time code for a token', public: true, body: OidcExchangeBody, response: OidcExchangeResponseSchema},
  { method: 'post', path: '/api/admin/directory/sync', tag: 'auth', summary: '核对目录账号（停用已离开目录的账号）/ Check directory accounts (disable those gone)', right: 'admin.users', response: DirectorySyncResultSchema },
  { method: 'get', path: '/api/admin/sso', tag: 'auth', summary: '统一身份认证设置（密钥不返回）/ Single sign-on settings (secrets never answered)', right: 'admin.roles', response: SsoSettingsSchema },
  { method: 'put', path: '/api/admin/sso/ldap', tag: 'auth', summary: '保存 LDAP / AD 目录设置 / Save the directory (LDAP / AD) settings', right: 'admin.roles', body: LdapSettingsBody, response: SsoSettingsSchema },
  { method: 'put', path: '/api/admin/sso/oidc', tag: 'auth', summary: '保存 OIDC 设置 / Save the OpenID Connect settings', right: 'admin.roles', body: OidcSettingsBody, response: SsoSettingsSchema },
  { method: 'post', path: '/api/admin/sso/ldap/test', tag: 'auth', summary: '测试目录连接（可查一个用户的角色映射）/ Test the directory (optionally a user\'s role mapping)', right: 'admin.roles', body: SsoTestBody, response: SsoTestResultSchema },
  { method: 'post', path: '/api/admin/sso/oidc/test', tag: 'auth', summary: '测试 OIDC 提供方（读取发现文档）/ Test the OpenID provider (discovery)', right: 'admin.roles', body: SsoTestBody, response: SsoTestResultSchema },
  { method: 'post', path: '/api/auth/refresh', tag: 'auth', summary: '用会话 Cookie 换取新的访问令牌 / A new access token from the session cookie', public: true, response: RefreshResponseSchema },
  { method: 'post', path: '/api/auth/logout', tag: 'auth', summary: '退出登录（结束会话）/ Sign out (end the session)', public: true, response: NO_JSON_BODY },
  { method: 'post', path: '/api/auth/change-password', tag: 'auth', summary: '修改本人密码 / Change my password', body: ChangePasswordBody, response: ChangePasswordResponseSchema },
  { method: 'get', path: '/api/auth/api-keys', tag: 'auth', summary: '我的 API 密钥 / My API keys', response: itemsOfSchema(ApiKeySchema) },
  { method: 'post', path: '/api/auth/api-keys', tag: 'auth', summary: '创建 API 密钥 / Create an API key', body: OwnApiKeyBody, response: CreatedApiKeySchema },
  { method: 'delete', path: '/api/auth/api-keys/{id}', tag: 'auth', summary: '吊销 API 密钥 / Revoke an API key', response: NO_JSON_BODY },
  { method: 'get', path: '/api/meta/objects', tag: 'metadata', summary: '对象列表 / Objects', response: itemsOfSchema(ObjectSchema) },
  { method: 'post', path: '/api/meta/objects', tag: 'metadata', summary: '创建对象 / Create an object', right: 'designer', body: CreateObjectBody, response: ObjectSchema },
  { method: 'get', path: '/api/meta/objects/{object}', tag: 'metadata', summary: '对象详情 / An object', response: ObjectSchema },
  { method: 'patch', path: '/api/meta/objects/{object}', tag: 'metadata', summary: '修改对象 / Change an object', right: 'designer', body: UpdateObjectBody, response: ObjectSchema },
  { method: 'delete', path: '/api/meta/objects/{object}', tag: 'metadata', summary: '删除对象 / Delete an object', right: 'designer', query: PurgeQuery, response: NO_JSON_BODY },
  { method: 'post', path: '/api/meta/objects/{object}/fields', tag: 'metadata', summary: '添加字段 / Add a field', right: 'designer', body: FieldBody, response: FieldSchema },
  { method: 'patch', path: '/api/meta/objects/{object}/fields/{field}', tag: 'metadata', summary: '修改字段 / Change a field', right: 'designer', body: FieldPatchBody, response: FieldSchema },
  { method: 'delete', path: '/api/meta/objects/{object}/fields/{field}', tag: 'metadata', summary: '删除字段 / Delete a field', right: 'designer', query: PurgeQuery, response: NO_JSON_BODY },
  { method: 'get', path: '/api/meta/forms', tag: 'forms', summary: '表单列表 / Forms', response: itemsOfSchema(FormSummarySchema) },
  { method: 'post', path: '/api/meta/forms', tag: 'forms', summary: '创建表单草稿 / Create a form draft', right: 'designer', body: FormBody, response: FormDraftSchema },
  { method: 'get', path: '/api/meta/forms/{key}', tag: 'forms', summary: '表单草稿 / The draft', response: FormDraftSchema },
  { method: 'put', path: '/api/meta/forms/{key}', tag: 'forms', summary: '保存表单草稿 / Save the draft', right: 'designer', body: FormDraftBody, response: FormDraftSchema },
  { method: 'post', path: '/api/meta/forms/{key}/publish', tag: 'forms', summary: '发布表单 / Publish', right: 'designer', response: PublishFormResponseSchema },
  { method: 'get', path: '/api/meta/forms/{key}/versions/{version}', tag: 'forms', summary: '已发布版本 / A published version', response: PublishedFormSchema },
  { method: 'post', path: '/api/forms/{key}/submit', tag: 'forms', summary: '提交表单 / Submit a form', body: RecordValuesBody, response: RecordSchema },
  { method: 'post', path: '/api/files', tag: 'files', summary: '上传附件 / Upload a file', response: UploadedFileSchema },
  { method: 'get', path: '/api/files/{id}', tag: 'files', summary: '下载附件 / Download a file', response: NO_JSON_BODY },
  { method: 'post', path: '/api/process-definitions', tag: 'workflow', summary: '部署流程 / Deploy a process', right: 'designer', body: DeployBody, response: DeployResponseSchema },
  { method: 'get', path: '/api/process-definitions', tag: 'workflow', summary: '流程定义 / Process definitions', response: z.array(ProcessDefinitionSchema) },
  { method: 'get', path: '/api/process-definitions/{key}/xml', tag: 'workflow', summary: '流程 BPMN XML', query: ProcessXmlQuery, response: NO_JSON_BODY },
  { method: 'post', path: '/api/process-definitions/{key}/start', tag: 'workflow', summary: '发起流程 / Start an instance', body: StartBody, response: ProcessInstanceSchema },
  { method: 'get', path: '/api/process-instances', tag: 'workflow', summary: '流程实例 / Instances', query: InstanceQuery, response: itemsOfSchema(ProcessInstanceSummarySchema) },
  { method: 'get', path: '/api/process-instances/{id}', tag: 'workflow', summary: '实例详情 / An instance', response: ProcessInstanceSchema },
  { method: 'post', path: '/api/process-instances/{id}/cancel', tag: 'workflow', summary: '终止实例 / Cancel', response: ProcessInstanceSchema },
  { method: 'get', path: '/api/tasks', tag: 'workflow', summary: '待办任务 / Task inbox', query: TaskQuery, response: itemsOfSchema(TaskSchema) },
  { method: 'post', path: '/api/tasks/{id}/claim', tag: 'workflow', summary: '认领任务 / Claim', response: TaskSchema },
  { method: 'post', path: '/api/tasks/{id}/complete', tag: 'workflow', summary: '完成任务 / Complete', body: CompleteBody, response: CompleteTaskResponseSchema },
  { method: 'post', path: '/api/messages', tag: 'workflow', summary: '发送消息 / Correlate a message', body: MessageBody, response: CorrelatedSchema },
  { method: 'post', path: '/api/signals', tag: 'workflow', summary: '广播信号 / Broadcast a signal', body: SignalBody, response: TriggeredSchema },
  { method: 'post', path: '/api/decision-definitions', tag: 'workflow', summary: '部署决策表 / Deploy a DMN table', right: 'designer', body: DecisionBody, response: DecisionDeployResponseSchema },
  { method: 'post', path: '/api/decision-definitions/{key}/evaluate', tag: 'workflow', summary: '执行决策 / Evaluate', body: EvaluateBody, response: EvaluateResponseSchema },
  { method: 'get', path: '/api/incidents', tag: 'workflow', summary: '故障 / Incidents', query: IncidentQuery, response: itemsOfSchema(IncidentSchema) },
  { method: 'get', path: '/api/process-definitions/{key}/history-ttl', tag: 'workflow', summary: '历史保留期 / History time-to-live', right: 'process.admin', response: HistoryTtlSchema },
  { method: 'put', path: '/api/process-definitions/{key}/history-ttl', tag: 'workflow', summary: '设置历史保留期 / Set history time-to-live', right: 'process.admin', body: HistoryTtlBody, response: HistoryTtlSchema },
  { method: 'delete', path: '/api/process-definitions/{key}/history-ttl', tag: 'workflow', summary: '恢复默认保留期 / Back to the default time-to-live', right: 'process.admin', response: HistoryTtlSchema },
  { method: 'post', path: '/api/admin/housekeeping/run', tag: 'platform', summary: '立即清理过期数据 / Run housekeeping now', right: 'process.admin', response: HousekeepingResultSchema },
  { method: 'post', path: '/api/incidents/{id}/retry', tag: 'workflow', summary: '重试 / Retry', right: 'process.admin', response: ProcessInstanceSchema },
  { method: 'get', path: '/api/admin/users', tag: 'admin', summary: '用户 / Users', right: 'admin.users', query: UserListQuery, response: itemsOfSchema(AdminUserSchema) },
  { method: 'post', path: '/api/admin/users', tag: 'admin', summary: '创建用户 / Create a user', right: 'admin.users', body: CreateUserBody, response: AdminUserSchema },
  { method: 'patch', path: '/api/admin/users/{id}', tag: 'admin', summary: '修改用户（授予授权管理或审计职责需复核）/ Change a user (duty grants need approval)', right: 'admin.users', body: UpdateUserBody, response: AdminUserSchema, accepted: PendingReplySchema },
  { method: 'post', path: '/api/admin/users/{id}/reset-password', tag: 'admin', summary: '重置密码（临时密码；职责人员需复核）/ Reset a password', right: 'admin.users', response: PasswordResetResultSchema, accepted: PendingReplySchema },
  { method: 'get', path: '/api/admin/password-resets', tag: 'admin', summary: '待复核的密码重置 / Pending password resets', response: itemsOfSchema(PendingApprovalSchema) },
  { method: 'post', path: '/api/admin/password-resets/{id}/approve', tag: 'admin', summary: '批准密码重置 / Approve a password reset', response: ApprovedPasswordResetSchema },
  { method: 'post', path: '/api/admin/password-resets/{id}/reject', tag: 'admin', summary: '撤回或驳回密码重置 / Withdraw or decline a password reset', response: RejectedApprovalSchema },
  { method: 'get', path: '/api/admin/role-grants', tag: 'admin', summary: '待复核的职责授予 / Pending duty grants', response: itemsOfSchema(PendingApprovalSchema) },
  { method: 'post', path: '/api/admin/role-grants/{id}/approve', tag: 'admin', summary: '批准职责授予 / Approve a duty grant', response: ApprovedRoleGrantSchema },
  { method: 'post', path: '/api/admin/role-grants/{id}/reject', tag: 'admin', summary: '撤回或驳回职责授予 / Withdraw or decline a duty grant', response: RejectedApprovalSchema },
  { method: 'get', path: '/api/admin/roles', tag: 'admin', summary: '角色 / Roles', response: itemsOfSchema(RoleSchema) },
  { method: 'get', path: '/api/directory/users', tag: 'admin', summary: '人员目录（选择处理人用，仅姓名；设计、发起流程或用户管理权）/ Staff directory for pickers (names only; designer, process.start, process.admin or admin.users)', query: DirectoryQuery, response: itemsOfSchema(DirectoryUserSchema) },
  { method: 'post', path: '/api/admin/roles', tag: 'admin', summary: '创建角色 / Create a role', right: 'admin.roles', body: CreateRoleBody, response: RoleSchema },
  { method: 'get', path: '/api/admin/roles/{key}', tag: 'admin', summary: '角色详情 / A role', response: RoleSchema },
  { method: 'patch', path: '/api/admin/roles/{key}', tag: 'admin', summary: '修改角色 / Change a role', right: 'admin.roles', body: UpdateRoleBody, response: RoleSchema },
  { method: 'get', path: '/api/admin/org-units', tag: 'admin', summary: '机构树 / Org units', response: itemsOfSchema(OrgUnitSchema) },
  { method: 'get', path: '/api/admin/org-units/{id}', tag: 'admin', summary: '机构 / One org unit', response: OrgUnitSchema },
  { method: 'post', path: '/api/admin/org-units', tag: 'admin', summary: '创建机构 / Create an org unit', right: 'admin.org', body: CreateOrgUnitBody, response: OrgUnitSchema },
  { method: 'patch', path: '/api/admin/org-units/{id}', tag: 'admin', summary: '修改机构 / Change an org unit', right: 'admin.org', body: UpdateOrgUnitBody, response: OrgUnitSchema },
  { method: 'get', path: '/api/templates', tag: 'templates', summary: '解决方案模板 / Solution templates', response: itemsOfSchema(TemplateSummarySchema) },
  { method: 'get', path: '/api/templates/{key}', tag: 'templates', summary: '模板内容 / A template', response: TemplateSchema },
  { method: 'post', path: '/api/templates/{key}/install', tag: 'templates', summary: '安装或升级模板 / Install or upgrade', right: 'designer', response: InstallResultSchema },
  { method: 'get', path: '/api/admin/packs/{key}/conflicts', tag: 'templates', summary: '升级未应用的部件（双方均修改、本行已删除）/ Parts an upgrade left as the bank has them', right: 'designer', response: PackConflictsSchema },
  { method: 'post', path: '/api/admin/packs/{key}/preview', tag: 'templates', summary: '升级预览（不写入）/ What an upgrade would change', right: 'designer', response: InstallResultSchema },
  { method: 'post', path: '/api/admin/packs/{key}/conflicts/resolve', tag: 'templates', summary: '保留本行版本，关闭升级冲突 / Keep the bank\'s version of reported parts', right: 'designer',
    body: ResolvePackConflictsBody, response: ResolvedPackConflictsSchema },
  { method: 'post', path: '/api/templates/{key}/roles/apply', tag: 'templates', summary: '按模板更新角色权限（安全管理员）/ Apply the pack\'s role definitions', right: 'admin.roles', response: ApplyRolesResultSchema,
    body: ApplyRolesBody },
  { method: 'get', path: '/api/records/{object}/export', tag: 'records', summary: '导出 CSV 或 XLSX（按查看者脱敏）/ Export CSV or XLSX (masked as the viewer sees it)', query: RecordExportQuery, response: NO_JSON_BODY },
  { method: 'get', path: '/api/audit', tag: 'audit', summary: '审计日志 / Audit trail', right: 'audit.read', query: AuditListQuery, response: AuditPageSchema },
  { method: 'get', path: '/api/audit/verify', tag: 'audit', summary: '校验审计链 / Verify the chain', right: 'audit.verify', response: AuditVerifySchema },
  // Generic record routes (one path set per object is also generated from metadata) and the rest of the platform.
  { method: 'get', path: '/api/records/{object}', tag: 'records', summary: '记录列表 / List records', query: RecordListQuery, response: RecordPageSchema },
  { method: 'post', path: '/api/records/{object}', tag: 'records', summary: '新建记录 / Create a record', body: RecordValuesBody, response: RecordSchema },
  { method: 'get', path: '/api/records/{object}/assignees', tag: 'records', summary: '可分配的负责人（本机构及下级机构的在职用户）/ Users you may assign records to', query: AssigneeQuery, response: itemsOfSchema(AssigneeSchema) },
  { method: 'post', path: '/api/records/{object}/bulk', tag: 'records', summary: '批量修改（分配负责人、打标签；逐条按单条修改的规则，逐条返回结果）/ Change many records, each as a single change; per-record results', body: RecordBulkBody, response: RecordBulkResultSchema },
  { method: 'post', path: '/api/records/{object}/query', tag: 'records', summary: '查询记录 / Query records', body: RecordQueryBody, response: RecordPageSchema },
  { method: 'get', path: '/api/records/{object}/{id}', tag: 'records', summary: '读取记录 / Get a record', query: RecordGetQuery, response: RecordSchema },
  { method: 'patch', path: '/api/records/{object}/{id}', tag: 'records', summary: '修改记录（带 version）/ Update a record (with version)', body: RecordValuesBody, response: RecordSchema },
  { method: 'delete', path: '/api/records/{object}/{id}', tag: 'records', summary: '删除记录 / Delete a record', response: NO_JSON_BODY },
  { method: 'get', path: '/api/meta/forms/{key}/published', tag: 'forms', summary: '最新发布版本 / The latest published version', response: PublishedFormSchema },
  { method: 'post', path: '/api/forms/validators', tag: 'forms', summary: '在服务器编译表单校验模块 / Compile a form\'s validator module on the server', body: FormValidatorBody, response: FormValidatorModuleSchema },
  { method: 'get', path: '/api/forms/validators/{file}', tag: 'forms', summary: '已编译的表单校验模块（按内容寻址）/ A compiled validator module, by content address', public: true, response: NO_JSON_BODY },
  { method: 'get', path: '/api/meta/forms/{key}/versions/{version}/validator.js', tag: 'forms', summary: '发布版本的校验模块 / The published version\'s validator module', response: NO_JSON_BODY },
  { method: 'get', path: '/api/docs', tag: 'platform', summary: 'API 文档页面 / API documentation page', public: true, response: NO_JSON_BODY },
  { method: 'get', path: '/api/docs/init.js', tag: 'platform', summary: 'API 文档页面脚本 / Documentation page script', public: true, response: NO_JSON_BODY },
  { method: 'get', path: '/api/admin/api-keys', tag: 'auth', summary: '技术账号的 API 密钥 / Service accounts\' API keys', right: 'admin.users', response: itemsOfSchema(ApiKeySchema) },
  { method: 'post', path: '/api/admin/api-keys', tag: 'auth', summary: '为技术账号创建 API 密钥 / Create a service account key', right: 'admin.users', body: ServiceApiKeyBody, response: CreatedApiKeySchema },
  { method: 'delete', path: '/api/admin/api-keys/{id}', tag: 'auth', summary: '吊销技术账号的 API 密钥 / Revoke a service account key', right: 'admin.users', response: NO_JSON_BODY },
  { method: 'get', path: '/api/process-definitions/{key}/versions', tag: 'workflow', summary: '流程的全部版本 / Every version of a process', response: z.array(ProcessDefinitionSchema) },
  { method: 'put', path: '/api/process-instances/{id}/variables', tag: 'workflow', summary: '修改流程变量 / Set instance variables', right: 'process.admin', body: VariablesBody, response: ProcessInstanceSchema },
  { method: 'get', path: '/api/tasks/{id}', tag: 'workflow', summary: '任务详情 / A task', response: TaskDetailSchema},
  { method: 'get', path: '/api/decision-definitions', tag: 'workflow', summary: '决策表 / Decision tables', response: z.array(DecisionDefinitionSchema) },
  { method: 'get', path: '/api/decision-definitions/{key}', tag: 'workflow', summary: '决策表（最新版本及 DMN）/ A decision table\'s latest version with its DMN', right: 'designer', response: DecisionDetailSchema },
  { method: 'post', path: '/api/process-triggers', tag: 'workflow', summary: '创建流程触发器 / Create a process trigger', right: 'designer', body: TriggerBody, response: TriggerSchema },
  { method: 'get', path: '/api/process-triggers', tag: 'workflow', summary: '流程触发器 / Process triggers', right: 'designer', response: itemsOfSchema(TriggerSchema) },
  { method: 'delete', path: '/api/process-triggers/{id}', tag: 'workflow', summary: '删除流程触发器 / Delete a process trigger', right: 'designer', response: NO_JSON_BODY },
  ...REPORT_ROUTES,
  ...WEBHOOK_ROUTES,
  ...IMPORT_ROUTES,
  ...PRIVACY_ROUTES,
  ...JOB_ROUTES,
  ...CONNECTOR_ROUTES,
  ...MODEL_ROUTES,
  ...EVENT_ROUTES,
  ...JOURNEY_ROUTES,
  ...MARKETING_ROUTES,
  ...VIEW_ROUTES,
  ...NOTIFICATION_ROUTES,
  ...SEARCH_ROUTES,
];
