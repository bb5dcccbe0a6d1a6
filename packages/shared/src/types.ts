/**
 * Data transfer objects of the HTTP API (v1). These mirror the public contract: the server, the web app,
 * the tests and integrators all speak these shapes. Fields the contract leaves open are typed loosely
 * (`[key: string]: unknown`) so that additions on the server do not break older clients.
 */

export type Lang = 'zh-CN' | 'en';

/** A label in one language, or in several keyed by language tag. */
export type LocalizedText = string | { 'zh-CN'?: string; en?: string; [lang: string]: string | undefined };

// ---------------------------------------------------------------- platform

export interface HealthStatus {
  status: 'ok' | string;
  db: 'ok' | string;
  version: string;
}

export interface LoginRequest {
  username: string;
  password: string;
}

export interface UserSummary {
  id: string;
  username: string;
  roles: string[];
  displayName?: string;
  [key: string]: unknown;
}

export interface LoginResponse {
  accessToken: string;
  user: UserSummary;
  /** Signed in with a temporary password: the token only allows POST /api/auth/change-password. */
  passwordChangeRequired?: boolean;
}

export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

export interface OrgUnitRef {
  id: string;
  name: string;
  [key: string]: unknown;
}

export interface CurrentUser extends UserSummary {
  orgUnitId?: string | null;
  orgUnit?: OrgUnitRef | null;
  /** Platform rights granted by the user's roles (`designer`, `admin.users`, …), when the server says. */
  platform?: PlatformRight[];
}

// ---------------------------------------------------------------- metadata

// Field types and their settings are the form engine's own (one folder per type there), not a copy.
export { FIELD_TYPES } from '@crm/form-engine';
export type { FieldType, Choice, FieldOptions } from '@crm/form-engine';
import type { FieldType, FieldOptions } from '@crm/form-engine';

/** JR/T 0197 data classification level; 3 and up are masked and encrypted. */
export type Sensitivity = 1 | 2 | 3 | 4 | 5;

export interface Field {
  key: string;
  label: LocalizedText;
  type: FieldType;
  required?: boolean;
  unique?: boolean;
  options?: FieldOptions;
  default?: unknown;
  sensitivity?: Sensitivity;
  /** relation: the key of the target object */
  target?: string;
  [key: string]: unknown;
}

export type FieldPatch = Partial<Omit<Field, 'key'>>;

export interface ObjectDefinition {
  key: string;
  label: LocalizedText;
  fields: Field[];
  /** The application (menu group) the object belongs to, when the server groups objects. */
  app?: string | { key: string; label?: LocalizedText; [key: string]: unknown };
  icon?: string;
  description?: LocalizedText;
  [key: string]: unknown;
}

export interface CreateObjectRequest {
  key: string;
  label: LocalizedText;
  fields?: Field[];
  app?: string;
  [key: string]: unknown;
}

export type ObjectPatch = Partial<Omit<CreateObjectRequest, 'key'>>;

export type LayoutContainerType = 'section' | 'tabs' | 'steps' | 'columns' | 'group';

export interface LayoutFieldItem {
  field: string;
  label?: LocalizedText;
  placeholder?: LocalizedText;
  help?: LocalizedText;
  required?: boolean;
  readOnly?: boolean;
  span?: number;
  [key: string]: unknown;
}

export interface LayoutContainer {
  type: LayoutContainerType;
  title?: LocalizedText;
  columns?: number;
  items: LayoutItem[];
  /** group: the repeating group's field key, when the group repeats */
  field?: string;
  [key: string]: unknown;
}

export type LayoutItem = LayoutContainer | LayoutFieldItem;

export interface FormRule {
  when: string;
  show?: string[];
  hide?: string[];
  require?: string[];
  readOnly?: string[];
  set?: Record<string, string>;
  [key: string]: unknown;
}

export interface FormDefinitionInput {
  key: string;
  object: string;
  title: LocalizedText;
  layout: LayoutItem[];
  rules?: FormRule[];
  computed?: Record<string, string>;
  [key: string]: unknown;
}

export interface FormDraft extends FormDefinitionInput {
  /** The latest published version, if any. */
  version?: number | null;
  latestVersion?: number | null;
  publishedVersion?: number | null;
  status?: string;
  updatedAt?: string;
  [key: string]: unknown;
}

export interface PublishedForm extends FormDefinitionInput {
  version: number;
  /** The JSON Schema (2020-12) derived from the object's fields and the form's constraints. */
  schema?: Record<string, unknown>;
  jsonSchema?: Record<string, unknown>;
  /** The object's fields as of publication, when the server includes them. */
  fields?: Field[];
  publishedAt?: string;
  [key: string]: unknown;
}

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

export type RecordData = RecordSystemFields & { [field: string]: unknown };

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
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total?: number;
}

export interface UploadedFile {
  id: string;
  name: string;
  size: number;
  contentType: string;
  sha256: string;
}

// ---------------------------------------------------------------- workflow

export interface DeployProcessRequest {
  key?: string;
  name?: string;
  bpmnXml: string;
}

export interface ProcessDefinition {
  id: string;
  key: string;
  version: number;
  name?: string;
  deployedAt?: string;
  [key: string]: unknown;
}

export interface StartProcessRequest {
  variables?: Record<string, unknown>;
  businessKey?: string;
}

export type ProcessInstanceState = 'active' | 'completed' | 'terminated' | 'incident';

export interface HistoryEntry {
  activityId: string;
  type: string;
  startedAt: string;
  endedAt?: string | null;
  by?: string | null;
  name?: string;
  [key: string]: unknown;
}

