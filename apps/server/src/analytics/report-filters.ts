/**
 * Report filters before the records filter compiler: the field keys they name (to resolve relation
 * paths first) and relative dates (`$within`) turned into plain `$gte` / `$lt` bounds in Beijing days.
 */
import type { ColumnInfo } from '../records/filter-compiler.js';
import { dayBound, relativeRange } from './report-dates.js';
import { reportProblem } from './reports.messages.js';

/** Field keys a records filter names (operands are left alone). */
export { filterFieldKeys as filterKeys } from '../records/filter-compiler.js';

/** `{ field: { $within: "last 30 days" } }` → `{ field: { $gte, $lt } }` in Beijing days; everything else as is. */
export function relativeDates(node: unknown, columns: Map<string, ColumnInfo>, now: Date, path: string): unknown {
  if (!node || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map((x, i) => relativeDates(x, columns, now, `${path}/${i}`));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$and' || k === '$or' || k === '$not') out[k] = relativeDates(v, columns, now, `${path}/${k}`);
    else if (!k.startsWith('$') && v && typeof v === 'object' && !Array.isArray(v) && '$within' in v) {
      const { $within, ...rest } = v as Record<string, unknown>;
      const col = columns.get(k);
      const range = typeof $within === 'string' ? relativeRange($within, now) : null;
      if (!col || (col.comparable !== 'date' && col.comparable !== 'timestamp') || !range) {
        throw reportProblem(`${path}/${k}/$within`, 'invalid_relative_date', {
          'zh-CN': `$within 需要日期字段和相对日期，例如 "last 30 days"、"this quarter"、"same period last year"`,
          en: `$within needs a date field and a relative range such as "last 30 days", "this quarter", "same period last year"`,
        });
      }
      const ts = col.comparable === 'timestamp';
      out[k] = { ...rest, $gte: dayBound(range.from, ts), $lt: dayBound(range.to, ts) };
    } else out[k] = v;
  }
  return out;
}
