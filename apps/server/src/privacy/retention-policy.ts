/**
 * Legal holds: what other law obliges the bank to keep although the data subject asks for deletion.
 * The policy is data (one rule per object); the privacy service evaluates it on the records it found.
 *  - open_loan: an outstanding loan (a loan holding not closed) is kept while it runs;
 *  - aml_retention: account and balance records are kept for CRM_PRIVACY_AML_YEARS (default 5) after the
 *    business relationship ends (the last account closed); while any account is open the relationship runs.
 * Every date is computed with dayjs, never by hand.
 */
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';

dayjs.extend(utc);

export type HoldReason = 'open_loan' | 'aml_retention';

export interface HoldRule {
  object: string;
  reason: HoldReason;
  /** The record is held while `field` is not one of `closed` (and, for a loan, `when` matches). */
  open?: { field: string; closed: string[]; when?: { field: string; equals: string } };
  /** Kept this many years after the relationship ends. */
  retainYears?: number;
}

export const HOLD_REASON_TEXT: Record<HoldReason, { 'zh-CN': string; en: string }> = {
  open_loan: { 'zh-CN': '存在未结清贷款，结清前须保留', en: 'An outstanding loan: kept until it is settled' },
  aml_retention: { 'zh-CN': '反洗钱法要求业务关系结束后至少保存五年', en: 'Anti-money-laundering law: kept at least five years after the relationship ends' },
};

export function holdRules(amlYears: number): HoldRule[] {
  return [
    { object: 'holding', reason: 'open_loan', open: { field: 'status', closed: ['closed'], when: { field: 'category', equals: 'loan' } } },
    { object: 'holding', reason: 'aml_retention', retainYears: amlYears },
    { object: 'balance_snapshot', reason: 'aml_retention', retainYears: amlYears },
  ];
}

export interface Hold {
  object: string;
  id: string;
  reason: HoldReason;
  /** The day the hold ends (YYYY-MM-DD); null while it runs open-ended (an open loan, a running relationship). */
  until: string | null;
}

function dayOf(v: unknown): dayjs.Dayjs | null {
  if (v === null || v === undefined || v === '') return null;
  const d = dayjs.utc(String(v));
  return d.isValid() ? d : null;
}

/**
 * The holds on a subject's records. `records` are decoded rows by object. The relationship ends with
 * the last account: when every holding is closed, at the latest of their maturity and last change.
 */
export function evaluateHolds(rules: HoldRule[], records: Map<string, Record<string, unknown>[]>): Hold[] {
  const holdings = records.get('holding') ?? [];
  const running = holdings.some((h) => h.status !== 'closed');
  let end: dayjs.Dayjs | null = null;
  for (const h of holdings) {
    for (const d of [dayOf(h.maturity_date), dayOf(h.updated_at)]) if (d && (!end || d.isAfter(end))) end = d;
  }
  const held = new Set<string>();
  const out: Hold[] = [];
  for (const rule of rules) {
    for (const r of records.get(rule.object) ?? []) {
      const id = String(r.id);
      if (held.has(`${rule.object}:${id}`)) continue;
      if (rule.open) {
        if (rule.open.when && r[rule.open.when.field] !== rule.open.when.equals) continue;
        if (rule.open.closed.includes(String(r[rule.open.field] ?? ''))) continue;
        out.push({ object: rule.object, id, reason: rule.reason, until: null });
      } else if (rule.retainYears !== undefined) {
        const until = running || !end ? null : end.add(rule.retainYears, 'year').format('YYYY-MM-DD');
        // A retention that has run out holds nothing.
        if (until && !dayjs.utc().isBefore(dayjs.utc(until))) continue;
        out.push({ object: rule.object, id, reason: rule.reason, until });
      } else continue;
      held.add(`${rule.object}:${id}`);
    }
  }
  return out;
}
