/**
 * Issue 17: the database round trips of the hot paths, read from the counters in /metrics
 * (crm_db_queries_total{route}, crm_db_round_trips{method,route}) so a change that adds a query to
 * a form submission, a record create, a list page or a workflow step fails here instead of going
 * unseen. Each budget is checked per request (every request falls in the histogram's bucket of the
 * budget) and on the counter (statements sent after the response count too).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { as } from '../harness/http.js';
import { scrape, valueOf } from '../harness/metrics.js';
import { until } from '../harness/until.js';
import { chain } from './workflow-bpmn.js';
import { withClient } from '../harness/db.js';

type Api = Awaited<ReturnType<typeof as>>;
let srv: TestServer;
let analyst: Api;
let manager: Api;

const FIELDS = [
  { key: 'name', label: '姓名', type: 'text', required: true },
  { key: 'amount', label: '金额', type: 'money' },
  { key: 'channel', label: '渠道', type: 'select', options: { choices: [{ value: 'app', label: 'APP' }, { value: 'branch', label: '网点' }] } },
  { key: 'mobile', label: '手机', type: 'phone', sensitivity: 3 },
];
const ROW = { name: '张伟', amount: '12345.67', channel: 'app', mobile: '13800138000' };

/** Runs `n` requests to one route and answers what they sent: per request (max, from the histogram) and in all. */
async function measure(method: string, route: string, n: number, once: (i: number) => Promise<void>) {
  const labels = { method, route };
  const before = await scrape(srv.baseUrl);
  for (let i = 0; i < n; i++) await once(i);
  const after = await scrape(srv.baseUrl);
  const delta = (name: string, l: Record<string, string>) => valueOf(after, name, l) - valueOf(before, name, l);
  const requests = delta('crm_db_round_trips_count', labels);
  const within = (budget: number) => delta('crm_db_round_trips_bucket', { ...labels, le: String(budget) });
  return {
    requests,
    within,
    roundTrips: delta('crm_db_round_trips_sum', labels),
    // Statements the route sent, responses or not, less the refills of per-process caches (paid once in a while).
    queries: delta('crm_db_queries_total', { route }) - delta('crm_db_cache_refill_queries_total', { route }),
    refills: delta('crm_db_cache_refill_queries_total', { route }),
  };
}

function expectBudget(m: Awaited<ReturnType<typeof measure>>, n: number, budget: number) {
  expect(m.requests).toBe(n);
  // Every request within the budget, and the statements sent, responses or not, too.
  expect(m.within(budget)).toBe(n);
  expect(m.queries).toBeLessThanOrEqual(budget * n);
  expect(m.roundTrips).toBeLessThanOrEqual(budget * n);
}

beforeAll(async () => {
  srv = await startServer();
  analyst = await as(srv.baseUrl, 'analyst');
  manager = await as(srv.baseUrl, 'manager');
  expect((await analyst.post('/api/meta/objects', { key: 'visit', label: '拜访', fields: FIELDS })).status).toBe(201);
  const layout = [{ type: 'section', items: FIELDS.map((f) => ({ field: f.key })) }];
  expect((await analyst.post('/api/meta/forms', { key: 'visit_form', object: 'visit', title: '拜访', layout, rules: [{ when: 'amount > 100000', require: ['mobile'] }] })).status).toBe(201);
  expect((await analyst.post('/api/meta/forms/visit_form/publish')).status).toBe(201);
  // Warm the per-process caches (users, permissions, metadata, the form's compiled validator).
  expect((await analyst.post('/api/forms/visit_form/submit', ROW)).status).toBe(201);
  expect((await analyst.post('/api/records/visit', ROW)).status).toBe(201);
  expect((await analyst.get('/api/records/visit?limit=5')).status).toBe(200);
}, 120000);
afterAll(async () => {
  await srv?.stop();
});

