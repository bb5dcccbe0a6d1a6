/**
 * Leak tests of the process-variables view: a process started from a record holds the record in
 * clear, and a person who takes part in it (a candidate of its task) sees the record's fields — and
 * every variable computed from them — only as the scoped record reader lets them read that record
 * now: not once it is deleted, not when it belongs to another team, and masked where their field
 * mode is `masked`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import type { Permission } from '@crm/shared';
import { as, refused, type client } from '../harness/http.js';
import { chain } from './workflow-bpmn.js';

type Client = ReturnType<typeof client>;

let srv: TestServer;
let analyst: Client, rm: Client, manager: Client, admin: Client, security: Client;

const ID = '11010519491231002X';

/** A lead owned by `owner` (rm's team or not), completed by the manager: that update starts the process. */
async function lead(owner: Client, name: string, secret: string, rating: string): Promise<string> {
  const created = await owner.api.records.create('lk_lead', { name, id_number: ID });
  const filled = await manager.api.records.update('lk_lead', created.id, { version: created.version, secret, rating });
  expect(filled.version).toBe(created.version + 1);
  return created.id;
}

async function instanceFor(recordId: string): Promise<{ id: string }> {
  const r = await admin.api.instances.list({ definitionKey: 'lkWait', businessKey: recordId, limit: '5' });
  expect(r).toHaveLength(1);
  return r[0]!;
}

async function variablesAs(c: Client, instanceId: string): Promise<Record<string, any>> {
  return (await c.api.instances.get(instanceId)).variables;
}

async function taskAs(c: Client, instanceId: string): Promise<Record<string, any>> {
  const list = await c.api.tasks.list('candidate');
  const t = list.items.find((x) => x.processInstanceId === instanceId);
  expect(t).toBeDefined();
  return c.api.tasks.get(t!.id);
}

/** No field of the record, nor anything computed from one, is in what the reader got. */
function expectNoRecordData(body: unknown, secrets: string[]): void {
  const text = JSON.stringify(body);
  for (const s of secrets) expect(text).not.toContain(s);
  const v = (body as { variables?: Record<string, any> }).variables ?? (body as Record<string, any>);
  for (const k of ['name', 'secret', 'rating', 'id_number', 'summary', 'hello']) expect(v).not.toHaveProperty(k);
  if (v.record) for (const k of ['name', 'secret', 'rating', 'id_number']) expect(v.record).not.toHaveProperty(k);
}

beforeAll(async () => {
  srv = await startServer();
  [analyst, rm, manager, admin, security] = await Promise.all(['analyst', 'rm', 'manager', 'admin', 'security'].map((u) => as(srv.baseUrl, u)));
  const o = await analyst.api.meta.createObject({
    key: 'lk_lead', label: '泄露测试线索', fields: [
      { key: 'name', label: '名称', type: 'text', required: true },
      { key: 'secret', label: '备注（掩码）', type: 'text' },
      { key: 'rating', label: '内部评级', type: 'text' },
      { key: 'id_number', label: '身份证号', type: 'cn_id_number', sensitivity: 4 },
    ],
  });
  expect(o.key).toBe('lk_lead');
  // rm: their own team's leads, `secret` masked, `rating` hidden; the branch manager: every lead.
  for (const [role, perm] of [
    ['rm', { object: 'lk_lead', actions: ['create', 'read', 'update', 'delete'], scope: 'team', fields: { secret: 'masked', rating: 'none' } }],
    ['manager', { object: 'lk_lead', actions: ['create', 'read', 'update'], scope: 'all' }],
  ] as const satisfies readonly (readonly [string, Permission])[]) {
    const cur = await security.api.admin.getRole(role);
    const keep = (cur.permissions ?? []).filter((p) => p.object !== 'lk_lead');
    expect((await security.api.admin.updateRole(role, { permissions: [...keep, perm] })).permissions).toContainEqual(perm);
  }
  // Values computed from the masked field and from the name, then a task rm is a candidate of.
  const deployed = await analyst.api.processes.deploy({
    bpmnXml: chain('lkWait', [
      '<bpmn:startEvent id="s"/>',
      '<bpmn:scriptTask id="sum" scriptFormat="feel" crm:resultVariable="summary"><bpmn:script>="《" + secret + "》"</bpmn:script></bpmn:scriptTask>',
      '<bpmn:scriptTask id="greet" scriptFormat="feel" crm:resultVariable="hello"><bpmn:script>="您好，" + name</bpmn:script></bpmn:scriptTask>',
      '<bpmn:userTask id="look" crm:candidateGroups="rm"/>',
      '<bpmn:endEvent id="e"/>',
    ]),
  });
  expect(deployed.key).toBe('lkWait');
  // On update: rm may not write the fields it reads masked or not at all, so the manager fills them in.
  expect(await analyst.api.triggers.create({ processKey: 'lkWait', object: 'lk_lead', on: 'updated' })).toMatchObject({ processKey: 'lkWait' });
});

