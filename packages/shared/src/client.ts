/**
 * The typed HTTP client of the platform: one method per documented route. It uses the global `fetch`
 * (browsers, Node 20+), has no dependencies, and throws `ApiError` for every non-2xx answer.
 */
import type {
  AdminUser, DirectoryUser, AuthProviders, ChangePasswordRequest, CustomerNetwork, FormSummary, PasswordResetResult, PendingApproval, PendingReply, AuditQuery, AuditVerifyResult, CompleteTaskRequest, CreateObjectRequest,
  CreateRoleRequest, CreateUserRequest, CurrentUser, Customer360,
  DeployProcessRequest, ErrorDetail, Field, FieldPatch, FormDefinitionInput, FormDraft, HealthStatus,
  Incident, Lang, ListQuery, LoginRequest, LoginResponse, MessageRequest, ObjectDefinition, ObjectPatch,
  OrgUnit, OrgUnitInput, Page, ProcessDefinition, ProcessInstance, ProcessInstanceQuery, PublishedForm,
  RecordData, RecordValues, Role, RolePatch, SignalRequest, StartProcessRequest, Task, TaskScope,
  UploadedFile, UserPatch, TaskDetail, ProcessInstanceSummary, ApprovedPasswordReset, ApprovedRoleGrant, RejectedApproval, DeployResponse,
  ChangePasswordResponse, RefreshResponse, OidcExchangeResponse, CompleteTaskResponse, DecisionDeployResponse, EvaluateResponse, AuditPage,
} from './types.js';
import type {
  PrivacyCorrection, PrivacyHoliday, PrivacyRequest, PrivacyRequestCreated, PrivacyRequestInput, PrivacyStatus, PrivacySubject,
} from './schemas/privacy.js';
import type { Campaign, CampaignCreate, CampaignLaunchAnswer, CampaignPlanningOptions, CampaignMembersPage, CampaignPatch, CampaignResponseAnswer, CampaignResponseInput, DoNotDisturbInput, MarketingChannel, MarketingSettings, MEMBER_STATUSES, MessagePreview, MessagePreviewInput } from './schemas/marketing.js';
import type { JobView } from './schemas/jobs.js';
import type { SavedView, ViewInput, ViewPatch } from './schemas/views.js';
import type { RecordBulkResult } from './schemas/records.js';
import type { DecisionDefinition } from './types.js';
import type { DecisionDetail } from './schemas/workflow.js';
import type { NotificationListParams, NotificationPage, NotificationRead, StreamTicket } from './schemas/notifications.js';
import type { SearchParams, SearchResult } from './schemas/search.js';
import type { FormValidatorModule } from './schemas/metadata.js';
import type { NextAction, NextActionDecision } from './packs/bank-crm/contract.js';
import type { ReportForecast, ReportForecastRequest } from './schemas/forecast.js';
import type { LdapSettingsInput, OidcSettingsInput, SsoSettings, SsoTest, SsoTestResult } from './schemas/sso-settings.js';
import type { Connector, ConnectorCreate, ConnectorPatch, ConnectorRun, ConnectorRunLogEntry, ConnectorRunResult, ConnectorTestResult } from './schemas/connectors.js';
import type { Webhook, WebhookCreate, WebhookDelivery, WebhookDeliveryDetail, WebhookPingResult, WebhookReplay, WebhookReplayResult, WebhookRotate, WebhookSecret } from './schemas/webhooks.js';
import type { ImportOptionsInput, ImportPreview, ImportPreviewOptions, ImportStarted, ImportStatus } from './schemas/imports.js';
import type { Report, ReportAnswer, ReportCellFilter, ReportCellFilterInput, ReportDefinitionInput, ReportPatch, ReportQuery, ReportRun, ReportSources, ReportSummary } from './schemas/reports.js';
import type { Model, ModelDefinitionInput, ModelExplanation, ModelJobStarted, ModelPatch, ModelSummary, ModelVersion } from './schemas/models.js';
import type { BusinessEventInput, EventAccepted, Journey, JourneyEnterJob, JourneyInput, JourneyStats, JourneyUpdate } from './schemas/journeys.js';
import type { Dashboard, DashboardDefinitionInput, DashboardFilterFields, DashboardFilterOptions, DashboardPatch, DashboardRunAnswer, DashboardRunRequest, DashboardSummary } from './types.js';
import type { ApiKey, ApiKeyRequest, CreatedApiKey, HistoryTtl, HistoryTtlRequest, HousekeepingPass, ServiceApiKeyRequest } from './types.js';
import type {
  ApplyRolesRequest, ApplyRolesResult, CircleDetection, CustomerLookupParams, CustomerLookupResult, DirectorySyncResult, GuaranteeCircle,
  InstallResult, KycScheduleResult, ProcessVariablesRequest, RecordPage, RuleTagRecompute, SegmentChange, SegmentInput, SegmentStartRequest,
  SegmentStartResult, SegmentWithCount, Template, TemplateSummary, Trigger, TriggerInput,
} from './types.js';

