/**
 * Data transfer objects of the HTTP API (v1). Request types are inferred from the zod schemas the server
 * validates with (schemas/); the answers' types are declared here. Fields the contract leaves open are typed loosely
 * (`[key: string]: unknown`) so that additions on the server do not break older clients.
 */

import type { z } from 'zod';
import type { PlatformRight } from './rights.js';
import type {
  AuditListQuery, AuditVerifySchema, SegmentBody, SegmentPatchBody, TriggerBody, ChangePasswordBody, CompleteBody, CreateRoleBody, CreateUserBody, DeployBody, FIELD_ACCESS_MODES,
  LoginBody, MessageBody, PermissionSchema, PROCESS_STATES, ScopeSchema, SignalBody, StartBody, TASK_SCOPES, UpdateRoleBody, UpdateUserBody,
} from './schemas/index.js';

export type Lang = 'zh-CN' | 'en';

/** A label in one language, or in several keyed by language tag. */
export type LocalizedText = string | { 'zh-CN'?: string; en?: string; [lang: string]: string | undefined };

// ---------------------------------------------------------------- platform

export interface HealthStatus {
  status: 'ok' | string;
  db: 'ok' | string;
  version: string;
}

export type LoginRequest = z.input<typeof LoginBody>;

export interface UserSummary {
  id: string;
  username: string;
  roles: string[];
  displayName?: string | null;
}

/** GET /api/auth/providers */
export interface AuthProviders {
  password: true;
  oidc: { label: string } | null;
  ldap: boolean;
}

export interface LoginResponse {
  accessToken: string;
  user: UserSummary;
  /** Signed in with a temporary password: the token only allows POST /api/auth/change-password. */
  passwordChangeRequired?: boolean;
}

export type ChangePasswordRequest = z.input<typeof ChangePasswordBody>;

export interface OrgUnitRef {
  id: string;
  name: string;
}

export interface CurrentUser extends UserSummary {
  orgUnitId?: string | null;
  orgUnit?: OrgUnitRef | null;
  /** Platform rights granted by the user's roles (`designer`, `admin.users`, …). */
  platform: PlatformRight[];
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
  /** The application (menu group) the object belongs to. */
  app?: string | null;
  icon?: string | null;
  description?: string | null;
  /** The field that names a record (its title in lists, links and the 360° view). */
  titleField?: string | null;
  /** Keys of deleted fields whose data is kept until purged. */
  deletedFields: string[];
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
  /** The latest published version; 0 while the form has never been published. */
  latestVersion: number;
  updatedAt: string;
}

/** A form in the list of forms (`GET /api/meta/forms`). */
export interface FormSummary {
  key: string;
  object: string;
  title: LocalizedText;
  /** The latest published version; 0 while the form has never been published. */
  latestVersion: number;
  updatedAt: string;
}