describe('the counters in /metrics', () => {
  it('name each route by its pattern: never the raw path, an id or a probe for routes that do not exist', async () => {
    const created = await analyst.post('/api/records/visit', ROW);
    await analyst.get(`/api/records/visit/${created.body.id}`);
    await analyst.get('/api/no-such-route-zz9plural');
    const text = await (await fetch(`${srv.baseUrl}/metrics`)).text();
    expect(text).toContain('crm_db_queries_total{route="/api/records/:object/:id"}');
    expect(text).toMatch(/crm_db_round_trips_bucket\{[^}]*route="\/api\/records\/:object\/:id"/);
    expect(text).not.toContain(created.body.id);
    expect(text).not.toContain('zz9plural');
    // No statement text or bound value reaches the metrics.
    expect(text).not.toContain('张伟');
    expect(text).not.toMatch(/INSERT|SELECT/);
  });

  it('count work outside requests as background, not against a route', async () => {
    const before = valueOf(await scrape(srv.baseUrl), 'crm_db_queries_total', { route: '(background)' });
    // Job polling runs all the time; background keeps rising while nothing is requested.
    await until(async () => valueOf(await scrape(srv.baseUrl), 'crm_db_queries_total', { route: '(background)' }) > before, { ms: 30000 });
  });

  it('count a request that reads the database, and zero for one that does not', async () => {
    const me = await measure('GET', '/api/health/live', 3, async () => {
      expect((await fetch(`${srv.baseUrl}/api/health/live`)).status).toBe(200);
    });
    expect(me.requests).toBe(3);
    expect(me.within(0)).toBe(3);
    const health = await measure('GET', '/api/health', 2, async () => {
      expect((await fetch(`${srv.baseUrl}/api/health`)).status).toBe(200);
    });
    // /api/health asks PostgreSQL: the counter sees it (so a budget of 0 elsewhere is not an artefact).
    expect(health.queries).toBeGreaterThanOrEqual(2);
    expect(health.within(0)).toBe(0);
  });
});

