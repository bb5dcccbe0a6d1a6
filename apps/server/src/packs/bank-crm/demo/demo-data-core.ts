/**
 * The demo bank's data: customers (individual and corporate, valid ID numbers and USCCs), holdings,
 * relationships with a few guarantee circles, interactions and consents, spread over the demo org's
 * teams and their customer managers. Rows go in with multi-row INSERT … SELECT unnest(…) in batches
 * (one round trip per table per batch), sensitive fields encrypted with the server's FieldCrypto, so a
 * million customers load in minutes. Tables and columns come from the installed template's metadata.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { FeelDecimal } from '@crm/feel';
import type { FieldDef } from '@crm/form-engine';
import type { FieldCrypto } from '../../../crypto/field-crypto.js';
import { hashColumn, isEncrypted, quoteIdent, tableOf } from '../../../metadata/field-types.js';
import { encodeValues, sqlCastFor } from '../../../records/record-codec.js';
import { hashPassword } from '../../../auth/password.js';
import { aggregates, circleId, compileRules, evaluateRuleTags } from '../customers/rule-tags.js';
import { idNumber, uscc } from './cn-ids.js';
import { COMPANY_BIZ, COMPANY_PREFIX, COMPANY_SUFFIX, GIVEN, GIVEN1, INDUSTRIES, OCCUPATIONS, PLACES, STREETS, SURNAMES } from './names.js';
import { systemLiveRows, systemRead, systemRowCount } from '../../../records/system-reads.js';

export interface DemoDataOptions {
  customers: number;
  batch?: number;
  seed?: number;
  /** Creates customer managers per team, managers per sub-branch and a head-office credit approver (demo only). */
  staff?: boolean;
  /** Drops the secondary indexes of the tables loaded and rebuilds them at the end (fast for big loads). */
  dropIndexes?: boolean;
  progress?: (phase: string, done: number, total: number) => void;
  /** Prints the time spent per phase on stderr (CRM_DEMO_TIMING). */
  timing?: boolean;
}

export interface DemoDataResult {
  customers: number;
  holdings: number;
  relationships: number;
  interactions: number;
  consents: number;
  circles: number;
  users: number;
  /** Month-end balance snapshots (`balance_snapshot`, 24 months per customer, for the first 100,000 customers). */
  snapshots: number;
  ms: number;
}

const OBJECTS = ['customer', 'holding', 'relationship', 'interaction', 'consent', 'product', 'customer_tag'] as const;
/** Objects of later pack versions: loaded when the installed template has them. */
const OPTIONAL_OBJECTS = ['balance_snapshot'] as const;
const SNAPSHOT_MONTHS = 24;
const SNAPSHOT_CUSTOMERS = 100_000;