export interface PublishedForm extends FormDefinitionInput {
  version: number;
  /** The JSON Schema (2020-12) derived from the object's fields and the form's constraints. */
  schema: Record<string, unknown>;
  /** The object's fields as of publication. */
  fields: Field[];
  publishedAt: string;
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

export type DeployProcessRequest = z.input<typeof DeployBody>;

export interface ProcessDefinition {
  id: string;
  key: string;
  version: number;
  name: string | null;
  deployedAt: string;
  deployedBy?: string | null;
  startEvents?: { id: string; kind: 'message' | 'signal' | 'timer'; name?: string }[];
  /** `GET /api/process-definitions/:key/versions` only: instances started on this version. */
  instances?: number;
}

export type StartProcessRequest = z.input<typeof StartBody>;

export type ProcessInstanceState = (typeof PROCESS_STATES)[number];

/** One element instance of a process run: who did it, when, and how it ended. */
export interface HistoryEntry {
  activityId: string;
  type: string;
  startedAt: string | null;
  endedAt: string | null;
  by?: string;
  outcome: 'active' | 'completed' | 'cancelled' | 'incident';
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
  version?: number;
  initiator?: string | null;
  parentId?: string | null;
  startedAt?: string;
  endedAt?: string | null;
}

export interface ProcessInstanceQuery {
  state?: ProcessInstanceState;
  definitionKey?: string;
  businessKey?: string;
  [key: string]: string | undefined;
}

export type TaskScope = (typeof TASK_SCOPES)[number];

export interface Task {
  id: string;
  name: string;
  activityId: string;
  processInstanceId: string;
  assignee: string | null;
  candidateGroups: string[];
  dueAt: string | null;
  formKey: string | null;
  processDefinitionKey: string;
  candidateOrgUnits?: string[];
  status?: 'open' | 'completed' | 'cancelled' | (string & {});
  createdAt?: string;
  variables?: Record<string, unknown>;
  /** Detail only: the variables completing it may set besides its form (`crm:outputs`). */
  outputs?: string[];
}

export type CompleteTaskRequest = z.input<typeof CompleteBody>;

export type MessageRequest = z.input<typeof MessageBody>;

export type SignalRequest = z.input<typeof SignalBody>;

export interface Incident {
  id: string;
  processInstanceId?: string;
  processDefinitionKey?: string;
  kind?: string;
  jobId?: string | null;
  activityId?: string;
  message?: string;
  createdAt?: string;
  [key: string]: unknown;
}

// ---------------------------------------------------------------- administration

export type FieldAccess = (typeof FIELD_ACCESS_MODES)[number];

export type RowScope = z.infer<typeof ScopeSchema>;

export type Permission = z.infer<typeof PermissionSchema>;

export interface Role {
  key: string;
  name: string;
  permissions: Permission[];
  platform?: PlatformRight[];
}

export type CreateRoleRequest = z.input<typeof CreateRoleBody>;

export type RolePatch = z.input<typeof UpdateRoleBody>;

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

export type CreateUserRequest = z.input<typeof CreateUserBody>;

export type UserPatch = z.input<typeof UpdateUserBody>;

export interface OrgUnit {
  id: string;
  name: string;
  parentId: string | null;
  kind?: string;
  code?: string;
}

export interface OrgUnitInput {
  name: string;
  parentId?: string | null;
  [key: string]: unknown;
}

export type AuditQuery = z.input<typeof AuditListQuery>;

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

export type AuditVerifyResult = z.infer<typeof AuditVerifySchema>;

// ---------------------------------------------------------------- decisions

export interface DecisionDefinition {
  key: string;
  version: number;
  [key: string]: unknown;
}

// ---------------------------------------------------------------- customer 360

/** One customer of a relationship network, as the caller may see it. */
export interface NetworkNode {
  id: string;
  /** Hops from the customer the network was asked for (0 = that customer). */
  depth: number;
  name: string | null;
  customerType?: string | null;
  riskLevel?: string | null;
  inGuaranteeCircle?: boolean | null;
  guaranteeCircle?: string | null;
}

/** One relationship; `from`, `to` and `type` are absent when the caller's role hides those fields. */
export interface NetworkEdge {
  id: string;
  from?: string | null;
  to?: string | null;
  type?: string | null;
  [field: string]: unknown;
}

export interface CustomerNetwork {
  root: string;
  depth: number;
  nodes: NetworkNode[];
  edges: NetworkEdge[];
  truncated: boolean;
  /** The caller may not read both ends of a relationship in clear: the root alone, no edges. */
  restricted?: true;
}

/** Records of one object about the customer; `restricted` when the caller may not read that object. */
export interface Customer360Section {
  items: RecordData[];
  total?: number;
  restricted?: boolean;
}

export interface Customer360Tag {
  code: string;
  kind: 'manual' | 'rule';
  name: string;
  color: string | null;
}

export interface Customer360TimelineEntry {
  at: string;
  kind: string;
  title: unknown;
  status?: unknown;
  id: string;
  object?: string;
}

export interface Customer360 {
  customer: RecordData;
  /** Money as decimal strings, counts as numbers. */
  metrics: {
    aum: string;
    depositBalance: string;
    loanBalance: string;
    wealthBalance: string;
    holdings: number;
    openTasks: number;
    runningProcesses: number;
  };
  kyc: {
    status: string | null;
    nextReview: string | null;
    overdue: boolean;
    riskLevel: string | null;
    inGuaranteeCircle: boolean | null;
    guaranteeCircle: string | null;
  };
  tags: Customer360Tag[];
  holdings: Customer360Section;
  relationships: { items: NetworkEdge[]; nodes: NetworkNode[] };
  interactions: Customer360Section;
  consents: Customer360Section;
  processes: { items: ProcessInstance[] };
  tasks: { items: Task[] };
  timeline: Customer360TimelineEntry[];
  /** The pack's linked objects, keyed by object key + "s" (e.g. `complaints`, `loan_applications`). */
  [linked: string]: unknown;
}

/** A list in a 360° answer: records of one object, processes or tasks. */
export interface Customer360List {
  items: Record<string, unknown>[];
  total?: number;
  restricted?: boolean;
}

/** The lists of a 360° answer (holdings, interactions, consents, the pack's linked objects, processes, tasks), by key. */
export function customer360Lists(view: Customer360): [string, Customer360List][] {
  const notLists = new Set(['customer', 'metrics', 'kyc', 'tags', 'relationships', 'timeline']);
  return Object.entries(view).filter((e): e is [string, Customer360List] => !notLists.has(e[0]) && isList(e[1]));
}

function isList(v: unknown): v is Customer360List {
  return typeof v === 'object' && v !== null && Array.isArray((v as Customer360List).items);
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

// ---------------------------------------------------------------- workflow settings and packs

/** A new process trigger: on a record event of an object, or on a form submission. */
export type TriggerInput = z.output<typeof TriggerBody>;

/** `GET/PUT/DELETE /api/process-definitions/:key/history-ttl`. */
export interface HistoryTtl {
  key: string;
  /** Days after the end of an instance before it is deleted; null = kept forever. */
  days: number | null;
  /** `definition` when this key has its own setting, `default` when the `*` policy or CRM_RETENTION_PROCESS_DAYS applies. */
  source: 'definition' | 'default';
}

export type SegmentInput = z.output<typeof SegmentBody>;
export type SegmentChange = z.output<typeof SegmentPatchBody>;

// ---------------------------------------------------------------- pack and workflow answers used by the typed client

// A second import (hoisted like the first) keeps these additions in one block at the end of the file.
import type { ApplyRolesBody, CustomerLookupQuery, SegmentStartBody, VariablesBody } from './schemas/index.js';

/** `GET /api/customers/lookup` (call-centre screen pop): `phone` or `idNumber`; `log: '0'` logs no interaction. */
export type CustomerLookupParams = z.input<typeof CustomerLookupQuery>;

export interface CustomerLookupResult {
  /** The caller's matching customers, summarised and masked as the caller may see them. */
  items: RecordData[];
  /** The interaction logged for the call; null when none was (no hit, or `log=0`). */
  interactionId: string | null;
}

/** A guarantee circle with the members the caller may see (`id` is the circle's code, `GC-…`). */
export interface GuaranteeCircle {
  id: string;
  members: { id: string; name: unknown }[];
}

export interface GuaranteeCircleDetection {
  circles: number;
  customers: number;
}

export interface RuleTagsRecomputation {
  customers: number;
  changed: number;
  failed: { tag: string; reason: string }[];
}

/** A saved segment (a record of the pack's segment object) as the caller may see it, with the number of members in the caller's scope. */
export interface Segment extends RecordSystemFields {
  code: string;
  name: string;
  filter?: unknown;
  /** null when the caller cannot evaluate the filter (`error` says why). */
  count?: number | null;
  error?: string;
  [key: string]: unknown;
}

export type SegmentStartRequest = z.input<typeof SegmentStartBody>;

export interface SegmentStartResult {
  started: number;
  instances: string[];
}

export interface TemplateSummary {
  key: string;
  version: string;
  name: LocalizedText;
  description: LocalizedText | null;
  installed: { version: string; installedAt: string } | null;
}

export interface TemplateDetail extends TemplateSummary {
  parameters: Record<string, unknown>;
  objects: string[];
  forms: string[];
  roles: string[];
  processes: string[];
  decisions: unknown[];
  views: unknown[];
}

/** How an existing role differs from a pack's definition of it (reported by an install, never applied by it). */
export interface TemplateRoleDifference {
  role: string;
  added: Permission[];
  removed: Permission[];
  platformAdded: string[];
}

export interface TemplateInstallResult {
  key: string;
  version: string;
  changed: boolean;
  changes: string[];
  roleDifferences: TemplateRoleDifference[];
}

export type ApplyRolesRequest = z.input<typeof ApplyRolesBody>;

export interface ApplyRolesResult {
  applied: string[];
  roleDifferences: TemplateRoleDifference[];
}

/** A process trigger: on a record event of an object (`object`) or a form submission (`formKey`). */
export interface ProcessTrigger {
  id: string;
  processKey: string;
  on: 'created' | 'updated' | 'submitted';
  object?: string;
  formKey?: string;
  condition: string | null;
  createdAt: string;
}

export type ProcessVariablesRequest = z.input<typeof VariablesBody>;

/** `POST /api/admin/directory/sync`: accounts checked, usernames disabled, and whether a pass was already running. */
export interface DirectorySyncResult {
  checked: number;
  disabled: string[];
  busy: boolean;
}
