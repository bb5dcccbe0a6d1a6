/**
 * Money never passes through a binary double: amounts are decimal strings on the wire and in the
 * database, FEEL computes with decimals, and results are rounded half up to the field's scale.
 * 2.675 is 2.67499999… as a double, 0.1 + 0.2 is 0.30000000000000004, and 9007199254740993.01 is not
 * a double at all (the nearest is 9007199254740992): each case fails if a float slips in anywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import type { Field, FormDefinitionInput, Permission } from '@crm/shared';
import { as, refused } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { chain } from './workflow-bpmn.js';

type Api = Awaited<ReturnType<typeof as>>;
let srv: TestServer;
let analyst: Api;
let rm: Api;

const BIG = '9007199254740993.01';

const FIELDS: Field[] = [
  { key: 'title', label: '名称', type: 'text', required: true },
  { key: 'a', label: '金额A', type: 'money' },
  { key: 'b', label: '金额B', type: 'money' },
  { key: 'total', label: '合计', type: 'money' },
  { key: 'fee_rate', label: '费率', type: 'decimal', options: { precision: 12, scale: 3 } },
  { key: 'fee', label: '手续费', type: 'money' },
  { key: 'exact', label: '精确相等', type: 'boolean' },
  { key: 'above', label: '超过2^53+1', type: 'boolean' },
  { key: 'level', label: '级别', type: 'text' },
  { key: 'echo', label: '原样', type: 'computed', options: { expression: 'a + b' } },
];

const FORM: FormDefinitionInput = {
  key: 'ledger_entry',
  object: 'ledger',
  title: { 'zh-CN': '记账', en: 'Ledger entry' },
  layout: [{ type: 'section', items: ['title', 'a', 'b', 'fee_rate', 'level'].map((field) => ({ field })) }],
  rules: [{ when: 'a > 9007199254740993', set: { level: '"above"' } }],
  computed: { total: 'a + b', fee: 'a * fee_rate', exact: 'a + b = 0.3', above: 'a > 9007199254740993' },
};

async function submit(values: Record<string, unknown>) {
  return rm.api.forms.submit('ledger_entry', { title: '记账', ...values });
}

async function stored(id: string): Promise<Record<string, unknown>> {
  return (await withClient(srv.dbUrl, (c) => c.query('SELECT a::text, b::text, total::text, fee::text, fee_rate::text, echo FROM crm_data.ledger WHERE id = $1', [id]))).rows[0];
}

beforeAll(async () => {
  srv = await startServer();
  analyst = await as(srv.baseUrl, 'analyst');
  rm = await as(srv.baseUrl, 'rm');
  const security = await as(srv.baseUrl, 'security');
  expect((await analyst.api.meta.createObject({ key: 'ledger', label: '账目', fields: FIELDS })).fields.map((f) => f.key)).toEqual(FIELDS.map((f) => f.key));
  expect((await analyst.api.meta.createForm(FORM)).key).toBe('ledger_entry');
  expect(await analyst.api.meta.publishForm('ledger_entry')).toEqual({ version: 1 });
  const perms: Permission[] = [{ object: 'ledger', actions: ['create', 'read', 'update'], scope: 'all' }];
  expect((await security.api.admin.updateRole('rm', { permissions: perms })).permissions).toEqual(perms);
});
afterAll(async () => {
  await srv?.stop();
});

describe('money end to end', () => {
  it('adds 0.10 and 0.20 to exactly 0.30 (a float says 0.30000000000000004 ≠ 0.3)', async () => {
    const res = await submit({ a: '0.10', b: '0.20' });
    expect(res).toMatchObject({ total: '0.30', exact: true, above: false, echo: 0.3 });
    expect(await stored(res.id)).toMatchObject({ total: '0.30', echo: 0.3 });
  });

  it('rounds 2.675 half up to 2.68 at the money scale (toFixed on the double gives 2.67)', async () => {
    const res = await submit({ a: '2675.00', b: '0', fee_rate: '0.001' });
    expect(res).toMatchObject({ fee: '2.68', total: '2675.00' });
    const negative = await submit({ a: '-2675.00', b: '0', fee_rate: '0.001' });
    expect(negative.fee).toBe('-2.68');
    expect((await stored(res.id)).fee).toBe('2.68');
  });

  it(`keeps ${BIG} exact through a record write and read, a computed field and a rule`, async () => {
    const res = await submit({ a: BIG, b: '0.00' });
    expect(res).toMatchObject({ a: BIG, total: BIG, above: true, level: 'above', echo: BIG });
    const read = await rm.api.records.get('ledger', res.id);
    expect(read).toMatchObject({ a: BIG, total: BIG, above: true, level: 'above', echo: BIG });
    expect(await stored(res.id)).toMatchObject({ a: BIG, total: BIG, echo: BIG });

    // One cent less is not above 2^53 + 1: as doubles both are 9007199254740992 and compare equal.
    const below = await submit({ a: '9007199254740993.00', b: '0.00' });
    expect(below).toMatchObject({ total: '9007199254740993.00', above: false });
    expect(below.level).toBeNull();

    // An update through the records API recomputes from the stored decimals.
    const patched = await rm.api.records.update('ledger', res.id, { b: '0.01', version: read.version });
    expect(patched).toMatchObject({ a: BIG, b: '0.01', echo: '9007199254740993.02' });
  });

  it('starts a process only when the trigger condition holds on the decimal amount', async () => {
    const xml = chain('bigLedger', ['<bpmn:startEvent id="s"/>', '<bpmn:userTask id="look" crm:candidateGroups="rm"/>', '<bpmn:endEvent id="e"/>']);
    expect((await analyst.api.processes.deploy({ bpmnXml: xml })).key).toBe('bigLedger');
    const trigger = { processKey: 'bigLedger', object: 'ledger', on: 'created', condition: 'a > 9007199254740993 and record.total = 9007199254740993.01' } as const;
    expect(await analyst.api.triggers.create(trigger)).toMatchObject(trigger);
    const started = async (id: string) =>
      (await withClient(srv.dbUrl, (c) => c.query(`SELECT count(*)::int AS n FROM crm.wf_instances WHERE definition_key = 'bigLedger' AND business_key = $1`, [id]))).rows[0].n;
    const big = await submit({ a: BIG, b: '0' });
    expect(await started(big.id)).toBe(1);
    const below = await submit({ a: '9007199254740993.00', b: '0.01' });
    expect(below.total).toBe('9007199254740993.01');
    expect(await started(below.id)).toBe(0);
  });

  it('refuses amounts that are not decimal strings at the money scale, writing nothing', async () => {
    const count = async () => (await withClient(srv.dbUrl, (c) => c.query('SELECT count(*)::int AS n FROM crm_data.ledger'))).rows[0].n;
    const before = await count();
    for (const a of ['2.675', 2.5, 'abc', '1e3', '99999999999999999.00']) {
      const res = await refused(submit({ a }));
      expect(res.status).toBe(400);
      expect(res.fieldErrors.map((d) => d.path)).toContain('/a');
    }
    expect(await count()).toBe(before);
  });
});
