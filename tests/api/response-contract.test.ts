/**
 * The server answers exactly what the shared contract says: real answers of the main routes (records,
 * tasks, process instances, the current user, the customer 360° view and their neighbours) parse with
 * their response schema from @crm/shared, which is strict — a property the contract does not name, a
 * missing one or a wrong type fails here, so server and contract cannot drift apart unnoticed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AdminUserSchema, AuditPageSchema, CircleDetectionSchema, type ContractSchema, CustomerLookupResultSchema, GuaranteeCircleSchema, SegmentMembersSchema, SegmentSchema, CompleteTaskResponseSchema, CurrentUserSchema, Customer360Schema, CustomerNetworkSchema, DeployResponseSchema, ErrorBodySchema,
  FormDraftSchema, HealthSchema, itemsOfSchema, LoginResponseSchema, ObjectSchema, OrgUnitSchema, PendingReplySchema, ProcessDefinitionSchema,
  ProcessInstanceSchema, ProcessInstanceSummarySchema, PublishedFormSchema, RecordPageSchema, RecordSchema, RoleSchema, SegmentWithCountSchema, TaskDetailSchema, TaskSchema,
  TemplateSummarySchema, TriggerSchema, UploadedFileSchema, FieldSchema, PublishFormResponseSchema, ReportAnswerSchema, ReportSchema, PackConflictsSchema,
  InstallResultSchema, type FormDefinitionInput,
} from '@crm/shared';
import { startServer, type TestServer } from '../harness/server.js';
import { as, typed, type Reply } from '../harness/http.js';
import { chain } from './workflow-bpmn.js';

type Client = Awaited<ReturnType<typeof as>>;

let srv: TestServer;
let analyst: Client, rm: Client, security: Client, admin: Client, auditor: Client;

/** Every way the answer departs from the schema, as readable lines (empty when it conforms). */
function drift(schema: ContractSchema, value: unknown): string[] {
  const r = schema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

/** The answer has the status and conforms to the schema; its body. */
function conforms<T>(schema: ContractSchema, reply: Reply<T>, status = 200): T {
  expect([reply.status, drift(schema, reply.body)]).toEqual([status, []]);
  return reply.body;
}

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '40' }, timeoutMs: 120000 });
  [analyst, rm, security, admin, auditor] = await Promise.all(['analyst', 'rm', 'security', 'admin', 'auditor'].map((u) => as(srv.baseUrl, u)));
}, 150000);

afterAll(async () => {
  await srv?.stop();
});

describe('the contract is strict', () => {
  it('refuses a property it does not name, a missing one and a wrong type, deep inside too', async () => {
    const me = conforms(CurrentUserSchema, await rm.get('/api/auth/me'));
    expect(drift(CurrentUserSchema, { ...me, secretFlag: true })).toEqual(['(root): Unrecognized key: "secretFlag"']);
    expect(drift(CurrentUserSchema, { ...me, orgUnit: { ...me.orgUnit, path: [] } })).toEqual(['orgUnit: Unrecognized key: "path"']);
    const { platform: _omitted, ...withoutRights } = me;
    expect(drift(CurrentUserSchema, withoutRights)).toHaveLength(1);
    expect(drift(CurrentUserSchema, { ...me, platform: ['superuser'] })).toHaveLength(1);
  });
});