describe('budgets of the hot paths', () => {
  it('a form submission is one statement', async () => {
    const m = await measure('POST', '/api/forms/:key/submit', 5, async (i) => {
      const r = await analyst.post('/api/forms/visit_form/submit', { ...ROW, name: `客户${i}` });
      expect(r.status).toBe(201);
    });
    expectBudget(m, 5, 1);
  });

  it('counts cache refills too, apart: a newly published version is read once, and the submission itself stays one statement', async () => {
    expect((await analyst.post('/api/meta/forms/visit_form/publish')).status).toBe(201);
    const m = await measure('POST', '/api/forms/:key/submit', 1, async () => {
      const r = await analyst.post('/api/forms/visit_form/submit', { ...ROW, name: '新版本' });
      expect(r.status).toBe(201);
      expect(r.body.form_version).toBe(2);
    });
    // The latest version and its definition were read (refills), on top of the one INSERT.
    expect(m.refills).toBeGreaterThanOrEqual(2);
    expectBudget(m, 1, 1);
    const total = (await scrape(srv.baseUrl)).filter((x) => x.name === 'crm_db_queries_total' && x.labels.route === '/api/forms/:key/submit');
    expect(total).toHaveLength(1);
  });

  it('a record create is one statement', async () => {
    const m = await measure('POST', '/api/records/:object', 5, async (i) => {
      const r = await analyst.post('/api/records/visit', { ...ROW, name: `记录${i}` });
      expect(r.status).toBe(201);
    });
    expectBudget(m, 5, 1);
  });

  it('a record create with auto numbers is one statement too: numbers in order, none lost or repeated, the audit entry names them', async () => {
    const fields = [
      { key: 'title', label: '名称', type: 'text', required: true },
      { key: 'case_no', label: '案件号', type: 'auto_number', options: { pattern: 'AJ{yyyyMMdd}{seq:2}' } },
      { key: 'ref_no', label: '参考号', type: 'auto_number', options: { pattern: 'R{seq:4}' } },
    ];
    expect((await analyst.post('/api/meta/objects', { key: 'case_file', label: '案件', fields })).status).toBe(201);
    const first = await analyst.post('/api/records/case_file', { title: '预热' });
    expect(first.status).toBe(201);
    expect(first.body.case_no).toMatch(/^AJ\d{8}01$/);
    expect(first.body.ref_no).toBe('R0001');
    const m = await measure('POST', '/api/records/:object', 3, async (i) => {
      // A number the caller sends is not taken: the platform draws it.
      const r = await analyst.post('/api/records/case_file', { title: `案件${i}`, ref_no: 'R9999' });
      expect(r.status).toBe(201);
      expect(r.body.ref_no).toBe(`R000${i + 2}`);
    });
    expectBudget(m, 3, 1);
    // Concurrent creates: distinct consecutive numbers, past the pattern's width without being cut.
    const many = await Promise.all(Array.from({ length: 120 }, (_, i) => analyst.post('/api/records/case_file', { title: `并发${i}` })));
    expect(many.every((r) => r.status === 201)).toBe(true);
    const seqs = many.map((r) => Number(String(r.body.case_no).slice(10))).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 120 }, (_, i) => i + 5));
    expect(many.some((r) => /^AJ\d{8}\d{3}$/.test(r.body.case_no))).toBe(true);
    const rows = await withClient(srv.dbUrl, (c) => c.query(`SELECT record_id, data FROM crm.audit_log WHERE action = 'record.create' AND object = 'case_file'`));
    expect(rows.rows).toHaveLength(124);
    const byId = new Map(many.map((r) => [r.body.id, r.body]));
    for (const a of rows.rows) {
      const rec = byId.get(a.record_id);
      if (rec) expect(a.data.after).toMatchObject({ case_no: rec.case_no, ref_no: rec.ref_no, title: rec.title });
    }
  });

  it('a failed create draws no number (the statement fails whole)', async () => {
    // The highest number drawn so far (concurrent creates above share creation times, so not the newest row).
    const before = (await analyst.post('/api/records/case_file/query', { sort: '-ref_no', limit: 1 })).body.items[0].ref_no;
    // The title is required: 400 before the database, no number drawn.
    expect((await analyst.post('/api/records/case_file', {})).status).toBe(400);
    expect((await analyst.post('/api/meta/objects/case_file/fields', { key: 'code', label: '代码', type: 'text', unique: true })).status).toBe(201);
    expect((await analyst.post('/api/records/case_file', { title: 'A', code: 'X1' })).status).toBe(201);
    const dup = await analyst.post('/api/records/case_file', { title: 'B', code: 'X1' });
    expect(dup.status).toBe(409);
    const next = await analyst.post('/api/records/case_file', { title: 'C', code: 'X2' });
    expect(next.status).toBe(201);
    // before + 1 for 'A', + 2 for 'C': the refused duplicate's number was rolled back with it.
    expect(Number(next.body.ref_no.slice(1))).toBe(Number(before.slice(1)) + 2);
  });

  it('an encrypted auto number still gets its number (through the transaction path)', async () => {
    const fields = [
      { key: 'title', label: '名称', type: 'text', required: true },
      { key: 'secret_no', label: '密号', type: 'auto_number', options: { pattern: 'S{seq:3}' }, sensitivity: 3 },
    ];
    expect((await analyst.post('/api/meta/objects', { key: 'sealed_file', label: '密档', fields })).status).toBe(201);
    const a = await analyst.post('/api/records/sealed_file', { title: '一' });
    const b = await analyst.post('/api/records/sealed_file', { title: '二' });
    expect([a.status, b.status]).toEqual([201, 201]);
    const stored = await withClient(srv.dbUrl, (c) => c.query(`SELECT prefix, last_value::int AS last_value FROM crm.auto_numbers WHERE object_key = 'sealed_file'`));
    expect(stored.rows).toEqual([{ prefix: 'S', last_value: 2 }]);
  });

  it('a refused submission costs no statement (400 before the database)', async () => {
    const m = await measure('POST', '/api/forms/:key/submit', 3, async () => {
      const r = await analyst.post('/api/forms/visit_form/submit', { ...ROW, amount: '200000', mobile: undefined });
      expect(r.status).toBe(400);
    });
    expectBudget(m, 3, 0);
  });

  it('a list page is at most two statements, with or without the total', async () => {
    const filter = encodeURIComponent(JSON.stringify({ channel: 'app', amount: { $gte: '100' } }));
    let cursor: string | null = null;
    const m = await measure('GET', '/api/records/:object', 4, async (i) => {
      const total = i % 2 === 0 ? '&total=true' : '';
      const after: string = i > 1 && cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const r = await analyst.get(`/api/records/visit?filter=${filter}&sort=-created_at&limit=3${total}${after}`);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeGreaterThan(0);
      if (total) expect(r.body.total).toBeGreaterThanOrEqual(r.body.items.length);
      cursor = r.body.nextCursor;
    });
    expectBudget(m, 4, 2);
    const q = await measure('POST', '/api/records/:object/query', 2, async () => {
      const r = await analyst.post('/api/records/visit/query', { filter: { channel: 'app' }, limit: 3, total: true });
      expect(r.status).toBe(200);
    });
    expectBudget(q, 2, 2);
  });

  it('a list page answers the same total as counting, also past its last row', async () => {
    const all = await analyst.post('/api/records/visit/query', { filter: { channel: 'app' }, limit: 200 });
    const n = all.body.items.length;
    expect(n).toBeGreaterThan(3);
    let cursor: string | null = null;
    let seen = 0;
    let pages = 0;
    do {
      const page: { status: number; body: { items: unknown[]; nextCursor: string | null; total: number } } = await analyst.post('/api/records/visit/query', { filter: { channel: 'app' }, limit: 2, total: true, ...(cursor ? { cursor } : {}) });
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(n);
      seen += page.body.items.length;
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toBe(n);
    expect(pages).toBe(Math.ceil(n / 2));
    // A filter nothing matches: total 0 in the same statement.
    const none = await measure('POST', '/api/records/:object/query', 1, async () => {
      const r = await analyst.post('/api/records/visit/query', { filter: { name: '无此人' }, total: true });
      expect(r.body).toEqual({ items: [], nextCursor: null, total: 0 });
    });
    expect(none.within(1)).toBe(1);
    // Someone deletes the rows after the caller's cursor: the next page is empty and its total is
    // asked apart (two statements, still within the budget) rather than answered wrongly as 0.
    const first = await analyst.post('/api/records/visit/query', { filter: { channel: 'app' }, limit: n - 1 });
    const shown = new Set(first.body.items.map((r: { id: string }) => r.id));
    const rest = all.body.items.filter((r: { id: string }) => !shown.has(r.id));
    expect(rest).toHaveLength(1);
    expect((await analyst.del(`/api/records/visit/${rest[0].id}`)).status).toBe(204);
    const past = await measure('POST', '/api/records/:object/query', 1, async () => {
      const r = await analyst.post('/api/records/visit/query', { filter: { channel: 'app' }, limit: 5, total: true, cursor: first.body.nextCursor });
      expect(r.body).toEqual({ items: [], nextCursor: null, total: n - 1 });
    });
    expect(past.within(1)).toBe(0);
    expect(past.within(2)).toBe(1);
  });

  it('a malformed list request is refused before any statement', async () => {
    const m = await measure('GET', '/api/records/:object', 3, async (i) => {
      const bad = ['filter=%7Bnot-json', 'limit=100000', `filter=${encodeURIComponent(JSON.stringify({ name: { $regex: '.*' } }))}`][i]!;
      expect((await analyst.get(`/api/records/visit?${bad}`)).status).toBe(400);
    });
    expectBudget(m, 3, 0);
  });
});

