/**
 * Data transfer objects of the HTTP API (v1), all derived from the zod schemas in schemas/ (and the
 * bank pack's in packs/bank-crm/): request types with `z.input`, answer types with `z.infer` of the
 * response schemas the OpenAPI document shows and the tests hold the server to.
 */

import type { z } from 'zod';
import type {
  AdminUserSchema, AuditEntrySchema, AuditListQuery, AuditVerifySchema, AuthProvidersSchema, ChangePasswordBody, CompleteBody, CreateObjectBody, CreateRoleBody,
  CreateUserBody, CurrentUserSchema, DecisionDefinitionSchema, DeployBody, ErrorBodySchema, FIELD_ACCESS_MODES, FieldSchema, FormDefinitionSchema, FormDraftSchema, FormSummarySchema,
  HealthSchema, HistoryEntrySchema, HistoryTtlSchema, IncidentSchema, LoginBody, LoginResponseSchema, MessageBody, ObjectSchema, OrgUnitRefSchema, OrgUnitSchema,
  PasswordResetResultSchema, PendingApprovalSchema, PendingReplySchema, PermissionSchema, PROCESS_STATES, ProcessDefinitionSchema, ProcessInstanceSchema,
  ProcessInstanceSummarySchema, PublishedFormSchema, RecordSchema, DisplayValueSchema, RoleSchema, ScopeSchema, SignalBody, StartBody, TASK_SCOPES, TaskContextSchema, TaskDetailSchema, TaskOutcomeSchema, TaskSchema,
  TriggerBody, UpdateRoleBody, UpdateUserBody, UploadedFileSchema, UserSummarySchema,
  ApiKeySchema, CreatedApiKeySchema, ChangePasswordResponseSchema, RefreshResponseSchema, OidcExchangeResponseSchema, DirectorySyncResultSchema, LivenessSchema, ReadinessSchema, DeployResponseSchema,
  CompleteTaskResponseSchema, TriggerSchema, DecisionDeployResponseSchema, EvaluateResponseSchema, HousekeepingResultSchema, ApprovedPasswordResetSchema, ApprovedRoleGrantSchema,
  RejectedApprovalSchema, TemplateSummarySchema, TemplateSchema, RoleDifferenceSchema, InstallResultSchema, ApplyRolesResultSchema, AuditPageSchema, RecordPageSchema,
  ObjectRuleSchema, DefaultFormsSchema, DirectoryUserSchema,
} from './schemas/index.js';

export type Lang = 'zh-CN' | 'en';

/** A label in one language, or in several keyed by language tag. */
export type LocalizedText = string | { 'zh-CN'?: string; en?: string; [lang: string]: string | undefined };

// ---------------------------------------------------------------- platform

export type HealthStatus = z.infer<typeof HealthSchema>;

export type LoginRequest = z.input<typeof LoginBody>;

export type UserSummary = z.infer<typeof UserSummarySchema>;

/** GET /api/auth/providers */
export type AuthProviders = z.infer<typeof AuthProvidersSchema>;

export type LoginResponse = z.infer<typeof LoginResponseSchema>;

export type ChangePasswordRequest = z.input<typeof ChangePasswordBody>;

export type OrgUnitRef = z.infer<typeof OrgUnitRefSchema>;

export type CurrentUser = z.infer<typeof CurrentUserSchema>;

// ---------------------------------------------------------------- metadata

// Field types and their settings are the form engine's own (one folder per type there), not a copy.
export { FIELD_TYPES } from '@crm/form-engine';
export type { FieldType, Choice, FieldOptions } from '@crm/form-engine';

/** JR/T 0197 data classification level; 3 and up are masked and encrypted. */
export type Sensitivity = 1 | 2 | 3 | 4 | 5;

export type Field = z.infer<typeof FieldSchema>;

export type FieldPatch = Partial<Omit<Field, 'key'>>;

export type ObjectDefinition = z.infer<typeof ObjectSchema>;

/** An object's validation rule (enforced on every create and update). */
export type ObjectRule = z.infer<typeof ObjectRuleSchema>;
export type DefaultForms = z.infer<typeof DefaultFormsSchema>;

export type CreateObjectRequest = Omit<z.input<typeof CreateObjectBody>, 'fields'> & { fields?: Field[] };