export interface ProcessInstance {
  id: string;
  state: ProcessInstanceState;
  variables: Record<string, unknown>;
  activeActivities: string[];
  history: HistoryEntry[];
  definitionKey?: string;
  definitionId?: string;
  definitionVersion?: number;
  businessKey?: string | null;
  startedAt?: string;
  endedAt?: string | null;
  [key: string]: unknown;
}

export interface ProcessInstanceQuery {
  state?: ProcessInstanceState;
  definitionKey?: string;
  businessKey?: string;
  [key: string]: string | undefined;
}

export type TaskScope = 'mine' | 'candidate' | 'all';

export interface Task {
  id: string;
  name: string;
  activityId: string;
  processInstanceId: string;
  assignee: string | null;
  candidateGroups: string[];
  dueAt: string | null;
  formKey: string | null;
  createdAt?: string;
  definitionKey?: string;
  variables?: Record<string, unknown>;
  /** Detail only: the variables completing it may set besides its form (`crm:outputs`). */
  outputs?: string[];
  [key: string]: unknown;
}

export interface CompleteTaskRequest {
  variables?: Record<string, unknown>;
}

export interface MessageRequest {
  name: string;
  correlationKey?: string;
  variables?: Record<string, unknown>;
}

export interface SignalRequest {
  name: string;
  variables?: Record<string, unknown>;
}

export interface Incident {
  id: string;
  processInstanceId?: string;
  activityId?: string;
  message?: string;
  createdAt?: string;
  [key: string]: unknown;
}

// ---------------------------------------------------------------- administration

export type PlatformRight = 'designer' | 'admin.users' | 'admin.roles' | 'audit.read' | 'audit.verify' | (string & {});

export const PLATFORM_RIGHTS: readonly PlatformRight[] = [
  'designer', 'admin.users', 'admin.roles', 'audit.read', 'audit.verify',
];

export type ObjectAction = 'create' | 'read' | 'update' | 'delete' | 'export';

export const OBJECT_ACTIONS: readonly ObjectAction[] = ['create', 'read', 'update', 'delete', 'export'];

export type FieldAccess = 'write' | 'read' | 'masked' | 'none';

export type RowScope = 'own' | 'team' | 'org_unit' | 'org_subtree' | 'all' | { filter: Filter };

export interface Permission {
  object: string;
  actions: ObjectAction[];
  scope: RowScope;
  fields?: Record<string, FieldAccess>;
  unmask?: boolean;
}

export interface Role {
  key: string;
  name: string;
  permissions: Permission[];
  platform?: PlatformRight[];
  [key: string]: unknown;
}

export interface CreateRoleRequest {
  key: string;
  name: string;
  permissions: Permission[];
  platform?: PlatformRight[];
}

export interface RolePatch {
  name?: string;
  permissions?: Permission[];
  platform?: PlatformRight[];
}

export interface AdminUser {
  id: string;
  username: string;
  displayName?: string | null;
  roles: string[];
  orgUnitId?: string | null;
  disabled?: boolean;
  /** A technical account for systems: API keys only, never a password sign-in, no duty. */
  serviceAccount?: boolean;
  /** Holds a temporary password that must be changed at the next sign-in. */
  changeOnNextLogin?: boolean;
  createdAt?: string;
  lastLoginAt?: string | null;
  [key: string]: unknown;
}

/** A four-eyes request: a reset of, or a duty grant to, an authorisation or audit duty holder. */
export interface PendingApproval {
  id: string;
  kind: 'password_reset' | 'role_grant';
  userId: string;
  username: string;
  requestedBy: string;
  requestedByName: string;
  requestedAt: string;
  status: 'pending' | 'approved' | 'rejected';
  change?: UserPatch;
}

/** 202: the change waits for a second person of another duty. */
export interface PendingReply {
  status: 'pending';
  message: string;
  approval: PendingApproval;
}

export interface PasswordResetResult {
  userId: string;
  /** Shown once; never stored in clear. */
  temporaryPassword: string;
  revokedApiKeys: number;
}

export interface CreateUserRequest {
  username: string;
  /** Required for people; absent for a service account. */
  password?: string;
  serviceAccount?: boolean;
  displayName?: string;
  roles: string[];
  orgUnitId?: string;
}

export interface UserPatch {
  roles?: string[];
  orgUnitId?: string | null;
  disabled?: boolean;
  displayName?: string;
}

export interface OrgUnit {
  id: string;
  name: string;
  parentId: string | null;
  kind?: string;
  code?: string;
  [key: string]: unknown;
}

export interface OrgUnitInput {
  name: string;
  parentId?: string | null;
  [key: string]: unknown;
}

export interface AuditQuery {
  actor?: string;
  object?: string;
  recordId?: string;
  action?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
}

export interface AuditEntry {
  seq?: number;
  id?: string;
  at?: string;
  actor?: string | null;
  action: string;
  object?: string | null;
  recordId?: string | null;
  changes?: unknown;
  hash?: string;
  [key: string]: unknown;
}

export type AuditVerifyResult = { ok: true; checked: number } | { ok: false; firstBrokenSeq: number; checked?: number };

// ---------------------------------------------------------------- decisions

export interface DecisionDefinition {
  key: string;
  version: number;
  [key: string]: unknown;
}

// ---------------------------------------------------------------- customer 360

export interface Customer360 {
  customer: RecordData;
  [section: string]: unknown;
}

// ---------------------------------------------------------------- errors

export interface ErrorDetail {
  path?: string;
  code?: string;
  message?: string;
  [key: string]: unknown;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetail[] | unknown };
}
