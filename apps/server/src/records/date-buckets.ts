/**
 * Date buckets in Beijing time (UTC+8, no daylight saving), as text: `2026-03-14`, `2026-W11`, `2026-03`,
 * `2026-Q1`, `2026`. One SQL expression for a report's grouping and for the records filter operator
 * `$bucket`, so the records behind a report cell are exactly the rows the cell grouped.
 */
export type Bucket = 'day' | 'week' | 'month' | 'quarter' | 'year';
export const BUCKETS: readonly Bucket[] = ['day', 'week', 'month', 'quarter', 'year'];

const TZ = 'Asia/Shanghai';

/** SQL of a date bucket as text over a column expression. */
export function bucketSql(column: string, timestamp: boolean, bucket: Bucket): string {
  const local = timestamp ? `(${column} AT TIME ZONE '${TZ}')` : column;
  switch (bucket) {
    case 'day': return `to_char(${local}, 'YYYY-MM-DD')`;
    case 'week': return `to_char(${local}, 'IYYY-"W"IW')`;
    case 'month': return `to_char(${local}, 'YYYY-MM')`;
    case 'quarter': return `to_char(${local}, 'YYYY-"Q"Q')`;
    case 'year': return `to_char(${local}, 'YYYY')`;
  }
}

/** SQL of the org unit at depth `levelParam` (a bound int) of the org tree above an org-unit column (1 总行, 2 分行, 3 支行, 4 团队). */
export function orgLevelSql(column: string, levelParam: string): string {
  return `(SELECT ou.path[${levelParam}] FROM crm.org_units ou WHERE ou.id = ${column})`;
}