describe('answers of the main routes match their shared schema', () => {
  it('signs in and says who the caller is', async () => {
    const login = await typed(srv.baseUrl).login({ username: 'rm', password: 'Demo@2026' });
    expect(drift(LoginResponseSchema, login)).toEqual([]);
    const me = conforms(CurrentUserSchema, await rm.get('/api/auth/me'));
    expect(me.username).toBe('rm');
    expect(me.platform).toEqual(['process.start']);
    conforms(HealthSchema, await rm.get('/api/health'));
  });

  it('records: create, get, list, query, update — and a bad write is the error body', async () => {
    // Every object of the bank pack, every field of them: the form engine's field definition, nothing more.
    const objects = conforms(itemsOfSchema(ObjectSchema), await analyst.get('/api/meta/objects'));
    expect(objects.items.map((o) => o.key)).toEqual(expect.arrayContaining(['customer', 'holding', 'relationship']));
    conforms(ObjectSchema, await analyst.post('/api/meta/objects', {
      key: 'contract_probe', label: { 'zh-CN': '契约探针', en: 'Contract probe' },
      fields: [{ key: 'name', label: '名称', type: 'text', required: true }, { key: 'amount', label: '金额', type: 'money' }, { key: 'due', label: '到期', type: 'date' }],
    }), 201);
    const role = RoleSchema.parse((await security.get('/api/admin/roles/analyst')).body);
    conforms(RoleSchema, await security.patch('/api/admin/roles/analyst', { permissions: [...role.permissions, { object: 'contract_probe', actions: ['create', 'read', 'update'], scope: 'all' }] }));

    const made = conforms(RecordSchema, await analyst.post('/api/records/contract_probe', { name: '甲', amount: '1234.50', due: '2027-01-31' }), 201);
    expect(made).toMatchObject({ name: '甲', amount: '1234.50', due: '2027-01-31', version: 1 });
    conforms(RecordSchema, await analyst.get(`/api/records/contract_probe/${made.id}`));
    const page = conforms(RecordPageSchema, await analyst.get('/api/records/contract_probe?total=true'));
    expect(page).toMatchObject({ total: 1, nextCursor: null });
    conforms(RecordPageSchema, await analyst.post('/api/records/contract_probe/query', { filter: { name: '甲' }, limit: 1 }));
    conforms(RecordSchema, await analyst.patch(`/api/records/contract_probe/${made.id}`, { name: '乙', version: 1 }));
    const bad = conforms(ErrorBodySchema, await analyst.post('/api/records/contract_probe', { amount: 'lots' }), 400);
    expect(bad.error.details?.map((d) => d.path).sort()).toEqual(['/amount', '/name']);
    conforms(ErrorBodySchema, await analyst.patch(`/api/records/contract_probe/${made.id}`, { name: '丙', version: 1 }), 409);
  });

  it('processes, instances and tasks', async () => {
    const xml = chain('contract_p', ['<bpmn:startEvent id="s"/>', '<bpmn:userTask id="u" name="核对" crm:candidateGroups="analyst" crm:outputs="comment"/>', '<bpmn:endEvent id="e"/>']);
    conforms(DeployResponseSchema, await analyst.post('/api/process-definitions', { bpmnXml: xml }), 201);
    conforms(ProcessDefinitionSchema.array(), await analyst.get('/api/process-definitions'));
    conforms(ProcessDefinitionSchema.array(), await analyst.get('/api/process-definitions/contract_p/versions'));
    const started = conforms(ProcessInstanceSchema, await analyst.post('/api/process-definitions/contract_p/start', { businessKey: 'BK-1' }), 201);
    expect(started).toMatchObject({ state: 'active', activeActivities: ['u'], businessKey: 'BK-1' });
    conforms(ProcessInstanceSchema, await admin.get(`/api/process-instances/${started.id}`));
    const list = conforms(itemsOfSchema(ProcessInstanceSummarySchema), await analyst.get('/api/process-instances?businessKey=BK-1'));
    expect(list.items.map((i) => i.id)).toEqual([started.id]);

    const tasks = conforms(itemsOfSchema(TaskSchema), await analyst.get('/api/tasks?scope=all'));
    const task = tasks.items.find((t) => t.processInstanceId === started.id)!;
    expect(task).toMatchObject({ name: '核对', status: 'open', assignee: null });
    const detail = conforms(TaskDetailSchema, await analyst.get(`/api/tasks/${task.id}`));
    expect(detail).toMatchObject({ outputs: ['comment'], canComplete: true, businessKey: 'BK-1' });
    conforms(TaskSchema, await analyst.post(`/api/tasks/${task.id}/claim`));
    const done = conforms(CompleteTaskResponseSchema, await analyst.post(`/api/tasks/${task.id}/complete`, { variables: { comment: '好' } }));
    expect(done.instanceState).toBe('completed');
    conforms(ErrorBodySchema, await analyst.post(`/api/tasks/${task.id}/complete`, {}), 409);

    const second = conforms(ProcessInstanceSchema, await analyst.post('/api/process-definitions/contract_p/start', {}), 201);
    const cancelled = conforms(ProcessInstanceSchema, await admin.post(`/api/process-instances/${second.id}/cancel`));
    expect(cancelled.state).toBe('terminated');
    conforms(itemsOfSchema(TriggerSchema), await analyst.get('/api/process-triggers'));
  });

  it('the customer 360° view, its network and segments (the bank pack)', async () => {
    const me = CurrentUserSchema.parse((await rm.get('/api/auth/me')).body);
    const mine = conforms(RecordPageSchema, await rm.post('/api/records/customer/query', { filter: { owner_id: me.id }, limit: 5 }));
    expect(mine.items.length).toBeGreaterThan(0);
    for (const c of mine.items) {
      const view = conforms(Customer360Schema, await rm.get(`/api/customers/${c.id}/360`));
      expect(view.customer.id).toBe(c.id);
      expect(view.metrics.aum).toMatch(/^-?\d+\.\d{2}$/);
      conforms(CustomerNetworkSchema, await rm.get(`/api/customers/${c.id}/network?depth=2`));
    }
    conforms(itemsOfSchema(SegmentWithCountSchema), await rm.get('/api/segments'));
    conforms(SegmentSchema, await analyst.post('/api/segments', { code: 'contract_seg', name: '契约客群', filter: { customer_type: 'individual' } }), 201);
    conforms(SegmentSchema, await analyst.patch('/api/segments/contract_seg', { version: 1, name: '契约客群二' }));
    const seg = conforms(SegmentWithCountSchema, await rm.get('/api/segments/contract_seg'));
    expect(typeof seg.count).toBe('number');
    const members = conforms(SegmentMembersSchema, await rm.get('/api/segments/contract_seg/members?limit=3'));
    expect(members.items.length).toBeGreaterThan(0);
    conforms(CircleDetectionSchema, await analyst.post('/api/customers/guarantee-circles/detect'), 201);
    conforms(itemsOfSchema(GuaranteeCircleSchema), await analyst.get('/api/customers/guarantee-circles'));
    conforms(CustomerLookupResultSchema, await rm.get('/api/customers/lookup?phone=13800000000&log=0'));
    conforms(ErrorBodySchema, await rm.get('/api/customers/00000000-0000-4000-8000-000000000000/360'), 404);
  });

  it('administration, audit, forms, files and templates', async () => {
    conforms(itemsOfSchema(AdminUserSchema), await admin.get('/api/admin/users?limit=5'));
    const user = conforms(AdminUserSchema, await admin.post('/api/admin/users', { username: 'contract_u', password: 'Contract@2026', roles: ['rm'] }), 201);
    conforms(PendingReplySchema, await admin.patch(`/api/admin/users/${user.id}`, { roles: ['rm', 'auditor'] }), 202);
    conforms(itemsOfSchema(OrgUnitSchema), await admin.get('/api/admin/org-units'));
    conforms(itemsOfSchema(RoleSchema), await rm.get('/api/admin/roles'));
    conforms(AuditPageSchema, await auditor.get('/api/audit?limit=20'));
    conforms(FormDraftSchema, await analyst.post('/api/meta/forms', { key: 'contract_f', object: 'contract_probe', title: '探针', layout: [{ field: 'name' }] }), 201);
    await analyst.post('/api/meta/forms/contract_f/publish');
    conforms(PublishedFormSchema, await analyst.get('/api/meta/forms/contract_f/published'));
    conforms(itemsOfSchema(TemplateSummarySchema), await analyst.get('/api/templates'));
    const file = await rm.api.files.upload(new Blob(['对账单']), 'statement.txt');
    expect(drift(UploadedFileSchema, file)).toEqual([]);
  });

  it('form drafts and versions with every kind of layout item, reports, pack conflicts and template installs', async () => {
    // The definition travels exactly: every container, a repeating group with its row fields, rules.
    conforms(FieldSchema, await analyst.post('/api/meta/objects/contract_probe/fields', { key: 'lines', label: '明细', type: 'json' }), 201);
    const definition: Omit<FormDefinitionInput, 'key'> = {
      object: 'contract_probe', title: { 'zh-CN': '契约表单', en: 'Contract form' }, description: '每种布局',
      layout: [
        { type: 'section', title: '基本', columns: 2, items: [{ field: 'name', label: '名称', placeholder: '请输入名称', help: '必填' }, { field: 'amount' }] },
        { type: 'tabs', items: [{ title: '到期', items: [{ type: 'columns', columns: 2, items: [{ field: 'due' }] }] }] },
        { type: 'steps', title: '步骤', items: [{ title: { 'zh-CN': '第一步', en: 'Step 1' }, items: [] }] },
        { type: 'group', field: 'lines', title: '明细', columns: 2, minItems: 0, maxItems: 5, fields: [{ key: 'item', label: '项目', type: 'text' }, { key: 'qty', label: '数量', type: 'integer' }] },
      ],
      rules: [{ when: 'name = "大额"', require: ['due'] }],
    };
    const draft = conforms(FormDraftSchema, await analyst.post('/api/meta/forms', { key: 'contract_rich', ...definition }), 201);
    expect(draft).toEqual({ key: 'contract_rich', ...definition, latestVersion: 0, updatedAt: expect.any(String) });
    conforms(FormDraftSchema, await analyst.get('/api/meta/forms/contract_rich'));
    conforms(FormDraftSchema, await analyst.put('/api/meta/forms/contract_rich', { ...definition, title: '契约表单（改）' }));
    expect(conforms(PublishFormResponseSchema, await analyst.post('/api/meta/forms/contract_rich/publish'), 201)).toEqual({ version: 1 });
    const published = conforms(PublishedFormSchema, await analyst.get('/api/meta/forms/contract_rich/published'));
    expect(published).toMatchObject({ ...definition, title: '契约表单（改）', key: 'contract_rich', version: 1 });
    expect(conforms(PublishedFormSchema, await analyst.get('/api/meta/forms/contract_rich/versions/1'))).toEqual(published);

    // Reports: an unsaved definition, a saved one and its run.
    const report = { object: 'contract_probe', measures: [{ key: 'n', agg: 'count' }, { key: 'total', agg: 'sum', field: 'amount' }], dimensions: [{ field: 'name' }] };
    const preview = conforms(ReportAnswerSchema, await analyst.post('/api/reports/query', report));
    expect(preview.columns.map((c) => c.key)).toEqual(['name', 'n', 'total']);
    conforms(ReportSchema, await analyst.post('/api/reports', { key: 'contract_r', name: '契约', ...report }), 201);
    conforms(ReportAnswerSchema, await analyst.post('/api/reports/contract_r/run', {}));

    // Solution packs: the conflicts an install left, and an install (here: the installed pack again).
    conforms(PackConflictsSchema, await analyst.get('/api/admin/packs/bank-crm/conflicts'));
    conforms(InstallResultSchema, await analyst.post('/api/admin/packs/bank-crm/preview'));
    conforms(InstallResultSchema, await analyst.post('/api/templates/bank-crm/install'), 201);
  });
});