export type ObjectPatch = Partial<Omit<CreateObjectRequest, 'key' | 'subjectField'>> & { subjectField?: string | null };

// Form definitions: the form engine's types, which the contract's schemas (FormDefinitionSchema …) yield exactly.
import type { FieldItem as LayoutFieldItem, LayoutItem } from '@crm/form-engine';
export type { LayoutFieldItem, LayoutItem };
export type { SectionItem, Pane, PanesItem, GroupItem, Rule as FormRule } from '@crm/form-engine';

/** A layout container: section / columns, tabs / steps (of panes), or a repeating group. */
export type LayoutContainer = Exclude<LayoutItem, LayoutFieldItem>;
export type LayoutContainerType = LayoutContainer['type'];

/** A form definition as the designer writes it (`POST /api/meta/forms`, `PUT /api/meta/forms/:key`). */
export type FormDefinitionInput = z.infer<typeof FormDefinitionSchema>;

export type FormDraft = z.infer<typeof FormDraftSchema>;

/** A form in the list of forms (`GET /api/meta/forms`). */
export type FormSummary = z.infer<typeof FormSummarySchema>;

export type PublishedForm = z.infer<typeof PublishedFormSchema>;

// ---------------------------------------------------------------- records

export interface RecordSystemFields {
  id: string;
  version: number;
  created_at?: string;
  updated_at?: string;
  created_by?: string | null;
  updated_by?: string | null;
  owner_id?: string | null;
  org_unit_id?: string | null;
}

/** A relation / user / org-unit field's target as the caller may see it (`$display` of a record). */
export type DisplayValue = z.infer<typeof DisplayValueSchema>;

/** A record: `id` and `version`, the system columns and the fields the caller may read. */
export type RecordData = z.infer<typeof RecordSchema> & RecordSystemFields;

export type RecordValues = Record<string, unknown>;

/** A Mongo-style filter: `{ age: { $gte: 30 }, city: { $in: [...] }, $or: [...] }`. */
export type Filter = { [field: string]: unknown };

export interface ListQuery {
  filter?: Filter;
  /** `"-created_at,name"` */
  sort?: string;
  limit?: number;
  cursor?: string | null;
  fields?: string[];
  /** Ask for the number of matching records the caller may see (`Page.total`). */
  total?: boolean;
  /** Ask for each record's `$display`: the titles of its relation / user / org-unit targets. */
  display?: boolean;
}

/** A page of a cursor-paged list (`pageOfSchema(item)`). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total?: number;
  /** Record lists: the total stopped counting at its cap (100,000). */
  totalCapped?: boolean;
}

export type UploadedFile = z.infer<typeof UploadedFileSchema>;

// ---------------------------------------------------------------- workflow

export type DeployProcessRequest = z.input<typeof DeployBody>;

export type ProcessDefinition = z.infer<typeof ProcessDefinitionSchema>;

export type StartProcessRequest = z.input<typeof StartBody>;

export type ProcessInstanceState = (typeof PROCESS_STATES)[number];

/** One element instance of a process run: who did it, when, and how it ended. */
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/** An instance as lists show it. */
export type ProcessInstanceSummary = z.infer<typeof ProcessInstanceSummarySchema>;

export type ProcessInstance = z.infer<typeof ProcessInstanceSchema>;

export interface ProcessInstanceQuery {
  state?: ProcessInstanceState;
  definitionKey?: string;
  businessKey?: string;
  [key: string]: string | undefined;
}

export type TaskScope = (typeof TASK_SCOPES)[number];

export type Task = z.infer<typeof TaskSchema>;

/** `GET /api/tasks/:id`: the task with its variables and what completing it may set. */
export type TaskDetail = z.infer<typeof TaskDetailSchema>;

/** The record a task's process runs for, as the caller may see its title. */
export type TaskContext = z.infer<typeof TaskContextSchema>;

/** A named choice completing a task makes (`variable = value` on a flow out of the following gateway). */
export type TaskOutcome = z.infer<typeof TaskOutcomeSchema>;

export type CompleteTaskRequest = z.input<typeof CompleteBody>;

export type MessageRequest = z.input<typeof MessageBody>;

export type SignalRequest = z.input<typeof SignalBody>;

export type Incident = z.infer<typeof IncidentSchema>;

// ---------------------------------------------------------------- administration

export type FieldAccess = (typeof FIELD_ACCESS_MODES)[number];