/** Small, fast, seeded PRNG (mulberry32) so a given seed gives the same bank. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Team {
  id: string;
  code: string;
  region: string;
  rms: string[];
}

type Row = Record<string, unknown>;

async function fieldsOf(pool: pg.Pool): Promise<Map<string, FieldDef[]>> {
  const { rows } = await pool.query<{ object_key: string; key: string; type: FieldDef['type']; sensitivity: number | null; options: FieldDef['options'] }>(
    `SELECT object_key, key, type, sensitivity, options FROM crm.fields WHERE object_key = ANY($1) AND deleted_at IS NULL ORDER BY object_key, position`,
    [[...OBJECTS, ...OPTIONAL_OBJECTS]],
  );
  const out = new Map<string, FieldDef[]>();
  for (const r of rows) {
    const f: FieldDef = { key: r.key, label: r.key, type: r.type, ...(r.sensitivity ? { sensitivity: r.sensitivity as FieldDef['sensitivity'] } : {}), ...(r.options ? { options: r.options } : {}) };
    out.set(r.object_key, [...(out.get(r.object_key) ?? []), f]);
  }
  for (const o of OBJECTS) if (!out.get(o)?.length) throw new Error(`the bank-crm template is not installed (no object "${o}"): start the server in demo mode once, or POST /api/templates/bank-crm/install`);
  return out;
}

/** INSERT … SELECT FROM unnest(…) of a batch of rows (system columns id, owner_id, org_unit_id, created_at + fields). */
async function insertRows(c: pg.PoolClient | pg.Pool, object: string, fields: FieldDef[], rows: Row[], crypto: FieldCrypto): Promise<void> {
  if (!rows.length) return;
  const cols: { name: string; cast: string; kind: 'plain' | 'array' | 'json' }[] = [
    { name: 'id', cast: 'uuid', kind: 'plain' },
    { name: 'owner_id', cast: 'uuid', kind: 'plain' },
    { name: 'created_by', cast: 'uuid', kind: 'plain' },
    { name: 'org_unit_id', cast: 'uuid', kind: 'plain' },
    { name: 'created_at', cast: 'timestamptz', kind: 'plain' },
  ];
  const used = fields.filter((f) => f.type !== 'auto_number' || rows[0]![f.key] !== undefined).filter((f) => rows.some((r) => r[f.key] !== undefined));
  for (const f of used) {
    const cast = sqlCastFor(f, f.key);
    cols.push({ name: f.key, cast, kind: cast === 'text[]' ? 'array' : cast === 'jsonb' ? 'json' : 'plain' });
    if (isEncrypted(f)) cols.push({ name: hashColumn(f.key), cast: 'text', kind: 'plain' });
  }
  const data: unknown[][] = cols.map(() => []);
  for (const r of rows) {
    const enc = encodeValues(used, r, crypto);
    cols.forEach((col, i) => {
      let v: unknown;
      if (i < 5) v = r[`__${col.name}`] ?? null;
      else v = enc.get(col.name) ?? null;
      if (col.kind === 'array') v = v === null ? null : JSON.stringify(v);
      data[i]!.push(v);
    });
  }
  const select = cols.map((col, i) => (col.kind === 'array' ? `CASE WHEN u.c${i} IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(u.c${i}::jsonb)) END` : col.kind === 'json' ? `u.c${i}::jsonb` : `u.c${i}`));
  const unnestArgs = cols.map((col, i) => `$${i + 1}::${col.kind === 'plain' ? col.cast : 'text'}[]`);
  await c.query(
    `INSERT INTO ${tableOf(object)} (${cols.map((x) => quoteIdent(x.name)).join(', ')})
     SELECT ${select.join(', ')} FROM unnest(${unnestArgs.join(', ')}) AS u(${cols.map((_, i) => `c${i}`).join(', ')})`,
    data,
  );
}

const INDEX_STASH = 'demo_data:dropped_indexes';

/** Recreates indexes a bulk load dropped (also after a load that was killed half way). */
async function restoreIndexes(pool: pg.Pool, progress: (phase: string, done: number, total: number) => void): Promise<void> {
  const { rows } = await pool.query<{ value: string[] }>('SELECT value FROM crm.settings WHERE key = $1', [INDEX_STASH]);
  const defs = rows[0]?.value ?? [];
  let i = 0;
  for (const def of defs) {
    // Definitions come from pg_indexes of our own tables, saved before they were dropped.
    await pool.query(def.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX IF NOT EXISTS '));
    progress('rebuilding indexes', ++i, defs.length);
  }
  await pool.query('DELETE FROM crm.settings WHERE key = $1', [INDEX_STASH]);
}

async function dropIndexes(pool: pg.Pool, tables: string[]): Promise<void> {
  const { rows } = await pool.query<{ indexname: string; indexdef: string }>(
    `SELECT i.indexname, i.indexdef FROM pg_indexes i
     WHERE i.schemaname = 'crm_data' AND i.tablename = ANY($1)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
       AND i.indexdef NOT LIKE 'CREATE UNIQUE%'`,
    [tables],
  );
  if (!rows.length) return;
  await pool.query(`INSERT INTO crm.settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [INDEX_STASH, JSON.stringify(rows.map((r) => r.indexdef))]);
  for (const r of rows) await pool.query(`DROP INDEX IF EXISTS crm_data."${r.indexname.replace(/"/g, '""')}"`);
}

