/**
 * The answer of a report statement: rows keyed by dimension and measure keys (money and decimals stay
 * the decimal strings PostgreSQL sends; integer counts become numbers only when exact), subtotal and
 * total rows apart with the dimensions they sum over, and the display labels of dimension values.
 */
import { compileFeel, FeelEvaluationError, feelNumber, toScaledDecimal } from '@crm/feel';
import type { ReportAnswer, ReportColumn } from '@crm/shared';
import type { Db } from '../database/db.js';
import type { ColumnPlan, CompiledReport } from './report-compiler.js';
import { directoryNames } from '../common/directory-names.js';

function plain(v: unknown, c: ColumnPlan): unknown {
  if (v instanceof Date) return v.toISOString();
  // Counts and integer sums: a number when exact, else the digits as text.
  if (c.role === 'measure' && c.type === 'integer' && typeof v === 'string' && /^-?\d+$/.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v;
  }
  return v;
}

/**
 * FEEL measures of one answer row, from its other measures as exact decimals (decimal.js inside FEEL,
 * never a double), rounded half up to the measure's scale; null when a measure is missing, on a
 * division by zero, or when the result is not a number.
 */
function computeFeel(columns: ColumnPlan[], out: Record<string, unknown>): void {
  const feel = columns.filter((c) => c.feel);
  if (!feel.length) return;
  const context: Record<string, unknown> = {};
  for (const c of columns) if (c.role === 'measure' && !c.feel) context[c.key] = out[c.key] === null || out[c.key] === undefined ? null : feelNumber(out[c.key]);
  for (const c of feel) {
    let value: unknown = null;
    try {
      value = compileFeel(c.feel!.expression).evaluate(context);
    } catch (err) {
      if (!(err instanceof FeelEvaluationError)) throw err;
    }
    out[c.key] = toScaledDecimal(value, c.feel!.scale);
  }
}

export async function shapeAnswer(compiled: CompiledReport, raw: Record<string, unknown>[], db: Db): Promise<Pick<ReportAnswer, 'columns' | 'rows' | 'totals'>> {
  const n = compiled.grouped.length;
  const rows: Record<string, unknown>[] = [];
  const totals: Record<string, unknown>[] = [];
  const labels = new Map<string, Record<string, string>>();
  for (const r of raw) {
    const g = Number(r.g ?? 0);
    const collapsed = compiled.grouped.filter((_, i) => (g >> (n - 1 - i)) & 1);
    const out: Record<string, unknown> = {};
    for (const c of compiled.columns) {
      if ((c.role === 'dimension' && collapsed.includes(c.key)) || c.feel) continue;
      const v = plain(r[c.alias], c);
      out[c.key] = v;
      if (c.labels?.kind === 'alias' && v !== null && v !== undefined && r[c.labels.alias] != null) {
        const m = labels.get(c.key) ?? {};
        m[String(v)] = String(r[c.labels.alias]);
        labels.set(c.key, m);
      }
    }
    computeFeel(compiled.columns, out);
    if (g === 0) rows.push(out);
    else totals.push({ ...out, $collapsed: collapsed });
  }
  const columns: ReportColumn[] = [];
  for (const c of compiled.columns) {
    const col: ReportColumn = { key: c.key, label: c.label, type: c.type, role: c.role };
    if (c.bucket) col.bucket = c.bucket;
    if (c.labels?.kind === 'choices') col.labels = c.labels.choices;
    else if (c.labels?.kind === 'alias') col.labels = labels.get(c.key) ?? {};
    else if (c.labels) {
      const ids = [...new Set(rows.concat(totals).map((r) => r[c.key]).filter((v): v is string => typeof v === 'string'))];
      col.labels = Object.fromEntries(await directoryNames(db, c.labels.kind, ids));
    }
    columns.push(col);
  }
  return compiled.grouped.length ? { columns, rows, totals } : { columns, rows };
}