export type RowScope = z.infer<typeof ScopeSchema>;

export type Permission = z.infer<typeof PermissionSchema>;

export type Role = z.infer<typeof RoleSchema>;

export type CreateRoleRequest = z.input<typeof CreateRoleBody>;

export type RolePatch = z.input<typeof UpdateRoleBody>;

export type AdminUser = z.infer<typeof AdminUserSchema>;
export type DirectoryUser = z.infer<typeof DirectoryUserSchema>;

/** A four-eyes request: a reset of, or a duty grant to, an authorisation or audit duty holder. */
export type PendingApproval = z.infer<typeof PendingApprovalSchema>;

/** 202: the change waits for a second person of another duty. */
export type PendingReply = z.infer<typeof PendingReplySchema>;

export type PasswordResetResult = z.infer<typeof PasswordResetResultSchema>;

export type CreateUserRequest = z.input<typeof CreateUserBody>;

export type UserPatch = z.input<typeof UpdateUserBody>;

export type OrgUnit = z.infer<typeof OrgUnitSchema>;

export interface OrgUnitInput {
  name: string;
  parentId?: string | null;
  [key: string]: unknown;
}

export type AuditQuery = z.input<typeof AuditListQuery>;

export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export type AuditVerifyResult = z.infer<typeof AuditVerifySchema>;

// ---------------------------------------------------------------- decisions

export type DecisionDefinition = z.infer<typeof DecisionDefinitionSchema>;

// ---------------------------------------------------------------- customer 360 (the bank pack's contract)

export type {
  NetworkNode, NetworkEdge, CustomerNetwork, Customer360Section, Customer360Tag, Customer360TimelineEntry, Customer360, CustomerLookupResult, SegmentInput, SegmentChange,
  CircleDetection, GuaranteeCircle, KycScheduleResult, RuleTagRecompute, SegmentStartResult, SegmentWithCount,
} from './packs/bank-crm/index.js';
import type { Customer360 } from './packs/bank-crm/index.js';

/** A list in a 360° answer: records of one object, processes or tasks. */
export interface Customer360List {
  items: Record<string, unknown>[];
  total?: number;
  restricted?: boolean;
}

/** The lists of a 360° answer (holdings, interactions, consents, the pack's linked objects, processes, tasks), by key. */
export function customer360Lists(view: Customer360): [string, Customer360List][] {
  const notLists = new Set(['customer', 'metrics', 'kyc', 'tags', 'relationships', 'timeline']);
  return Object.entries(view as Record<string, unknown>).filter((e): e is [string, Customer360List] => !notLists.has(e[0]) && isList(e[1]));
}

function isList(v: unknown): v is Customer360List {
  return typeof v === 'object' && v !== null && Array.isArray((v as Customer360List).items);
}

// ---------------------------------------------------------------- errors

export type ErrorBody = z.infer<typeof ErrorBodySchema>;
export type ErrorDetail = NonNullable<ErrorBody['error']['details']>[number];

// ---------------------------------------------------------------- workflow settings

/** A new process trigger: on a record event of an object, or on a form submission. */
export type TriggerInput = z.output<typeof TriggerBody>;

/** `GET/PUT/DELETE /api/process-definitions/:key/history-ttl`. */
export type HistoryTtl = z.infer<typeof HistoryTtlSchema>;

// ---------------------------------------------------------------- answers as the server builds them

/**
 * An answer before it is written as JSON: a timestamp may still be a `Date` where the contract has its
 * ISO string (JSON writes dates so). Controllers declare their answers as `Unserialized<SharedType>`.
 */
export type Unserialized<T> = T extends string
  ? T | Date
  : T extends readonly (infer U)[]
    ? Unserialized<U>[]
    : T extends object
      ? { [K in keyof T]: Unserialized<T[K]> }
      : T;

/** `{ items }`: the answer of a list route. */
export interface Items<T> {
  items: T[];
}