/** An error answer of the API, or a failure to reach it (`status` 0, code `network_error`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The error details that carry a field path (`{ path, code, message }`), e.g. of a 400 on a record. */
  get fieldErrors(): ErrorDetail[] {
    return Array.isArray(this.details) ? (this.details as ErrorDetail[]).filter((d) => d && typeof d === 'object') : [];
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

export interface ClientOptions {
  /** `""` for the same origin (the browser), or `http://host:port`. */
  baseUrl: string;
  /** The bearer token (JWT or API key) to send, if any. */
  getToken?: () => string | null | undefined;
  /** The `Accept-Language` to send: `zh-CN` (default) or `en`. */
  getLanguage?: () => Lang | string | null | undefined;
  /** Called on every 401 answer that a refresh did not cure (the web app logs out). */
  onUnauthorized?: (error: ApiError) => void;
  /**
   * Called on a 401 answer: resolves true when it obtained a new token, and the request is then sent
   * once more (the browser's session cookie renews an expired access token without losing the request).
   */
  refresh?: () => Promise<boolean>;
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | boolean | null | undefined>;

interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Return the raw text instead of parsing JSON. */
  text?: boolean;
  /** Return the bytes of a 2xx answer (a file download); errors are parsed as usual. */
  binary?: boolean;
  signal?: AbortSignal;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** A 401 is final: no refresh and retry (the session routes themselves). */
  noRefresh?: boolean;
}

const enc = encodeURIComponent;

function queryString(query?: Query): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    parts.push(`${enc(k)}=${enc(String(v))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

function listQuery(q: ListQuery = {}): Query {
  return {
    filter: q.filter && Object.keys(q.filter).length ? JSON.stringify(q.filter) : undefined,
    sort: q.sort,
    limit: q.limit,
    cursor: q.cursor ?? undefined,
    fields: q.fields?.length ? q.fields.join(',') : undefined,
    total: q.total ? 'true' : undefined,
    display: q.display ? 'true' : undefined,
  };
}

export function createClient(options: ClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input: Parameters<typeof fetch>[0], init?: RequestInit) => fetch(input, init));

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    try {
      return await send<T>(method, path, opts);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401 || opts.noRefresh) throw err;
      const renewed = options.refresh ? await options.refresh().catch(() => false) : false;
      if (!renewed) {
        options.onUnauthorized?.(err);
        throw err;
      }
      try {
        return await send<T>(method, path, opts);
      } catch (again) {
        if (again instanceof ApiError && again.status === 401) options.onUnauthorized?.(again);
        throw again;
      }
    }
  }

  async function send<T>(method: string, path: string, opts: RequestOptions): Promise<T> {
    const headers: Record<string, string> = { Accept: opts.text ? '*/*' : 'application/json', ...opts.headers };
    const token = options.getToken?.();
    if (token) headers.Authorization = `Bearer ${token}`;
    const lang = options.getLanguage?.();
    if (lang) headers['Accept-Language'] = lang;
    let body: FormData | string | undefined;
    if (opts.body instanceof FormData) {
      body = opts.body;
    } else if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    let res: Response;
    try {
      res = await doFetch(`${base}${path}${queryString(opts.query)}`, { method, headers, body, signal: opts.signal });
    } catch (err) {
      if ((err as { name?: string })?.name === 'AbortError') throw err;
      throw new ApiError(0, 'network_error', (err as Error)?.message ?? 'network error');
    }
    if (res.ok && opts.binary) return (await res.arrayBuffer()) as T;
    const raw = await res.text();
    if (!res.ok) {
      let code = `http_${res.status}`;
      let message = res.statusText || `HTTP ${res.status}`;
      let details: unknown;
      try {
        const parsed = JSON.parse(raw) as { error?: { code?: string; message?: string; details?: unknown }; message?: string };
        if (parsed?.error) {
          code = parsed.error.code ?? code;
          message = parsed.error.message ?? message;
          details = parsed.error.details;
        } else if (typeof parsed?.message === 'string') {
          message = parsed.message;
        }
      } catch {
        if (raw && raw.length < 500) message = raw;
      }
      throw new ApiError(res.status, code, message, details);
    }
    if (opts.text) return raw as T;
    if (!raw) return undefined as T;
    try {
      return JSON.parse(raw) as T;
    } catch {
      return raw as T;
    }
  }

  /** A file download with the bearer token; a 401 is renewed through `refresh` and tried once more. */
  async function download(url: string): Promise<Response> {
    const once = () => {
      const token = options.getToken?.();
      const lang = options.getLanguage?.();
      const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
      // A file's labels (an export's header row) in the viewer's language.
      if (lang) headers['Accept-Language'] = lang;
      return doFetch(url, { headers });
    };
    const res = await once();
    if (res.status !== 401 || !options.refresh || !(await options.refresh().catch(() => false))) return res;
    return once();
  }

  const get = <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal });
  const post = <T>(path: string, body?: unknown) => request<T>('POST', path, { body: body ?? {} });
  const put = <T>(path: string, body: unknown) => request<T>('PUT', path, { body });
  const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, { body });
  const del = <T>(path: string) => request<T>('DELETE', path);
  /** A list route: the server answers `{ items }`. */
  const items = async <T>(path: string, query?: Query) => (await get<{ items: T[] }>(path, query)).items;

  return {
    /** Low-level access for routes added after this client. List methods below unwrap the server's `{ items }` into arrays. */
    request,

    // ------------------------------------------------------------ platform
    health: () => get<HealthStatus>('/api/health'),
    openapi: () => get<Record<string, unknown>>('/api/openapi.json'),
    login: (body: LoginRequest) => post<LoginResponse>('/api/auth/login', body),
    me: () => get<CurrentUser>('/api/auth/me'),
    /** How users sign in here (password, single sign-on, directory). */
    authProviders: () => get<AuthProviders>('/api/auth/providers'),
    /** The one-time code single sign-on hands the browser → a token, like a password login. */
    oidcExchange: (code: string) => post<OidcExchangeResponse>('/api/auth/oidc/exchange', { code }),
    changePassword: (body: ChangePasswordRequest) => post<ChangePasswordResponse>('/api/auth/change-password', body),
    /** A new access token from the browser's session cookie (rotated by the answer); 401 when the session ended. */
    refresh: () => request<RefreshResponse>('POST', '/api/auth/refresh', { body: {}, headers: { 'X-CRM-Refresh': '1' }, noRefresh: true }),
    /** Ends the browser's session (its refresh cookie). */
    logout: () => request<void>('POST', '/api/auth/logout', { body: {}, headers: { 'X-CRM-Refresh': '1' }, noRefresh: true }),
    /** The caller's own API keys (never their secrets). */
    listApiKeys: () => items<ApiKey>('/api/auth/api-keys'),
    /** A key for the caller; its secret `key` is in this answer only. */
    createApiKey: (body: ApiKeyRequest) => post<CreatedApiKey>('/api/auth/api-keys', body),
    revokeApiKey: (id: string) => del<void>(`/api/auth/api-keys/${enc(id)}`),

    // ------------------------------------------------------------ metadata
    meta: {
      listObjects: () => items<ObjectDefinition>('/api/meta/objects'),
      createObject: (body: CreateObjectRequest) => post<ObjectDefinition>('/api/meta/objects', body),
      getObject: (object: string) => get<ObjectDefinition>(`/api/meta/objects/${enc(object)}`),
      updateObject: (object: string, body: ObjectPatch) => patch<ObjectDefinition>(`/api/meta/objects/${enc(object)}`, body),
      deleteObject: (object: string) => del<unknown>(`/api/meta/objects/${enc(object)}`),
      addField: (object: string, field: Field) => post<Field>(`/api/meta/objects/${enc(object)}/fields`, field),
      updateField: (object: string, field: string, body: FieldPatch) =>
        patch<Field>(`/api/meta/objects/${enc(object)}/fields/${enc(field)}`, body),
      deleteField: (object: string, field: string) => del<unknown>(`/api/meta/objects/${enc(object)}/fields/${enc(field)}`),

      listForms: (query?: { object?: string }) => items<FormSummary>('/api/meta/forms', query),
      createForm: (body: FormDefinitionInput) => post<FormDraft>('/api/meta/forms', body),
      getForm: (key: string) => get<FormDraft>(`/api/meta/forms/${enc(key)}`),
      saveForm: (key: string, body: FormDefinitionInput) => put<FormDraft>(`/api/meta/forms/${enc(key)}`, body),
      publishForm: (key: string) => post<{ version: number }>(`/api/meta/forms/${enc(key)}/publish`),
      getFormVersion: (key: string, version: number | 'latest') =>
        get<PublishedForm>(`/api/meta/forms/${enc(key)}/versions/${enc(String(version))}`),
      /** The latest published version (404 `meta.form_not_published` while there is none). */
      getPublishedForm: (key: string) => get<PublishedForm>(`/api/meta/forms/${enc(key)}/published`),
    },

    // ------------------------------------------------------------ records
    records: {
      create: (object: string, values: RecordValues) => post<RecordData>(`/api/records/${enc(object)}`, values),
      /** `display`: with `$display`, the titles of the record's relation / user / org-unit targets. */
      get: (object: string, id: string, opts: { display?: boolean } = {}) =>
        get<RecordData>(`/api/records/${enc(object)}/${enc(id)}`, opts.display ? { display: 'true' } : undefined),
      update: (object: string, id: string, changes: RecordValues & { version: number }) =>
        patch<RecordData>(`/api/records/${enc(object)}/${enc(id)}`, changes),
      delete: (object: string, id: string) => del<unknown>(`/api/records/${enc(object)}/${enc(id)}`),
      list: (object: string, query?: ListQuery, signal?: AbortSignal) =>
        get<Page<RecordData>>(`/api/records/${enc(object)}`, listQuery(query), signal),
      query: (object: string, body: ListQuery) => post<Page<RecordData>>(`/api/records/${enc(object)}/query`, body),
      /** Users the caller may assign the object's records to (their org unit and below). */
      assignees: (object: string, q?: string) => items<{ id: string; name: string }>(`/api/records/${enc(object)}/assignees`, q ? { q } : undefined),
      /** The same change to many records (at most 500), each written as a single change is; answers per record. */
      bulk: (object: string, body: { ids: string[]; set?: RecordValues; addTags?: { field: string; tags: string[] } }) =>
        post<RecordBulkResult>(`/api/records/${enc(object)}/bulk`, body),
      /** The viewer's rows as CSV or XLSX, masked as the viewer sees them (a file download). */
      export: async (object: string, query: { format?: 'csv' | 'xlsx'; filter?: string; sort?: string; fields?: string } = {}): Promise<Blob> => {
        // The header row's labels in the viewer's language.
        const res = await download(`${base}/api/records/${enc(object)}/export${queryString(query)}`);
        if (!res.ok) throw new ApiError(res.status, `http_${res.status}`, res.statusText || `HTTP ${res.status}`);
        return res.blob();
      },
    },
    // ------------------------------------------------------------ saved list views
    views: {
      /** The caller's own views and those shared with one of their roles (of one object when given). */
      list: (object?: string) => items<SavedView>('/api/views', object ? { object } : undefined),
      create: (body: ViewInput) => post<SavedView>('/api/views', body),
      update: (id: string, body: ViewPatch) => patch<SavedView>(`/api/views/${enc(id)}`, body),
      delete: (id: string) => del<unknown>(`/api/views/${enc(id)}`),
    },
    imports: {
      /** Starts an import (202): the rows are written in the background; poll `get`. */
      start: (file: Blob, name: string, opts: ImportOptionsInput) => {
        const form = new FormData();
        form.append('options', JSON.stringify(opts));
        form.append('file', file, name);
        return request<ImportStarted>('POST', '/api/imports', { body: form });
      },
      /** The file's header, first rows and a proposed column mapping; nothing is imported. */
      preview: (file: Blob, name: string, opts: ImportPreviewOptions) => {
        const form = new FormData();
        form.append('options', JSON.stringify(opts));
        form.append('file', file, name);
        return request<ImportPreview>('POST', '/api/imports/preview', { body: form });
      },
      get: (id: string) => get<ImportStatus>(`/api/imports/${enc(id)}`),
      /** The rejected rows with their reasons, as CSV text. */
      rejectedCsv: (id: string) => request<string>('GET', `/api/imports/${enc(id)}/rejected.csv`, { text: true }),
    },
    forms: {
      submit: (key: string, values: RecordValues) => post<RecordData>(`/api/forms/${enc(key)}/submit`, values),
      /** Compiles the form's data validator on the server; import the answer's `url` (a same-origin module). */
      validator: (fields: Field[], form: FormDefinitionInput) => post<FormValidatorModule>('/api/forms/validators', { fields, form }),
    },
    files: {
      upload: (file: Blob, name?: string) => {
        const form = new FormData();
        form.append('file', file, name ?? (file as File).name ?? 'file');
        return request<UploadedFile>('POST', '/api/files', { body: form });
      },
      /** The file's URL (needs the bearer token: fetch it with `download`). */
      url: (id: string) => `${base}/api/files/${enc(id)}`,
      download: async (id: string): Promise<Blob> => {
        const res = await download(`${base}/api/files/${enc(id)}`);
        if (!res.ok) throw new ApiError(res.status, `http_${res.status}`, res.statusText);
        return res.blob();
      },
    },

    // ------------------------------------------------------------ workflow
    processes: {
      deploy: (body: DeployProcessRequest) => post<DeployResponse>('/api/process-definitions', body),
      /** The latest version of each process (a bare array). */
      list: () => get<ProcessDefinition[]>('/api/process-definitions'),
      xml: (key: string) => request<string>('GET', `/api/process-definitions/${enc(key)}/xml`, { text: true }),
      start: (key: string, body: StartProcessRequest = {}) =>
        post<ProcessInstance>(`/api/process-definitions/${enc(key)}/start`, body),
      /** Every version of one process, each with its number of instances (a bare array). */
      versions: (key: string) => get<ProcessDefinition[]>(`/api/process-definitions/${enc(key)}/versions`),
      /** Days an ended instance of this process is kept (process.admin). */
      historyTtl: (key: string) => get<HistoryTtl>(`/api/process-definitions/${enc(key)}/history-ttl`),
      setHistoryTtl: (key: string, body: HistoryTtlRequest) => put<HistoryTtl>(`/api/process-definitions/${enc(key)}/history-ttl`, body),
      /** Back to the default policy; answers the setting now in force. */
      clearHistoryTtl: (key: string) => del<HistoryTtl>(`/api/process-definitions/${enc(key)}/history-ttl`),
    },
    instances: {
      get: (id: string) => get<ProcessInstance>(`/api/process-instances/${enc(id)}`),
      cancel: (id: string) => post<ProcessInstance>(`/api/process-instances/${enc(id)}/cancel`),
      list: (query: ProcessInstanceQuery = {}) => items<ProcessInstanceSummary>('/api/process-instances', query),
      /** An administrator fixes data (e.g. before retrying an incident) → the instance. */
      setVariables: (id: string, body: ProcessVariablesRequest) => put<ProcessInstance>(`/api/process-instances/${enc(id)}/variables`, body),
    },
    tasks: {
      list: (scope: TaskScope = 'mine') => get<{ items: Task[] }>('/api/tasks', { scope }),
      get: (id: string) => get<TaskDetail>(`/api/tasks/${enc(id)}`),
      claim: (id: string) => post<Task>(`/api/tasks/${enc(id)}/claim`),
      complete: (id: string, body: CompleteTaskRequest = {}) => post<CompleteTaskResponse>(`/api/tasks/${enc(id)}/complete`, body),
    },
    messages: {
      correlate: (body: MessageRequest) => post<{ correlated: number }>('/api/messages', body),
    },
    signals: {
      broadcast: (body: SignalRequest) => post<{ triggered: number }>('/api/signals', body),
    },
    decisions: {
      deploy: (dmnXml: string) => post<DecisionDeployResponse>('/api/decision-definitions', { dmnXml }),
      /** The latest version of each decision definition. */
      list: () => get<DecisionDefinition[]>('/api/decision-definitions'),
      /** One definition's latest version with its DMN XML (designers and process administrators). */
      get: (key: string) => get<DecisionDetail>(`/api/decision-definitions/${enc(key)}`),
      evaluate: (key: string, variables: Record<string, unknown>) =>
        post<EvaluateResponse>(`/api/decision-definitions/${enc(key)}/evaluate`, { variables }),
    },
    incidents: {
      list: () => items<Incident>('/api/incidents'),
      retry: (id: string) => post<ProcessInstance>(`/api/incidents/${enc(id)}/retry`),
    },
    triggers: {
      create: (body: TriggerInput) => post<Trigger>('/api/process-triggers', body),
      list: () => items<Trigger>('/api/process-triggers'),
      delete: (id: string) => del<void>(`/api/process-triggers/${enc(id)}`),
    },

    // ------------------------------------------------------------ administration
    admin: {
      listUsers: (query?: { search?: string; limit?: number; offset?: number }) => items<AdminUser>('/api/admin/users', query),
      /** The staff directory for pickers (designers, process starters, user administrators): names only. */
      directory: (query?: { search?: string; limit?: number }) => items<DirectoryUser>('/api/directory/users', query),
      createUser: (body: CreateUserRequest) => post<AdminUser>('/api/admin/users', body),
      /** The user, or a PendingReply when the change grants the authorisation or audit duty. */
      updateUser: (id: string, body: UserPatch) => patch<AdminUser | PendingReply>(`/api/admin/users/${enc(id)}`, body),
      resetPassword: (id: string) => post<PasswordResetResult | PendingReply>(`/api/admin/users/${enc(id)}/reset-password`),
      listPasswordResets: () => items<PendingApproval>('/api/admin/password-resets'),
      approvePasswordReset: (id: string) => post<ApprovedPasswordReset>(`/api/admin/password-resets/${enc(id)}/approve`),
      listRoleGrants: () => items<PendingApproval>('/api/admin/role-grants'),
      approveRoleGrant: (id: string) => post<ApprovedRoleGrant>(`/api/admin/role-grants/${enc(id)}/approve`),
      /** Withdraws (the requester) or declines (a possible approver) a pending request; nothing is applied. */
      rejectApproval: (a: { id: string; kind: 'password_reset' | 'role_grant' }) =>
        post<RejectedApproval>(`/api/admin/${a.kind === 'password_reset' ? 'password-resets' : 'role-grants'}/${enc(a.id)}/reject`),
      listRoles: () => items<Role>('/api/admin/roles'),
      createRole: (body: CreateRoleRequest) => post<Role>('/api/admin/roles', body),
      getRole: (key: string) => get<Role>(`/api/admin/roles/${enc(key)}`),
      updateRole: (key: string, body: RolePatch) => patch<Role>(`/api/admin/roles/${enc(key)}`, body),
      listOrgUnits: () => items<OrgUnit>('/api/admin/org-units'),
      createOrgUnit: (body: OrgUnitInput) => post<OrgUnit>('/api/admin/org-units', body),
      getOrgUnit: (id: string) => get<OrgUnit>(`/api/admin/org-units/${enc(id)}`),
      updateOrgUnit: (id: string, body: Partial<OrgUnitInput>) => patch<OrgUnit>(`/api/admin/org-units/${enc(id)}`, body),
      /** API keys of service accounts (a person's key is theirs alone). */
      listServiceApiKeys: () => items<ApiKey>('/api/admin/api-keys'),
      createServiceApiKey: (body: ServiceApiKeyRequest) => post<CreatedApiKey>('/api/admin/api-keys', body),
      revokeServiceApiKey: (id: string) => del<void>(`/api/admin/api-keys/${enc(id)}`),
      /** One housekeeping pass now, the same the schedule runs (process.admin). */
      runHousekeeping: () => post<HousekeepingPass>('/api/admin/housekeeping/run'),
      /** Checks the directory now: disables the accounts that are gone from it (404 without a directory). */
      syncDirectory: () => post<DirectorySyncResult>('/api/admin/directory/sync'),
      /** Single sign-on settings in force (secrets never answered: only whether one is stored). */
      ssoSettings: () => get<SsoSettings>('/api/admin/sso'),
      saveLdapSettings: (body: LdapSettingsInput) => put<SsoSettings>('/api/admin/sso/ldap', body),
      saveOidcSettings: (body: OidcSettingsInput) => put<SsoSettings>('/api/admin/sso/oidc', body),
      testSso: (kind: 'ldap' | 'oidc', body: SsoTest = {}) => post<SsoTestResult>(`/api/admin/sso/${kind}/test`, body),
    },
    audit: {
      list: (query: AuditQuery = {}) => get<AuditPage>('/api/audit', query as Query),
      verify: () => get<AuditVerifyResult>('/api/audit/verify'),
    },

    // ------------------------------------------------------------ customer 360
    customers: {
      get360: (id: string) => get<Customer360>(`/api/customers/${enc(id)}/360`),
      network: (id: string, depth?: number) => get<CustomerNetwork>(`/api/customers/${enc(id)}/network`, { depth }),
      /** Call-centre screen pop: the caller's customers with this phone or ID number. */
      lookup: (query: CustomerLookupParams) => get<CustomerLookupResult>('/api/customers/lookup', query),
      guaranteeCircles: () => items<GuaranteeCircle>('/api/customers/guarantee-circles'),
      /** Up to three suggested actions for the customer, with their reasons. */
      nextActions: (id: string) => items<NextAction>(`/api/customers/${enc(id)}/next-actions`),
      acceptNextAction: (id: string, actionId: string) => post<NextActionDecision>(`/api/customers/${enc(id)}/next-actions/${enc(actionId)}/accept`),
      dismissNextAction: (id: string, actionId: string, reason: string) => post<NextActionDecision>(`/api/customers/${enc(id)}/next-actions/${enc(actionId)}/dismiss`, { reason }),
      detectGuaranteeCircles: () => post<CircleDetection>('/api/customers/guarantee-circles/detect'),
      recomputeTags: () => post<RuleTagRecompute>('/api/customers/tags/recompute'),
      scheduleKycReviews: (max?: number) => post<KycScheduleResult>('/api/customers/kyc-reviews/schedule', max === undefined ? {} : { max }),
      listSegments: () => items<SegmentWithCount>('/api/segments'),
      createSegment: (body: SegmentInput) => post<RecordData>('/api/segments', body),
      updateSegment: (code: string, body: SegmentChange) => patch<RecordData>(`/api/segments/${enc(code)}`, body),
      getSegment: (code: string) => get<SegmentWithCount>(`/api/segments/${enc(code)}`),
      segmentMembers: (code: string, query: { limit?: number; cursor?: string } = {}) =>
        get<RecordPage>(`/api/segments/${enc(code)}/members`, query),
      startSegmentProcess: (code: string, body: SegmentStartRequest) =>
        post<SegmentStartResult>(`/api/segments/${enc(code)}/start-process`, body),
    },

    // ------------------------------------------------------------ solution packs
    templates: {
      list: () => items<TemplateSummary>('/api/templates'),
      get: (key: string) => get<Template>(`/api/templates/${enc(key)}`),
      install: (key: string) => post<InstallResult>(`/api/templates/${enc(key)}/install`),
      applyRoles: (key: string, body: ApplyRolesRequest) => post<ApplyRolesResult>(`/api/templates/${enc(key)}/roles/apply`, body),
      /** What upgrading to the bundled version would change; nothing is written. */
      preview: (key: string) => post<InstallResult>(`/api/admin/packs/${enc(key)}/preview`),
    },

    // ------------------------------------------------------------ background jobs
    jobs: {
      /** The state of long work that answered `202 { jobId }` (the starter, or an administrator). */
      get: (id: string) => get<JobView>(`/api/jobs/${enc(id)}`),
    },

    // ------------------------------------------------------------ global search and notifications
    /** Records the caller may read (title, number, a full ID or mobile number) and their tasks. */
    search: (params: SearchParams) => get<SearchResult>('/api/search', params as Query),
    notifications: {
      list: (params: NotificationListParams = {}) => get<NotificationPage>('/api/notifications', params as Query),
      read: (id: string) => post<NotificationRead>(`/api/notifications/${enc(id)}/read`),
      readAll: () => post<NotificationRead>('/api/notifications/read-all'),
      /** A single-use ticket (valid for seconds) for `GET /api/notifications/stream?ticket=`. */
      streamTicket: () => post<StreamTicket>('/api/notifications/stream-ticket'),
    },

    // ------------------------------------------------------------ webhooks
    webhooks: {
      list: () => items<Webhook>('/api/webhooks'),
      /** The answer's secret is shown this once. */
      create: (body: WebhookCreate) => post<WebhookSecret>('/api/webhooks', body),
      get: (id: string) => get<Webhook>(`/api/webhooks/${enc(id)}`),
      delete: (id: string) => del<unknown>(`/api/webhooks/${enc(id)}`),
      /** A new secret (shown once); the old one still signs for graceSeconds (default 24 h). */
      rotate: (id: string, body: WebhookRotate = {}) => post<WebhookSecret>(`/api/webhooks/${enc(id)}/rotate`, body),
      enable: (id: string) => post<Webhook>(`/api/webhooks/${enc(id)}/enable`),
      deliveries: (id: string, query: { status?: WebhookDelivery['status']; limit?: number } = {}) => items<WebhookDelivery>(`/api/webhooks/${enc(id)}/deliveries`, query),
      delivery: (id: string, messageId: string) => get<WebhookDeliveryDetail>(`/api/webhooks/${enc(id)}/deliveries/${enc(messageId)}`),
      replay: (id: string, body: WebhookReplay) => post<WebhookReplayResult>(`/api/webhooks/${enc(id)}/replay`, body),
      /** Queues a signed `webhook.ping` to the endpoint; its delivery shows in the log. */
      ping: (id: string) => post<WebhookPingResult>(`/api/webhooks/${enc(id)}/ping`),
    },

    // ------------------------------------------------------------ connectors
    connectors: {
      list: () => items<Connector>('/api/connectors'),
      /** Secrets are write-only: the answer names the ones stored, never their values. */
      create: (body: ConnectorCreate) => post<Connector>('/api/connectors', body),
      get: (key: string) => get<Connector>(`/api/connectors/${enc(key)}`),
      update: (key: string, body: ConnectorPatch) => patch<Connector>(`/api/connectors/${enc(key)}`, body),
      delete: (key: string) => del<unknown>(`/api/connectors/${enc(key)}`),
      test: (key: string) => post<ConnectorTestResult>(`/api/connectors/${enc(key)}/test`),
      /** Runs the connector once as a service task would (sql-pull: one incremental pull). */
      run: (key: string, body: ConnectorRun = {}) => post<ConnectorRunResult>(`/api/connectors/${enc(key)}/run`, body),
      /** Its latest tests and runs (API, service tasks, schedules), newest first. */
      runs: (key: string, limit?: number) => items<ConnectorRunLogEntry>(`/api/connectors/${enc(key)}/runs`, limit ? { limit } : undefined),
    },

    // ------------------------------------------------------------ personal-information rights (PIPL)
    privacy: {
      /** Customers found by ID number or mobile (through the fields' keyed search hashes). */
      lookup: (query: { idNumber?: string; mobile?: string }) => items<{ id: string; title: string }>('/api/privacy/subjects', query),
      /** Everything that refers to the person, found through the relation fields metadata declares, and the legal holds. */
      subject: (customerId: string) => get<PrivacySubject>(`/api/privacy/subjects/${enc(customerId)}`),
      listRequests: (query: { status?: PrivacyStatus; subjectId?: string; limit?: number } = {}) => items<PrivacyRequest>('/api/privacy/requests', query),
      createRequest: (body: PrivacyRequestInput) => post<PrivacyRequestCreated>('/api/privacy/requests', body),
      getRequest: (id: string) => get<PrivacyRequest>(`/api/privacy/requests/${enc(id)}`),
      /** The copy package (ZIP bytes): the request's handler, once. */
      downloadPackage: (id: string) => request<ArrayBuffer>('GET', `/api/privacy/requests/${enc(id)}/package`, { binary: true }),
      correct: (id: string, body: PrivacyCorrection) => post<RecordData>(`/api/privacy/requests/${enc(id)}/corrections`, body),
      holidays: (year?: number) => items<PrivacyHoliday>('/api/privacy/holidays', { year }),
      setHoliday: (day: string, body: { name: string; working?: boolean }) => put<PrivacyHoliday>(`/api/privacy/holidays/${enc(day)}`, body),
      removeHoliday: (day: string) => del<void>(`/api/privacy/holidays/${enc(day)}`),
    },

    // ------------------------------------------------------------ business events and journeys
    events: {
      /** A business event from a channel or core system (right `events.post`): enters journeys, correlates waiting messages. */
      post: (body: BusinessEventInput) => post<EventAccepted>('/api/events', body),
    },
    journeys: {
      list: () => items<Journey>('/api/journeys'),
      create: (body: JourneyInput) => post<Journey>('/api/journeys', body),
      get: (key: string) => get<Journey>(`/api/journeys/${enc(key)}`),
      update: (key: string, body: JourneyUpdate) => put<Journey>(`/api/journeys/${enc(key)}`, body),
      activate: (key: string) => post<Journey>(`/api/journeys/${enc(key)}/activate`),
      pause: (key: string) => post<Journey>(`/api/journeys/${enc(key)}/pause`),
      /** Segment entry: a background job enters every member not yet in (per the re-entry rule). */
      enter: (key: string) => post<JourneyEnterJob>(`/api/journeys/${enc(key)}/enter`),
      stats: (key: string) => get<JourneyStats>(`/api/journeys/${enc(key)}/stats`),
    },

    // ------------------------------------------------------------ marketing
    marketing: {
      settings: () => get<MarketingSettings>('/api/marketing/settings'),
      saveSettings: (body: MarketingSettings) => put<MarketingSettings>('/api/marketing/settings', body),
      doNotDisturb: (body: DoNotDisturbInput) => post<unknown>('/api/marketing/do-not-disturb', body),
      allowDisturb: (customerId: string, channel?: MarketingChannel) => del<unknown>(`/api/marketing/do-not-disturb/${enc(customerId)}${channel ? `?channel=${enc(channel)}` : ''}`),
    },
    campaigns: {
      list: () => items<Campaign>('/api/campaigns'),
      create: (body: CampaignCreate) => post<Campaign>('/api/campaigns', body),
      planningOptions: () => get<CampaignPlanningOptions>('/api/campaigns/planning-options'),
      /** A message template rendered for one customer the caller may read (the one named, else the first). */
      previewMessage: (body: MessagePreviewInput) => post<MessagePreview>('/api/campaigns/message-preview', body),
      /** Re-evaluates an active campaign's target now: `{ jobId }` (202). */
      refresh: (id: string) => post<{ jobId: string }>(`/api/campaigns/${enc(id)}/refresh`),
      get: (id: string) => get<Campaign>(`/api/campaigns/${enc(id)}`),
      update: (id: string, body: CampaignPatch) => patch<Campaign>(`/api/campaigns/${enc(id)}`, body),
      /** `{ jobId }` (202), or the approval process instance when the campaign needs approval. */
      launch: (id: string) => post<CampaignLaunchAnswer>(`/api/campaigns/${enc(id)}/launch`),
      members: (id: string, query: { status?: (typeof MEMBER_STATUSES)[number]; task?: 'open' | 'done'; limit?: number; cursor?: string } = {}) => get<CampaignMembersPage>(`/api/campaigns/${enc(id)}/members`, query),
      respond: (id: string, body: CampaignResponseInput) => post<CampaignResponseAnswer>(`/api/campaigns/${enc(id)}/responses`, body),
    },

    // ------------------------------------------------------------ reports
    reports: {
      list: () => items<ReportSummary>('/api/reports'),
      /** Report sources besides the objects (campaign members) the caller may report on, with their fields. */
      sources: () => get<ReportSources>('/api/reports/sources'),
      create: (body: ReportDefinitionInput) => post<Report>('/api/reports', body),
      get: (key: string) => get<Report>(`/api/reports/${enc(key)}`),
      update: (key: string, body: ReportPatch) => patch<Report>(`/api/reports/${enc(key)}`, body),
      delete: (key: string) => del<unknown>(`/api/reports/${enc(key)}`),
      run: (key: string, body: ReportRun = {}) => post<ReportAnswer>(`/api/reports/${enc(key)}/run`, body),
      /** The records list filter of the rows behind one cell of a run's answer. */
      cellFilter: (key: string, body: ReportCellFilterInput) => post<ReportCellFilter>(`/api/reports/${enc(key)}/cell-filter`, body),
      /** Runs an unsaved definition (the designer's live preview). */
      query: (body: ReportQuery) => post<ReportAnswer>('/api/reports/query', body),
      /** The report's time series continued `horizon` periods, with 80 % / 95 % intervals and the backtest that chose the method. */
      forecast: (key: string, body: ReportForecastRequest) => post<ReportForecast>(`/api/reports/${enc(key)}/forecast`, body),
      /** The report as CSV or XLSX (a file download). */
      export: async (key: string, query: { format?: 'csv' | 'xlsx'; filter?: string; drill?: string } = {}): Promise<Blob> => {
        const res = await download(`${base}/api/reports/${enc(key)}/export${queryString(query)}`);
        if (!res.ok) throw new ApiError(res.status, `http_${res.status}`, res.statusText || `HTTP ${res.status}`);
        return res.blob();
      },
    },

    // ------------------------------------------------------------ insight models
    models: {
      list: () => items<ModelSummary>('/api/models'),
      create: (body: ModelDefinitionInput) => post<Model>('/api/models', body),
      get: (key: string) => get<Model>(`/api/models/${enc(key)}`),
      /** The trained versions with their metrics, newest first (at most 50). */
      versions: (key: string) => items<ModelVersion>(`/api/models/${enc(key)}/versions`),
      update: (key: string, body: ModelPatch) => patch<Model>(`/api/models/${enc(key)}`, body),
      delete: (key: string) => del<unknown>(`/api/models/${enc(key)}`),
      /** Starts a training job (202): a new version with its holdout metrics. */
      train: (key: string) => post<ModelJobStarted>(`/api/models/${enc(key)}/train`),
      /** Starts a scoring job (202): every record's probability into the score field. */
      score: (key: string) => post<ModelJobStarted>(`/api/models/${enc(key)}/score`),
      /** The record's score with exact per-feature contributions, as the caller may see them. */
      explain: (key: string, recordId: string) => get<ModelExplanation>(`/api/models/${enc(key)}/explain/${enc(recordId)}`),
    },

    // ------------------------------------------------------------ dashboards
    dashboards: {
      /** Dashboards the caller may see (designers: all; others: shared with one of their roles). */
      list: () => items<DashboardSummary>('/api/dashboards'),
      /** The workbench: dashboards shared with one of the caller's roles. */
      mine: () => items<DashboardSummary>('/api/dashboards?mine=1'),
      get: (key: string) => get<Dashboard>(`/api/dashboards/${enc(key)}`),
      create: (body: DashboardDefinitionInput) => post<Dashboard>('/api/dashboards', body),
      update: (key: string, body: DashboardPatch) => patch<Dashboard>(`/api/dashboards/${enc(key)}`, body),
      delete: (key: string) => del<unknown>(`/api/dashboards/${enc(key)}`),
      /** Every widget's report answer in the caller's row scope, with the dashboard filters and cross filters applied. */
      run: (key: string, body: DashboardRunRequest = {}) => post<DashboardRunAnswer>(`/api/dashboards/${enc(key)}/run`, body),
      /** Values the caller may pick for an owner or product filter (from the rows in the caller's scope), labelled. */
      filterOptions: (key: string, filter: string, q?: string) => get<DashboardFilterOptions>(`/api/dashboards/${enc(key)}/filters/${enc(filter)}/options${q ? `?q=${enc(q)}` : ''}`),
      /** The designer's field picker: fields of the reports' objects a dashboard filter can map to, with the kinds each fits. */
      filterFields: (reports: string[], kind?: string) => get<DashboardFilterFields>(`/api/dashboards/filter-fields?reports=${enc(reports.join(','))}${kind ? `&kind=${enc(kind)}` : ''}`),
    },
  };
}

export type ApiClient = ReturnType<typeof createClient>;


/** Picks the text for `lang` out of a localized label, falling back to zh-CN, then any language. */
export function localize(text: unknown, lang: Lang | string = 'zh-CN'): string {
  if (text == null) return '';
  if (typeof text === 'string') return text;
  if (typeof text === 'object') {
    const t = text as Record<string, string | undefined>;
    return t[lang] ?? t['zh-CN'] ?? t.zh ?? t.en ?? Object.values(t).find((v) => typeof v === 'string') ?? '';
  }
  return String(text);
}
