/**
 * Issue 20 on the demo bank: a customer manager cannot reach another team's customer through a
 * relation (a loan application, guarantor links that would flag a guarantee circle), and the masked
 * ID numbers rm sees cannot be rebuilt from what rm sees next to them (birth date, gender, district,
 * address). The reconstruction is tried for real and shown to succeed against the former mask.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { maskValue } from '@crm/form-engine';
import { startServer, type TestServer } from '../harness/server.js';
import type { Page, RecordData } from '@crm/shared';
import { as, refused } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { checkChar, idCandidates, oldMask, REGION_CODES } from './id-reconstruction.js';
import { fieldCanon } from '../../apps/server/src/templates/pack-parts.js';
import { fingerprint } from '../../apps/server/src/templates/three-way.js';

type Client = Awaited<ReturnType<typeof as>>;

let srv: TestServer;
let rm: Client, compliance: Client, analyst: Client;
let mine: RecordData;
let foreign: RecordData;

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '400' }, timeoutMs: 120000 });
  [rm, compliance, analyst] = await Promise.all(['rm', 'compliance', 'analyst'].map((u) => as(srv.baseUrl, u)));
  const me = await rm.api.me();
  mine = (await rm.api.records.query('customer', { filter: { owner_id: me.id, customer_type: 'individual' }, limit: 1 })).items[0]!;
  // A customer of another branch, in no guarantee circle yet.
  const other = await compliance.api.records.query('customer', { filter: { province: '浙江省', in_guarantee_circle: false }, limit: 1 });
  foreign = other.items[0]!;
  expect(mine?.id).toBeDefined();
  expect(foreign?.id).toBeDefined();
  expect((await refused(rm.api.records.get('customer', foreign.id))).status).toBe(404);
}, 150000);

afterAll(async () => {
  await srv?.stop();
});

const count = (sql: string, params: unknown[]) => withClient(srv.dbUrl, async (c) => (await c.query(sql, params)).rows[0].n as number);

describe('relations stay inside the writer’s scope', () => {
  it("refuses a loan application for another team's customer, and starts nothing", async () => {
    const instances = () => count(`SELECT count(*)::int AS n FROM crm.wf_instances`, []);
    const before = await instances();
    const r = await refused(rm.api.records.create('loan_application', { customer: foreign.id, amount: '300000.00', term_months: 12, purpose: '经营周转' }));
    expect(r.status).toBe(400);
    expect({ code: r.code, details: r.details }).toMatchObject({ code: 'records.bad_reference', details: [{ path: '/customer', code: 'reference', message: expect.any(String) }] });
    expect(await count(`SELECT count(*)::int AS n FROM crm_data.loan_application WHERE customer = $1`, [foreign.id])).toBe(0);
    expect(await instances()).toBe(before);
    // The writer's own customer still works.
    expect(await rm.api.records.create('loan_application', { customer: mine.id, amount: '300000.00', term_months: 12, purpose: '装修' })).toMatchObject({ customer: mine.id, version: 1 });
  });

  it("never lets two guarantor links flag another team's customer in a guarantee circle", async () => {
    const there = await refused(rm.api.records.create('relationship', { from_customer: mine.id, to_customer: foreign.id, rel_type: 'guarantor', guarantee_amount: '1000000.00' }));
    const back = await refused(rm.api.records.create('relationship', { from_customer: foreign.id, to_customer: mine.id, rel_type: 'guarantor', guarantee_amount: '1000000.00' }));
    expect([there.status, back.status]).toEqual([400, 400]);
    expect(there.details).toEqual([expect.objectContaining({ path: '/to_customer', code: 'reference' })]);
    expect(back.details).toEqual([expect.objectContaining({ path: '/from_customer', code: 'reference' })]);
    expect(await count(`SELECT count(*)::int AS n FROM crm_data.relationship WHERE $1 IN (from_customer, to_customer) AND created_by = (SELECT id FROM crm.users WHERE username = 'rm')`, [foreign.id])).toBe(0);
    expect(await analyst.api.customers.detectGuaranteeCircles()).toEqual({ circles: expect.any(Number), customers: expect.any(Number) });
    expect((await compliance.api.records.get('customer', foreign.id)).in_guarantee_circle).toBe(false);
  });

  it('keeps platform writes working: the pack installs again over the demo bank', async () => {
    expect(await analyst.api.templates.install('bank-crm')).toMatchObject({ key: 'bank-crm', changes: expect.any(Array) });
  });
});

describe('masked ID numbers cannot be rebuilt from what rm sees', () => {
  const WHAT_RM_SEES = ['id_number', 'birth_date', 'gender', 'province', 'city', 'district', 'address'];

  it('the enumeration rebuilds numbers under the former mask and not under the current one (no server)', () => {
    const field = { key: 'id_number', label: '身份证号', type: 'cn_id_number' as const, sensitivity: 3 as const };
    const codes = [...REGION_CODES.values()];
    let minimum = Infinity;
    for (let i = 0; i < 300; i++) {
      const region = codes[i % codes.length]!;
      const birth = `19${String(50 + (i % 50)).padStart(2, '0')}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
      const body = `${region}${birth.replace(/-/g, '')}${String((i * 37) % 1000).padStart(3, '0')}`;
      const id = body + checkChar(body);
      const seen = { district: [...REGION_CODES].find(([, c]) => c === region)![0], birthDate: birth, gender: Number(id[16]) % 2 ? 'M' : 'F' };
      expect(idCandidates(oldMask(id), seen)).toEqual([id]);
      const now = idCandidates(String(maskValue(field, id)), seen);
      expect(now).toContain(id);
      minimum = Math.min(minimum, now.length);
    }
    expect(minimum).toBeGreaterThanOrEqual(10);
  });

  it('every individual customer rm sees keeps at least 10 candidates, though the former mask gave each away', async () => {
    const seen: Record<string, any>[] = [];
    let cursor: string | null = null;
    do {
      const r: Page<RecordData> = await rm.api.records.query('customer', {
        filter: { customer_type: 'individual' }, fields: WHAT_RM_SEES, limit: 200, ...(cursor ? { cursor } : {}),
      });
      seen.push(...r.items);
      cursor = r.nextCursor;
    } while (cursor);
    expect(seen.length).toBeGreaterThan(10);
    // The quasi-identifiers are in clear for rm: the strongest attacker this test can model.
    for (const c of seen) {
      expect(c.birth_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(['M', 'F']).toContain(c.gender);
      expect(REGION_CODES.has(c.district)).toBe(true);
    }
    const clear = new Map<string, string>();
    for (let i = 0; i < seen.length; i += 200) {
      const r = await compliance.api.records.query('customer', { filter: { id: { $in: seen.slice(i, i + 200).map((c) => c.id) } }, fields: ['id_number'], limit: 200 });
      for (const c of r.items) clear.set(c.id, String(c.id_number));
    }
    expect(clear.size).toBe(seen.length);

    const rebuilt: string[] = [];
    const counts: number[] = [];
    for (const c of seen) {
      const truth = clear.get(c.id)!;
      const quasi = { district: c.district, address: c.address, birthDate: c.birth_date, gender: c.gender };
      // What rm would have had before: the number, every time.
      if (idCandidates(oldMask(truth), quasi).join() === truth) rebuilt.push(c.id);
      const candidates = idCandidates(c.id_number, quasi);
      expect(candidates).toContain(truth);
      counts.push(candidates.length);
    }
    expect(rebuilt.length).toBe(seen.length);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(10);
    // Nothing else in rm's view narrows it: the mask shows one leading and one trailing character.
    for (const c of seen) expect(c.id_number).toMatch(/^\d\*{16}[\dX]$/);
  });

  it('shows audit entries written under the former mask with today’s mask', async () => {
    // An entry as the trail held it before this policy (insert-only: it cannot be rewritten).
    const old = { before: { id_number: '310***********1622', mobile: '138****8000' }, after: { id_number: '310***********1622' }, changed: ['note'] };
    await withClient(srv.dbUrl, (c) => c.query(`INSERT INTO crm.audit_log (actor_name, action, object, record_id, data) VALUES ('rm', 'record.update', 'customer', $1, $2)`, [mine.id, JSON.stringify(old)]));
    const security = await as(srv.baseUrl, 'security');
    const auditor = await as(srv.baseUrl, 'auditor');
    expect((await security.api.admin.updateRole('auditor', { permissions: [{ object: 'customer', actions: ['read'], scope: 'all' }] })).permissions).toHaveLength(1);
    try {
      const r = await auditor.api.audit.list({ object: 'customer', recordId: mine.id, action: 'record.update' });
      const entry = r.items.find((i: any) => i.actorName === 'rm' && i.data.changed?.[0] === 'note');
      expect(entry?.data).toMatchObject({ before: { id_number: '3****************2', mobile: '138****8000' }, after: { id_number: '3****************2' } });
      expect(JSON.stringify(r)).not.toContain('310***');
    } finally {
      expect((await security.api.admin.updateRole('auditor', { permissions: [] })).permissions).toEqual([]);
    }
  });
});

describe('account numbers masked by type (holding.account_no, pack 1.5.0: mask "#### **** **** ####")', () => {
  const SHAPED = /^6222 \*{4} \*{4} \d{4}$/;
  let holding: RecordData;
  let clear: string;
  const rmSees = async () => String((await rm.api.records.get('holding', holding.id)).account_no);

  beforeAll(async () => {
    holding = (await rm.api.records.query('holding', { filter: { customer: mine.id }, limit: 1 })).items[0]!;
    expect(holding?.id).toBeDefined();
    clear = String((await compliance.api.records.get('holding', holding.id)).account_no);
  });

  it('rm sees the shape in records, lists, the 360° view and exports; compliance (unmask) sees the number', async () => {
    expect(clear).toMatch(/^6222\d{15}$/);
    expect(holding.account_no).toBe(`6222 **** **** ${clear.slice(-4)}`);
    expect(await rmSees()).toMatch(SHAPED);
    const v360 = await rm.api.customers.get360(mine.id);
    const shown = (v360.holdings.items as RecordData[]).map((h) => h.account_no).filter((a) => a !== null);
    expect(shown.length).toBeGreaterThan(0);
    for (const a of shown) expect(a).toMatch(SHAPED);
    // Exports: rm may export holdings for this check (the security administrator grants it, then takes it back).
    const security = await as(srv.baseUrl, 'security');
    const perms = (await security.api.admin.getRole('rm')).permissions;
    const withExport = perms.map((x) => (x.object === 'holding' ? { ...x, actions: [...x.actions, 'export' as const] } : x));
    await security.api.admin.updateRole('rm', { permissions: withExport });
    try {
      const csv = await (await rm.api.records.export('holding', { format: 'csv', filter: JSON.stringify({ customer: mine.id }) })).text();
      expect(csv).toContain(`6222 **** **** ${clear.slice(-4)}`);
      expect(csv).not.toContain(clear);
    } finally {
      await security.api.admin.updateRole('rm', { permissions: perms });
    }
    // Filtering on what one sees masked would reveal it digit by digit.
    expect((await refused(rm.api.records.query('holding', { filter: { account_no: clear }, limit: 1 }))).status).toBe(400);
  });

  it('refuses a malformed shape (400), and the pack upgrade sets the mask on an install that lacks it', async () => {
    const bad = await refused(analyst.api.meta.updateField('holding', 'account_no', { options: { mask: '#### 1234' } }));
    expect(bad.status).toBe(400);
    // An install of pack 1.4.0: the field without a mask, recorded as the pack installed it.
    const old = await analyst.api.meta.updateField('holding', 'account_no', { options: null } as never);
    expect(old.options).toBeUndefined();
    expect(await rmSees()).toBe(clear);
    await withClient(srv.dbUrl, async (c) => {
      await c.query(`UPDATE crm.pack_parts SET fingerprint = $1 WHERE pack = 'bank-crm' AND part = 'field:holding.account_no'`, [fingerprint(fieldCanon(old))]);
      await c.query(`UPDATE crm.settings SET value = jsonb_set(value, '{version}', '"1.4.0"') WHERE key = 'template:bank-crm'`);
    });
    const up = await analyst.api.templates.install('bank-crm');
    expect(up).toMatchObject({ version: '1.6.1', conflicts: [] });
    expect(up.changes).toContain('field holding.account_no (updated)');
    expect((await analyst.api.meta.getObject('holding')).fields.find((f) => f.key === 'account_no')?.options).toEqual({ mask: '#### **** **** ####' });
    expect(await rmSees()).toMatch(SHAPED);
    expect(String((await compliance.api.records.get('holding', holding.id)).account_no)).toBe(clear);
  });
});
