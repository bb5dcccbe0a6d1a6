/**
 * Holdings totals and AUM stay SQL numeric end to end: amounts past 2^53 and tenths that floats
 * round keep every cent, in the stored AUM (recomputed in the writer's transaction and by the
 * periodic job) and in the 360° view's totals. The periodic job takes its lock inside a transaction,
 * so no connection is ever left holding it after a run.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { as } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';
import { idNumber } from './access-setup.js';

type Client = Awaited<ReturnType<typeof as>>;
const BANK_JOBS_LOCK = 7_240_030;

let srv: TestServer;
let compliance: Client;
let customer: string;

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '0', CRM_BANK_JOBS_MS: '300' }, timeoutMs: 120000 });
  const [security, admin] = await Promise.all([as(srv.baseUrl, 'security'), as(srv.baseUrl, 'admin')]);
  compliance = await as(srv.baseUrl, 'compliance');
  // Holdings come from core banking: a feed account that may write them.
  const feedRole = await security.api.admin.createRole({ key: 'core_feed', name: '核心系统同步', permissions: [
    { object: 'holding', actions: ['create', 'read'], scope: 'all' },
    { object: 'customer', actions: ['read'], scope: 'all' },
    { object: 'product', actions: ['read'], scope: 'all' },
  ] });
  expect(feedRole.key).toBe('core_feed');
  expect((await admin.api.admin.createUser({ username: 'core-feed', password: 'Demo@2026', displayName: '核心同步', roles: ['core_feed'] })).roles).toEqual(['core_feed']);
  const feed = await as(srv.baseUrl, 'core-feed');
  const rm = await as(srv.baseUrl, 'rm');
  customer = (await rm.api.records.create('customer', { customer_type: 'individual', name: '精确余额', id_number: idNumber('31011519850615303') })).id;
  const product = (await feed.api.records.list('product', { limit: 1 })).items[0]!.id;
  const holdings: [string, string, string][] = [
    ['deposit', '9007199254740992.00', 'active'], ['wealth', '1.01', 'active'], ['fund', '0.10', 'active'],
    ['insurance', '0.20', 'active'], ['loan', '5.00', 'active'], ['deposit', '100.00', 'closed'],
  ];
  for (const [category, balance, status] of holdings) {
    expect(await feed.api.records.create('holding', { customer, product, category, balance, status })).toMatchObject({ balance, version: 1 });
  }
}, 150000);

afterAll(async () => {
  await srv?.stop();
});

const AUM = '9007199254740993.31';
const storedAum = async () => (await compliance.api.records.get('customer', customer)).aum;

describe('AUM and holdings totals in SQL numeric', () => {
  it('stores the exact AUM when holdings change (2^53 + 1.01 + 0.1 + 0.2; loans and closed holdings left out)', async () => {
    expect(await storedAum()).toBe(AUM);
  });

  it('shows the exact totals in the 360° view', async () => {
    const v = await compliance.api.customers.get360(customer);
    expect(v.metrics).toMatchObject({ aum: AUM, depositBalance: '9007199254740992.00', wealthBalance: '1.11', loanBalance: '5.00' });
  });

  it('the periodic job puts the exact AUM back, and leaves no connection holding its lock', async () => {
    // Only the periodic job writes it back (nothing else changes the customer or its holdings now).
    await withClient(srv.dbUrl, (c) => c.query('UPDATE crm_data.customer SET aum = 0 WHERE id = $1', [customer]));
    await until(async () => (await storedAum()) === AUM);
    // A session-level lock taken through the pool stays with an idle connection; a transaction's never does.
    const idleHolders = await withClient(srv.dbUrl, async (c) => (await c.query(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.objid = $1 AND a.state = 'idle'`, [BANK_JOBS_LOCK])).rows[0].n);
    expect(idleHolders).toBe(0);
  });
});