async function ensureStaff(pool: pg.Pool): Promise<number> {
  const { rows: units } = await pool.query<{ id: string; code: string; kind: string }>(`SELECT id, code, kind FROM crm.org_units WHERE code IS NOT NULL ORDER BY code`);
  const hash = await hashPassword('Demo@2026');
  const wanted: { username: string; name: string; unit: string; roles: string[] }[] = [];
  const given = ['晓明', '佳怡', '志强', '雨桐', '建军', '思琪', '浩宇', '丽华'];
  let g = 0;
  for (const u of units) {
    const slug = u.code.toLowerCase();
    if (u.kind === 'team') for (let i = 2; i <= 3; i++) wanted.push({ username: `rm_${slug}_${i}`, name: `客户经理${given[g++ % given.length]}`, unit: u.id, roles: ['rm'] });
    if (u.kind === 'sub_branch') wanted.push({ username: `mgr_${slug}`, name: `${u.code}支行负责人`, unit: u.id, roles: ['manager'] });
    if (u.code === 'HO-CREDIT') wanted.push({ username: 'approver', name: '郑审批', unit: u.id, roles: ['credit_approver'] });
  }
  let n = 0;
  for (const w of wanted) {
    const role = await pool.query('SELECT 1 FROM crm.roles WHERE key = ANY($1)', [w.roles]);
    if (!role.rowCount) continue;
    // One sub-branch manager is enough: the demo user "manager" already runs 浦东支行.
    if (w.roles[0] === 'manager') {
      const has = await pool.query(`SELECT 1 FROM crm.users WHERE org_unit_id = $1 AND 'manager' = ANY(roles)`, [w.unit]);
      if (has.rowCount) continue;
    }
    const r = await pool.query(
      `INSERT INTO crm.users (username, display_name, password_hash, org_unit_id, roles) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [w.username, w.name, hash, w.unit, w.roles],
    );
    n += r.rowCount ?? 0;
  }
  return n;
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function money(v: number): string {
  return (Math.round(v * 100) / 100).toFixed(2);
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export async function loadDemoData(pool: pg.Pool, crypto: FieldCrypto, opts: DemoDataOptions): Promise<DemoDataResult> {
  const started = Date.now();
  const total = Math.max(0, Math.trunc(opts.customers));
  const batch = opts.batch ?? 5000;
  const r = rng(opts.seed ?? 20260101);
  // Balance history draws from its own stream: adding it left every other row of a seed's bank as it was
  // (tests pick their customers from that bank).
  const rs = rng((opts.seed ?? 20260101) ^ 0x5eed5a17);
  const progress = opts.progress ?? (() => undefined);
  const fields = await fieldsOf(pool);
  await restoreIndexes(pool, progress);
  const users = opts.staff === false ? 0 : await ensureStaff(pool);

  const { rows: teamRows } = await pool.query<{ id: string; code: string }>(`SELECT id, code FROM crm.org_units WHERE kind = 'team' ORDER BY code`);
  const teams: Team[] = [];
  for (const t of teamRows) {
    const { rows } = await pool.query<{ id: string; username: string }>(`SELECT id, username FROM crm.users WHERE org_unit_id = $1 AND 'rm' = ANY(roles) AND NOT disabled ORDER BY username`, [t.id]);
    if (!rows.length) continue;
    teams.push({ id: t.id, code: t.code, region: t.code.split('-')[0]!, rms: rows.map((x) => x.id) });
  }
  if (!teams.length) throw new Error('no team has a customer manager (role rm): run in demo mode, or create rm users in team org units first');
  const rmUser = (await pool.query<{ id: string }>(`SELECT id FROM crm.users WHERE username = 'rm'`)).rows[0]?.id;
  const rmTeam = teams.find((t) => rmUser && t.rms.includes(rmUser));

  const loader = systemRead('demo-data loader: reference data and counts of the demo bank');
  const products = await systemLiveRows<{ id: string; category: string; code: string }>(pool, loader, 'product', ['id', 'category', 'code']);
  const byCat = (cat: string) => products.filter((p) => p.category === cat);
  const prodCats = { deposit: byCat('deposit'), loan: byCat('loan'), wealth: byCat('wealth'), fund: byCat('fund'), insurance: byCat('insurance') };
  const tagDefs = (await systemLiveRows<{ code: string; rule: string | null; kind: string; active: boolean | null }>(pool, loader, 'customer_tag', ['code', 'rule', 'kind', 'active']))
    .filter((t) => t.active !== false);
  const rules = compileRules(tagDefs);
  const existing = await systemRowCount(pool, loader, 'customer');

  const res: DemoDataResult = { customers: 0, holdings: 0, relationships: 0, interactions: 0, consents: 0, circles: 0, users, snapshots: 0, ms: 0 };
  const withSnapshots = !!fields.get('balance_snapshot')?.length;
  const today = new Date();
  // Month ends of the last 24 complete months, newest first.
  const monthEnds = Array.from({ length: SNAPSHOT_MONTHS }, (_, m) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - m, 0)));
  const corporatesSoFar: { id: string; owner: string; unit: string }[] = [];
  let rmDue = 0;
  const circleTarget = total < 50 ? 0 : Math.max(3, Math.min(300, Math.floor(total / 3000)));

  const timing: Record<string, number> = {};
  const tick = (k: string, t0: number) => (timing[k] = (timing[k] ?? 0) + (Date.now() - t0));
  let pending: Promise<void> = Promise.resolve();
  if (opts.dropIndexes) await dropIndexes(pool, ['customer', 'holding', 'relationship', 'interaction', 'consent']);
  const writeBatch = async (tables: [string, Row[]][]): Promise<void> => {
    const client = await pool.connect();
    try {
      // A rerunnable bulk load: a crash loses at most the last batches, never consistency.
      await client.query('BEGIN');
      await client.query('SET LOCAL synchronous_commit = off');
      for (const [object, rows] of tables) {
        const t0 = Date.now();
        await insertRows(client, object, fields.get(object)!, rows, crypto);
        tick(object, t0);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };
  for (let start = 0; start < total; start += batch) {
    const n = Math.min(batch, total - start);
    const tGen = Date.now();
    const custRows: Row[] = [];
    const holdRows: Row[] = [];
    const relRows: Row[] = [];
    const intRows: Row[] = [];
    const conRows: Row[] = [];
    const snapRows: Row[] = [];
    const corpInBatch: { id: string; owner: string; unit: string }[] = [];
    const indivInBatch: { id: string; owner: string; unit: string; name: string }[] = [];
    for (let i = 0; i < n; i++) {
      const seq = existing + start + i + 1;
      // The demo user "rm" looks after a tenth of the bank, the rest is spread over the teams.
      const team = rmTeam && r() < 0.1 ? rmTeam : pick(r, teams);
      const owner = team === rmTeam && rmUser && r() < 0.6 ? rmUser : pick(r, team.rms);
      const place = pick(r, PLACES[team.region] ?? PLACES.SH!);
      const corporate = r() < 0.15;
      const id = randomUUID();
      const risk = r() < 0.8 ? 'low' : r() < 0.75 ? 'medium' : 'high';
      const months = risk === 'high' ? 3 : risk === 'medium' ? 12 : 36;
      // A few of the demo user rm's own customers are due for review, so their inbox has work on day one.
      const dueNow = owner === rmUser && rmDue < 3;
      if (dueNow) rmDue++;
      const next = dueNow ? new Date(today.getTime() - 86400000) : new Date(today.getTime() + (r() * months * 30 - (r() < 0.06 ? months * 30 : 0)) * 86400000);
      const created = new Date(today.getTime() - r() * 5 * 365 * 86400000);
      const c: Row = {
        __id: id, __owner_id: owner, __created_by: owner, __org_unit_id: team.id, __created_at: created.toISOString(),
        customer_no: `KHD${String(seq).padStart(9, '0')}`,
        customer_type: corporate ? 'corporate' : 'individual',
        province: place[0], city: place[1], district: place[2],
        address: `${place[2]}${pick(r, STREETS)}${1 + Math.floor(r() * 2000)}号`,
        kyc_status: next < today ? 'expired' : 'verified',
        kyc_next_review: isoDate(next),
        risk_level: risk,
        mobile: `1${pick(r, ['3', '5', '7', '8', '9'])}${String(Math.floor(r() * 1e9)).padStart(9, '0')}`,
        in_guarantee_circle: false,
      };
      if (corporate) {
        c.name = `${place[1].replace('市', '')}${pick(r, COMPANY_PREFIX)}${pick(r, COMPANY_BIZ)}${pick(r, COMPANY_SUFFIX)}`;
        c.uscc = uscc(place[3], 10_000_000 + seq * 7 + Math.floor(r() * 7));
        c.industry = pick(r, INDUSTRIES);
        c.registered_capital = money(1e6 * (1 + Math.floor(r() * 100)));
        c.segment = r() < 0.8 ? 'sme' : 'large';
        corpInBatch.push({ id, owner, unit: team.id });
      } else {
        const surname = pick(r, SURNAMES);
        c.name = surname + (r() < 0.6 ? pick(r, GIVEN) : pick(r, GIVEN1));
        const year = 1950 + Math.floor(r() * 55);
        const birth = new Date(Date.UTC(year, Math.floor(r() * 12), 1 + Math.floor(r() * 28)));
        const male = r() < 0.5;
        const sq = Math.floor(r() * 500) * 2 + (male ? 1 : 0);
        c.id_number = idNumber(place[3], birth.toISOString().slice(0, 10).replace(/-/g, ''), sq);
        c.gender = male ? 'M' : 'F';
        c.birth_date = isoDate(birth);
        c.occupation = pick(r, OCCUPATIONS);
        indivInBatch.push({ id, owner, unit: team.id, name: String(c.name) });
      }
      // Holdings: a current account for everyone, then deposits, wealth, funds, insurance and loans by chance.
      const sums: Record<string, string> = {};
      let count = 0;
      const hold = (cat: keyof typeof prodCats, amount: number) => {
        const list = prodCats[cat];
        if (!list.length) return;
        const p = pick(r, list);
        const opened = new Date(created.getTime() + r() * (today.getTime() - created.getTime()));
        holdRows.push({
          __id: randomUUID(), __owner_id: owner, __created_by: owner, __org_unit_id: team.id, __created_at: opened.toISOString(),
          customer: id, product: p.id, category: cat, account_no: `6222${String(Math.floor(r() * 1e15)).padStart(15, '0')}`,
          balance: money(amount), opened_at: isoDate(opened), status: 'active',
          ...(cat === 'loan' || cat === 'wealth' ? { maturity_date: isoDate(new Date(opened.getTime() + (180 + r() * 3000) * 86400000)) } : {}),
        });
        sums[cat] = new FeelDecimal(sums[cat] ?? 0).plus(money(amount)).toFixed(2);
        count++;
      };
      const scale = corporate ? 20 : 1;
      hold('deposit', scale * Math.exp(8 + r() * 5));
      if (r() < 0.35) hold('deposit', scale * Math.exp(10 + r() * 4));
      if (r() < 0.3) hold('wealth', scale * Math.exp(10 + r() * 4));
      if (r() < 0.15) hold('fund', Math.exp(8 + r() * 4));
      if (!corporate && r() < 0.1) hold('insurance', Math.exp(9 + r() * 3));
      if (r() < (corporate ? 0.5 : 0.2)) hold('loan', scale * Math.exp(11 + r() * 3));
      const ag = aggregates(sums, count);
      c.aum = ag.aum.toFixed(2);
      c.segment ??= ag.aum.gte(6e6) ? 'private' : ag.aum.gte(5e5) ? 'affluent' : 'mass';
      c.rule_tags = evaluateRuleTags(rules, { ...c, ...ag });
      // 24 month-end balances leading to today's: a customer's own growth rate and some noise (decimal strings).
      if (withSnapshots && existing + start + i < SNAPSHOT_CUSTOMERS) {
        const deposits = Number(sums.deposit ?? 0);
        const loans = Number(sums.loan ?? 0);
        const aum = Number(ag.aum.toFixed(2));
        const growth = 0.002 + rs() * 0.02;
        for (const end of monthEnds) {
          if (end < created) break;
          const months = (today.getUTCFullYear() - end.getUTCFullYear()) * 12 + today.getUTCMonth() - end.getUTCMonth();
          const f = Math.max(0.05, 1 - growth * months) * (0.97 + rs() * 0.06);
          snapRows.push({
            __id: randomUUID(), __owner_id: owner, __created_by: owner, __org_unit_id: team.id, __created_at: new Date(end.getTime() + 86400000 - 1).toISOString(),
            customer: id, snapshot_date: isoDate(end), aum: money(aum * f), deposits: money(deposits * f), loans: money(loans * (1 + 0.004 * months)),
          });
        }
      }
      if (r() < 0.05) c.tags = ['vip'];
      custRows.push(c);
      // Interactions and consents.
      const ni = r() < 0.5 ? 1 : r() < 0.5 ? 2 : 0;
      for (let k = 0; k < ni; k++) {
        const at = new Date(today.getTime() - r() * 365 * 86400000);
        const kind = pick(r, ['visit', 'call', 'wechat_work', 'branch'] as const);
        intRows.push({
          __id: randomUUID(), __owner_id: owner, __created_by: owner, __org_unit_id: team.id, __created_at: at.toISOString(),
          customer: id, kind, subject: pick(r, ['理财到期提醒', '贷款需求沟通', '节日问候', '产品推介', 'KYC 信息更新', '投诉回访']),
          occurred_at: at.toISOString(), outcome: pick(r, ['positive', 'neutral', 'negative'] as const),
        });
      }
      if (!corporate) {
        const at = new Date(created.getTime() + 3600000);
        const withdrawn = r() < 0.08;
        conRows.push({
          __id: randomUUID(), __owner_id: owner, __created_by: owner, __org_unit_id: team.id, __created_at: at.toISOString(),
          customer: id, purpose: 'marketing', notice_version: 'PN-2025.1', channel: pick(r, ['branch', 'app', 'wechat_work'] as const),
          consented_at: at.toISOString(), withdrawn, ...(withdrawn ? { withdrawn_at: new Date(at.getTime() + 86400000 * 30).toISOString() } : {}),
        });
      }
    }
    // Relationships: spouses among individuals, legal representatives and shareholders of companies,
    // guarantees from older to newer companies (acyclic), and now and then a guarantee circle.
    const rel = (a: { id: string; owner: string; unit: string }, b: string, type: string, extra: Row = {}) =>
      relRows.push({ __id: randomUUID(), __owner_id: a.owner, __created_by: a.owner, __org_unit_id: a.unit, __created_at: today.toISOString(), from_customer: a.id, to_customer: b, rel_type: type, ...extra });
    for (let k = 0; k + 1 < indivInBatch.length; k += 2) if (r() < 0.3) rel(indivInBatch[k]!, indivInBatch[k + 1]!.id, r() < 0.8 ? 'spouse' : 'family');
    for (const co of corpInBatch) {
      if (indivInBatch.length) {
        const person = pick(r, indivInBatch);
        rel(person, co.id, 'legal_rep');
        if (r() < 0.6) rel(person, co.id, 'shareholder', { share_ratio: String(Math.round(10 + r() * 80)) });
      }
      if (corporatesSoFar.length && r() < 0.25) rel(pick(r, corporatesSoFar), co.id, 'guarantor', { guarantee_amount: money(1e6 * (1 + Math.floor(r() * 50))) });
    }
    const circleRows: string[][] = [];
    const due = Math.ceil((circleTarget * (start + n)) / total);
    for (let k = 0; res.circles + circleRows.length < due && k + 3 <= corpInBatch.length; ) {
      const size = Math.min(3 + Math.floor(r() * 2), corpInBatch.length - k);
      const members = corpInBatch.slice(k, k + size);
      members.forEach((m, j) => rel(m, members[(j + 1) % members.length]!.id, 'guarantor', { guarantee_amount: money(1e6 * (5 + Math.floor(r() * 20))) }));
      circleRows.push(members.map((m) => m.id));
      k += size;
    }
    for (const members of circleRows) {
      const cid = circleId(members);
      for (const row of custRows) if (members.includes(String(row.__id))) {
        row.in_guarantee_circle = true;
        row.guarantee_circle = cid;
        row.rule_tags = [...new Set([...(row.rule_tags as string[]), ...(rules.some((x) => x.code === 'guarantee_circle') ? ['guarantee_circle'] : [])])].sort();
      }
    }
    res.circles += circleRows.length;
    corporatesSoFar.push(...corpInBatch.slice(0, 50));
    if (corporatesSoFar.length > 2000) corporatesSoFar.splice(0, corporatesSoFar.length - 2000);

    tick('generate', tGen);
    // Pipeline: this batch is written on its own connection while the next one is generated.
    await pending;
    pending = writeBatch([['customer', custRows], ['holding', holdRows], ['relationship', relRows], ['interaction', intRows], ['consent', conRows], ...(withSnapshots ? [['balance_snapshot', snapRows] as [string, Row[]]] : [])]);
    pending.catch(() => undefined); // handled by the next await; keeps Node from calling it unhandled meanwhile
    res.customers += custRows.length;
    res.holdings += holdRows.length;
    res.relationships += relRows.length;
    res.interactions += intRows.length;
    res.consents += conRows.length;
    res.snapshots += snapRows.length;
    progress('customers', start + n, total);
  }
  await pending;
  if (opts.dropIndexes) await restoreIndexes(pool, progress);
  for (const o of ['customer', 'holding', 'relationship', 'interaction', 'consent', ...(withSnapshots ? ['balance_snapshot'] : [])]) await pool.query(`ANALYZE ${tableOf(o)}`);
  res.ms = Date.now() - started;
  if (opts.timing) console.error(JSON.stringify(timing));
  return res;
}