/**
 * A workflow step is one read and one guarded write, with no transaction (WorkflowRuntime.step): 2,
 * however many instances a signal reaches; completing a task this process opened needs no read (1).
 */
const STEP_BUDGET = { start: 2, complete: 1, message: 2, signalToThree: 2 };

describe('budgets of a workflow step', () => {
  it('start, complete a task, correlate a message and broadcast a signal within the budget', async () => {
    const xml = chain('budget', [
      '<bpmn:startEvent id="s" crm:inputs="orderId"/>',
      '<bpmn:userTask id="t1" crm:candidateGroups="manager"/>',
      '<bpmn:intermediateCatchEvent id="paid"><bpmn:messageEventDefinition messageRef="Msg_paid"/></bpmn:intermediateCatchEvent>',
      '<bpmn:intermediateCatchEvent id="go"><bpmn:signalEventDefinition signalRef="Sig_go"/></bpmn:intermediateCatchEvent>',
      '<bpmn:endEvent id="e"/>',
    ], { extra: '<bpmn:message id="Msg_paid" name="budgetPaid" crm:correlationKey="=orderId"/><bpmn:signal id="Sig_go" name="budgetGo"/>' });
    expect((await analyst.post('/api/process-definitions', { bpmnXml: xml })).status).toBe(201);
    const started: { id: string }[] = [];
    const s = await measure('POST', '/api/process-definitions/:key/start', 3, async (i) => {
      const r = await manager.post('/api/process-definitions/budget/start', { variables: { orderId: `O-${i}` } });
      expect(r.status).toBe(201);
      started.push(r.body);
    });
    const tasks = (await manager.get('/api/tasks?scope=candidate')).body.items.filter((t: { processInstanceId: string }) => started.some((i) => i.id === t.processInstanceId));
    expect(tasks).toHaveLength(3);
    const c = await measure('POST', '/api/tasks/:id/complete', 3, async (i) => {
      expect((await manager.post(`/api/tasks/${tasks[i].id}/complete`, {})).status).toBe(200);
    });
    const m = await measure('POST', '/api/messages', 3, async (i) => {
      expect((await manager.post('/api/messages', { name: 'budgetPaid', correlationKey: `O-${i}` })).body).toEqual({ correlated: 1 });
    });
    const g = await measure('POST', '/api/signals', 1, async () => {
      expect((await manager.post('/api/signals', { name: 'budgetGo' })).body).toEqual({ triggered: 3 });
    });
    for (const i of started) expect((await manager.get(`/api/process-instances/${i.id}`)).body.state).toBe('completed');
    expectBudget(s, 3, STEP_BUDGET.start);
    expectBudget(c, 3, STEP_BUDGET.complete);
    expectBudget(m, 3, STEP_BUDGET.message);
    expectBudget(g, 1, STEP_BUDGET.signalToThree);
  });
});