export type ApiKey = z.infer<typeof ApiKeySchema>;
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;
export type ChangePasswordResponse = z.infer<typeof ChangePasswordResponseSchema>;
export type RefreshResponse = z.infer<typeof RefreshResponseSchema>;
export type OidcExchangeResponse = z.infer<typeof OidcExchangeResponseSchema>;
export type DirectorySyncResult = z.infer<typeof DirectorySyncResultSchema>;
export type Liveness = z.infer<typeof LivenessSchema>;
export type Readiness = z.infer<typeof ReadinessSchema>;
export type DeployResponse = z.infer<typeof DeployResponseSchema>;
export type CompleteTaskResponse = z.infer<typeof CompleteTaskResponseSchema>;
export type Trigger = z.infer<typeof TriggerSchema>;
export type DecisionDeployResponse = z.infer<typeof DecisionDeployResponseSchema>;
export type EvaluateResponse = z.infer<typeof EvaluateResponseSchema>;
export type HousekeepingResult = z.infer<typeof HousekeepingResultSchema>;
export type ApprovedPasswordReset = z.infer<typeof ApprovedPasswordResetSchema>;
export type ApprovedRoleGrant = z.infer<typeof ApprovedRoleGrantSchema>;
export type RejectedApproval = z.infer<typeof RejectedApprovalSchema>;
export type TemplateSummary = z.infer<typeof TemplateSummarySchema>;
export type Template = z.infer<typeof TemplateSchema>;
export type RoleDifference = z.infer<typeof RoleDifferenceSchema>;
export type InstallResult = z.infer<typeof InstallResultSchema>;
export type ApplyRolesResult = z.infer<typeof ApplyRolesResultSchema>;
export type AuditPage = z.infer<typeof AuditPageSchema>;
export type AuditListParams = z.output<typeof AuditListQuery>;
export type RecordPage = z.infer<typeof RecordPageSchema>;

import type { HistoryTtlBody, OwnApiKeyBody, ServiceApiKeyBody } from './schemas/index.js';

export type ApiKeyRequest = z.input<typeof OwnApiKeyBody>;
export type ServiceApiKeyRequest = z.input<typeof ServiceApiKeyBody>;
export type HistoryTtlRequest = z.input<typeof HistoryTtlBody>;
/** `POST /api/admin/housekeeping/run`: rows deleted per retention target; `busy`: another process was running it. */
export type HousekeepingPass = HousekeepingResult;

import type { ApplyRolesBody, VariablesBody } from './schemas/index.js';
import type { CustomerLookupQuery, SegmentStartBody } from './packs/bank-crm/index.js';

/** `GET /api/customers/lookup` (call-centre screen pop): `phone` or `idNumber`; `log: '0'` logs no interaction. */
export type CustomerLookupParams = z.input<typeof CustomerLookupQuery>;
export type ApplyRolesRequest = z.input<typeof ApplyRolesBody>;
export type ProcessVariablesRequest = z.input<typeof VariablesBody>;
export type SegmentStartRequest = z.input<typeof SegmentStartBody>;

// ---------------------------------------------------------------- dashboards

import type {
  DashboardBody, DashboardCrossFilter, DashboardFilter, DashboardFilterOptionsSchema, DashboardFilterFieldsSchema, DashboardFilterValue, DashboardLayout, DashboardListQuery, DashboardPatchBody, DashboardRunAnswerSchema,
  DashboardRunBody, DashboardSchema, DashboardSummarySchema, DashboardWidget, DashboardWidgetAnswerSchema,
} from './schemas/index.js';

export type DashboardDefinitionInput = z.input<typeof DashboardBody>;
export type DashboardPatch = z.input<typeof DashboardPatchBody>;
export type DashboardListParams = z.input<typeof DashboardListQuery>;
export type DashboardLayoutBox = z.infer<typeof DashboardLayout>;
export type DashboardWidgetDefinition = z.infer<typeof DashboardWidget>;
export type DashboardFilterDefinition = z.infer<typeof DashboardFilter>;
export type DashboardFilterInput = z.input<typeof DashboardFilterValue>;
export type DashboardCrossFilterInput = z.input<typeof DashboardCrossFilter>;
export type DashboardRunRequest = z.input<typeof DashboardRunBody>;
export type Dashboard = z.infer<typeof DashboardSchema>;
export type DashboardSummary = z.infer<typeof DashboardSummarySchema>;
export type DashboardWidgetAnswer = z.infer<typeof DashboardWidgetAnswerSchema>;
export type DashboardRunAnswer = z.infer<typeof DashboardRunAnswerSchema>;
export type DashboardFilterOptions = z.infer<typeof DashboardFilterOptionsSchema>;
export type DashboardFilterFields = z.infer<typeof DashboardFilterFieldsSchema>;
