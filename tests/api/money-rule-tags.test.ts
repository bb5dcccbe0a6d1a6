/**
 * Rule tags compare amounts as decimals: holdings are summed in SQL numeric and added as decimals,
 * the customer's own money fields reach the rule as decimals, so a rule on 2^53 + 1 tells one cent
 * apart and 0.10 + 0.20 is exactly 0.30 (as doubles, neither holds).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import type { Permission, RecordData } from '@crm/shared';
import { as, client } from '../harness/http.js';

type Client = ReturnType<typeof client>;
let srv: TestServer;
let analyst: Client;
const products: Record<string, string> = {};

const BIG = '9007199254740993.01';
const TAGS = [
  { code: 'above_2p53', rule: 'aum > 9007199254740993' },
  { code: 'exactly_030', rule: 'aum = 0.3 and deposit_balance + wealth_balance = 0.3' },
  { code: 'capital_above_2p53', rule: 'registered_capital > 9007199254740993' },
];

async function customer(values: Record<string, unknown>, holdings: [category: string, balance: string][]): Promise<RecordData & { rule_tags?: string[] }> {
  const c = await analyst.api.records.create('customer', { customer_type: 'corporate', name: '某某公司', ...values });
  for (const [category, balance] of holdings) {
    expect(await analyst.api.records.create('holding', { customer: c.id, product: products[category], category, balance })).toMatchObject({ customer: c.id, balance });
  }
  return analyst.api.records.get('customer', c.id);
}

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'none', CRM_DEMO_CUSTOMERS: '0' } });
  analyst = await as(srv.baseUrl, 'analyst');
  expect((await analyst.api.templates.install('bank-crm')).changed).toBe(true);
  const security = await as(srv.baseUrl, 'security');
  const role = await security.api.admin.getRole('analyst');
  const feed = ['customer', 'holding', 'product', 'customer_tag'].map((object): Permission => ({ object, actions: ['create', 'read', 'update'], scope: 'all' }));
  expect((await security.api.admin.updateRole('analyst', { permissions: [...role.permissions, ...feed] })).permissions).toEqual(expect.arrayContaining(feed));
  for (const category of ['deposit', 'wealth']) {
    products[category] = (await analyst.api.records.create('product', { code: `P-${category}`, name: category, category })).id;
  }
  for (const t of TAGS) {
    expect(await analyst.api.records.create('customer_tag', { ...t, name: t.code, kind: 'rule', active: true })).toMatchObject(t);
  }
}, 120000);
afterAll(async () => {
  await srv?.stop();
});

describe('rule tags on decimal amounts', () => {
  it(`tags an AUM of ${BIG} as above 2^53 + 1 and keeps its cents`, async () => {
    const c = await customer({}, [['deposit', BIG]]);
    expect(c.aum).toBe(BIG);
    expect(c.rule_tags).toContain('above_2p53');
  });

  it('does not tag one cent less (as doubles the two are equal)', async () => {
    const c = await customer({}, [['deposit', '9007199254740993.00']]);
    expect(c.aum).toBe('9007199254740993.00');
    expect(c.rule_tags ?? []).not.toContain('above_2p53');
  });

  it('adds 0.10 of deposits and 0.20 of wealth to exactly 0.30', async () => {
    const c = await customer({}, [['deposit', '0.10'], ['wealth', '0.20']]);
    expect(c.aum).toBe('0.30');
    expect(c.rule_tags).toContain('exactly_030');
  });

  it("reads the customer's own money field as a decimal", async () => {
    const c = await customer({ registered_capital: BIG }, []);
    expect(c.registered_capital).toBe(BIG);
    expect(c.rule_tags).toContain('capital_above_2p53');
    const lower = await customer({ registered_capital: '9007199254740993.00' }, []);
    expect(lower.rule_tags ?? []).not.toContain('capital_above_2p53');
  });
});