afterAll(async () => {
  await srv?.stop();
});

describe('process variables of a record', () => {
  it('show a field rm reads masked as masked, and a value computed from it as ****', async () => {
    const inst = await instanceFor(await lead(rm, '韩梅梅', 'S-7788-机密', 'AAA'));
    for (const body of [{ variables: await variablesAs(rm, inst.id) }, await taskAs(rm, inst.id)]) {
      const v = body.variables;
      expect(v).toMatchObject({ name: '韩梅梅', hello: '您好，韩梅梅', summary: '****' });
      expect(typeof v.secret).toBe('string');
      expect(v).not.toHaveProperty('rating');
      expect(v.record).not.toHaveProperty('rating');
      expect(v.id_number).toBe('1****************X');
      const text = JSON.stringify(body);
      for (const s of ['S-7788', 'AAA', ID]) expect(text).not.toContain(s);
    }
  });

  it('show nothing of another team\'s record to a candidate of its task, while its owner sees it', async () => {
    const id = await lead(manager, '李分行', 'M-4455-机密', 'BBB');
    // rm may not read the record itself...
    expect((await refused(rm.api.records.get('lk_lead', id))).status).toBe(404);
    const inst = await instanceFor(id);
    // ...the manager (scope all, no field limits) sees it in the instance, so the data is there to leak...
    expect(await variablesAs(manager, inst.id)).toMatchObject({ name: '李分行', secret: 'M-4455-机密', hello: '您好，李分行' });
    // ...and rm, a candidate of the task, sees none of it: not the fields, not what was computed from them.
    expectNoRecordData({ variables: await variablesAs(rm, inst.id) }, ['李分行', 'M-4455', 'BBB', ID]);
    expectNoRecordData(await taskAs(rm, inst.id), ['李分行', 'M-4455', 'BBB', ID]);
  });

  it('show nothing of a record once it is deleted (live rows only)', async () => {
    const id = await lead(rm, '删除前', 'D-1122-机密', 'CCC');
    const inst = await instanceFor(id);
    expect(await variablesAs(rm, inst.id)).toMatchObject({ name: '删除前', hello: '您好，删除前' });
    expect(await rm.api.records.delete('lk_lead', id)).toBeUndefined(); // 204: no body
    expect((await refused(rm.api.records.get('lk_lead', id))).status).toBe(404);
    expectNoRecordData({ variables: await variablesAs(rm, inst.id) }, ['删除前', 'D-1122', 'CCC', ID]);
    expectNoRecordData(await taskAs(rm, inst.id), ['删除前', 'D-1122', 'CCC', ID]);
  });

  it('answer a task completion with ids and the next tasks only: no variables to filter', async () => {
    // The completion route runs without the variables view (a hot path), so its answer must carry none.
    const id = await lead(manager, '完成者', 'C-9900-机密', 'DDD');
    const inst = await instanceFor(id);
    const list = await rm.get('/api/tasks?scope=candidate');
    const t = list.body.items.find((x: any) => x.processInstanceId === inst.id);
    expect(t).toBeDefined();
    const done = await rm.post(`/api/tasks/${t.id}/complete`, {});
    expect(done.status).toBe(200);
    expect(Object.keys(done.body).sort()).toEqual(['id', 'instanceState', 'processInstanceId', 'status', 'tasks']);
    for (const next of done.body.tasks) expect(Object.keys(next).sort()).toEqual(['activityId', 'id', 'name']);
    expectNoRecordData(done.body, ['完成者', 'C-9900', 'DDD', ID]);
  });
});
