/**
 * Compiles the records filter language (Mongo-style operators) and sort strings to SQL.
 * Identifiers come only from metadata (quoted); every value is a bound parameter with an explicit
 * cast, so nothing a caller sends is ever spliced into SQL text.
 */
import { AppError, type ErrorDetail } from '../common/app-error.js';
import type { Comparable } from '../metadata/field-types.js';
import { isHashedValue } from './filter-secrets.js';
import { COMPARABLE_RULES, REFUSED } from './comparable-values.js';
import { BUCKETS, bucketSql, orgLevelSql, type Bucket } from './date-buckets.js';
import type { OrgUnitSets } from './org-tree.js';

export interface ColumnInfo {
  key: string;
  /** Quoted column (or expression over metadata identifiers only). */
  sql: string;
  comparable: Comparable;
  encrypted?: { hashSql: string; hash: (v: unknown) => string };
}

export interface FilterContext {
  columns: Map<string, ColumnInfo>;
  params: unknown[];
  /** `$user.id`, `$user.orgUnitId` … values for role scope filters. */
  userVars?: Record<string, unknown>;
  /** The org tree's unit sets: `$orgLevel` then binds its units as an array the planner can estimate (see org-tree.ts). */
  orgUnits?: OrgUnitSets | null;
}

const OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$contains', '$like', '$null', '$bucket', '$orgLevel']);
const MAX_DEPTH = 8;
const MAX_TERMS = 100;
const MAX_IN = 1000;

class FilterProblem extends Error {
  constructor(
    readonly path: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function filterError(problems: ErrorDetail[]): AppError {
  return new AppError(400, 'records.invalid_filter', {}, problems);
}

/** Field keys a filter names (operands left alone): to resolve relation paths before compiling. */
export function filterFieldKeys(node: unknown, out: Set<string> = new Set()): Set<string> {
  if (!isPlainObject(node)) return out;
  for (const [k, v] of Object.entries(node)) {
    if ((k === '$and' || k === '$or') && Array.isArray(v)) v.forEach((x) => filterFieldKeys(x, out));
    else if (k === '$not') filterFieldKeys(v, out);
    else if (!k.startsWith('$')) out.add(k);
  }
  return out;
}

export function compileFilter(filter: unknown, ctx: FilterContext): string {
  const state = { terms: 0 };
  try {
    return compileNode(filter, ctx, '', 0, state);
  } catch (err) {
    if (err instanceof FilterProblem) throw filterError([{ path: err.path, code: err.code, message: err.message }]);
    throw err;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function compileNode(node: unknown, ctx: FilterContext, path: string, depth: number, state: { terms: number }): string {
  if (depth > MAX_DEPTH) throw new FilterProblem(path, 'too_deep', `filters nest at most ${MAX_DEPTH} levels`);
  if (!isPlainObject(node)) throw new FilterProblem(path, 'type', 'a filter is a JSON object');
  const parts: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    const p = `${path}/${key}`;
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0 || value.length > MAX_TERMS) throw new FilterProblem(p, 'type', `${key} takes a non-empty array of filters`);
      const subs = value.map((v, i) => compileNode(v, ctx, `${p}/${i}`, depth + 1, state));
      parts.push('(' + subs.join(key === '$and' ? ' AND ' : ' OR ') + ')');
    } else if (key === '$not') {
      parts.push(`NOT (${compileNode(value, ctx, p, depth + 1, state)})`);
    } else if (key.startsWith('$')) {
      throw new FilterProblem(p, 'unknown_operator', `unknown operator ${key}`);
    } else {
      const col = ctx.columns.get(key);
      if (!col) throw new FilterProblem(p, 'unknown_field', `unknown field ${key}`);
      if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$'))) {
        for (const [op, operand] of Object.entries(value)) {
          if (!OPERATORS.has(op)) throw new FilterProblem(`${p}/${op}`, 'unknown_operator', `unknown operator ${op}`);
          if (++state.terms > MAX_TERMS) throw new FilterProblem(p, 'too_many_terms', `a filter has at most ${MAX_TERMS} conditions`);
          parts.push(compileOp(col, op, operand, ctx, `${p}/${op}`));
        }
      } else {
        if (++state.terms > MAX_TERMS) throw new FilterProblem(p, 'too_many_terms', `a filter has at most ${MAX_TERMS} conditions`);
        parts.push(value === null ? compileOp(col, '$null', true, ctx, p) : compileOp(col, '$eq', value, ctx, p));
      }
    }
  }
  return parts.length ? parts.join(' AND ') : 'TRUE';
}

function bind(ctx: FilterContext, value: unknown, cast: string): string {
  ctx.params.push(value);
  return `$${ctx.params.length}::${cast}`;
}

/** Resolves `$user.xxx` placeholders of role scope filters. */
function resolve(value: unknown, ctx: FilterContext, path: string): unknown {
  if (typeof value === 'string' && value.startsWith('$user.')) {
    const name = value.slice(6);
    if (!ctx.userVars || !(name in ctx.userVars)) throw new FilterProblem(path, 'unknown_variable', `unknown variable ${value}`);
    return ctx.userVars[name];
  }
  return value;
}

/** A filter value checked against its column's type, as it will be bound. */
function scalarValue(col: ColumnInfo, raw: unknown, ctx: FilterContext, path: string): unknown {
  const value = resolve(raw, ctx, path);
  const rule = COMPARABLE_RULES[col.comparable];
  if (!rule.filterValue) throw new FilterProblem(path, 'not_filterable', `${col.key} can only be tested with $null`);
  const bound = rule.filterValue(value);
  if (bound === REFUSED) throw new FilterProblem(path, 'type', `${col.key} needs ${rule.needs}`);
  return bound;
}

function scalar(col: ColumnInfo, raw: unknown, ctx: FilterContext, path: string): string {
  return bind(ctx, scalarValue(col, raw, ctx, path), COMPARABLE_RULES[col.comparable].cast);
}

function list(col: ColumnInfo, raw: unknown, ctx: FilterContext, path: string): unknown[] {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_IN) throw new FilterProblem(path, 'type', `a non-empty array of at most ${MAX_IN} values`);
  return raw.map((v) => resolve(v, ctx, path));
}

function elementCast(c: Comparable): string {
  return COMPARABLE_RULES[c].cast;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (m) => '\\' + m);
}

function compileOp(col: ColumnInfo, op: string, operand: unknown, ctx: FilterContext, path: string): string {
  if (op === '$null') {
    if (typeof operand !== 'boolean') throw new FilterProblem(path, 'type', '$null takes true or false');
    return `${col.sql} IS ${operand ? '' : 'NOT '}NULL`;
  }
  if (op === '$bucket' || op === '$orgLevel') return grouped(col, op, operand, ctx, path);
  if (col.encrypted) {
    // Ciphertext is random: only equality through the keyed hash is possible.
    const enc = col.encrypted;
    const h = (v: unknown) => {
      // A stored filter (segment) keeps the value only as its keyed hash: compare with it as is.
      if (isHashedValue(v)) return v.$hash;
      const r = resolve(v, ctx, path);
      if (typeof r !== 'string' && typeof r !== 'number' && typeof r !== 'boolean') throw new FilterProblem(path, 'type', `${col.key} needs a value`);
      return enc.hash(r);
    };
    if (op === '$eq') return `${enc.hashSql} = ${bind(ctx, h(operand), 'text')}`;
    if (op === '$ne') return `${enc.hashSql} IS DISTINCT FROM ${bind(ctx, h(operand), 'text')}`;
    if (op === '$in') return `${enc.hashSql} = ANY(${bind(ctx, list(col, operand, ctx, path).map(h), 'text[]')})`;
    if (op === '$nin') return `NOT (${enc.hashSql} = ANY(${bind(ctx, list(col, operand, ctx, path).map(h), 'text[]')}))`;
    throw new FilterProblem(path, 'not_supported', `${col.key} is encrypted: only $eq, $ne, $in, $nin and $null work on it`);
  }
  if (col.comparable === 'json') throw new FilterProblem(path, 'not_filterable', `${col.key} can only be tested with $null`);
  if (col.comparable === 'array') {
    // Operands are text: a uuid[] column (attachments) is compared as text[] (on a text[] column the
    // cast is no cast at all, so its GIN index still serves).
    const sql = `${col.sql}::text[]`;
    switch (op) {
      case '$contains':
      case '$eq':
        if (Array.isArray(operand)) return `${sql} @> ${bind(ctx, list(col, operand, ctx, path).map(String), 'text[]')}`;
        return `${sql} @> ARRAY[${scalar(col, operand, ctx, path)}]`;
      case '$in':
        return `${sql} && ${bind(ctx, list(col, operand, ctx, path).map(String), 'text[]')}`;
      case '$nin':
        return `NOT (coalesce(${sql}, '{}') && ${bind(ctx, list(col, operand, ctx, path).map(String), 'text[]')})`;
      case '$ne':
        return `NOT (coalesce(${sql}, '{}') @> ARRAY[${scalar(col, operand, ctx, path)}])`;
      default:
        throw new FilterProblem(path, 'not_supported', `${op} does not apply to the list field ${col.key}`);
    }
  }
  switch (op) {
    case '$eq': return `${col.sql} = ${scalar(col, operand, ctx, path)}`;
    case '$ne': return `${col.sql} IS DISTINCT FROM ${scalar(col, operand, ctx, path)}`;
    case '$gt': case '$gte': case '$lt': case '$lte': {
      if (col.comparable === 'boolean' || col.comparable === 'uuid') throw new FilterProblem(path, 'not_supported', `${op} does not apply to ${col.key}`);
      const sym = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' }[op];
      return `${col.sql} ${sym} ${scalar(col, operand, ctx, path)}`;
    }
    case '$in':
    case '$nin': {
      const values = list(col, operand, ctx, path);
      // Validate each element with the scalar rules, then bind them as one typed array.
      const probe: FilterContext = { ...ctx, params: [] };
      for (const v of values) scalar(col, v, probe, path);
      const arr = bind(ctx, probe.params, `${elementCast(col.comparable)}[]`);
      return op === '$in' ? `${col.sql} = ANY(${arr})` : `NOT (${col.sql} = ANY(${arr}))`;
    }
    case '$contains':
      if (col.comparable !== 'text') throw new FilterProblem(path, 'not_supported', `$contains applies to text and list fields`);
      if (typeof operand !== 'string' || operand.length > 200) throw new FilterProblem(path, 'type', '$contains takes a string');
      return `${col.sql} ILIKE ${bind(ctx, '%' + escapeLike(operand) + '%', 'text')}`;
    case '$like':
      if (col.comparable !== 'text') throw new FilterProblem(path, 'not_supported', `$like applies to text fields`);
      if (typeof operand !== 'string' || operand.length > 200) throw new FilterProblem(path, 'type', '$like takes a pattern string (% and _ as wildcards)');
      return `${col.sql} LIKE ${bind(ctx, operand, 'text')}`;
    default:
      throw new FilterProblem(path, 'unknown_operator', `unknown operator ${op}`);
  }
}

/**
 * The value a report grouped a row by: `{ $bucket: { unit, value } }` — the Beijing-time date bucket
 * (`2026-03`, `2026-W11`, `2026-Q1` …) of a date or date-time; `{ $orgLevel: { level, value } }` — the
 * org unit at that depth of the tree above an org-unit column (null: the column sits above that depth,
 * or is empty). The same SQL as the report's grouping, so a cell's records are exactly its rows.
 */
function grouped(col: ColumnInfo, op: string, operand: unknown, ctx: FilterContext, path: string): string {
  if (!isPlainObject(operand) || Object.keys(operand).some((k) => !['unit', 'level', 'value'].includes(k))) {
    throw new FilterProblem(path, 'type', op === '$bucket' ? '$bucket takes { unit, value }' : '$orgLevel takes { level, value }');
  }
  if (col.encrypted) throw new FilterProblem(path, 'not_supported', `${col.key} is encrypted: only $eq, $ne, $in, $nin and $null work on it`);
  if (op === '$bucket') {
    const { unit, value } = operand;
    if (col.comparable !== 'date' && col.comparable !== 'timestamp') throw new FilterProblem(path, 'not_supported', `$bucket applies to date fields`);
    if (typeof unit !== 'string' || !BUCKETS.includes(unit as Bucket)) throw new FilterProblem(`${path}/unit`, 'type', `unit is one of ${BUCKETS.join(', ')}`);
    if (typeof value !== 'string' || value.length > 20) throw new FilterProblem(`${path}/value`, 'type', 'value is a bucket such as 2026-03');
    return `${bucketSql(col.sql, col.comparable === 'timestamp', unit as Bucket)} = ${bind(ctx, value, 'text')}`;
  }
  const { level, value } = operand;
  if (col.comparable !== 'uuid') throw new FilterProblem(path, 'not_supported', `$orgLevel applies to org-unit fields`);
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 1 || level > 8) throw new FilterProblem(`${path}/level`, 'type', 'level is 1..8');
  if (value === null) return `${orgLevelSql(col.sql, bind(ctx, level, 'int'))} IS NULL`;
  // The same rows as "the column's unit at that depth = value", said as the set of units under the value:
  // an index on the column finds them, and no unit is looked up once per row.
  if (ctx.orgUnits) return `${col.sql} = ANY(${bind(ctx, ctx.orgUnits.atLevel(level, String(scalarValue(col, value, ctx, `${path}/value`))), 'uuid[]')})`;
  return `${col.sql} IN (SELECT ou.id FROM crm.org_units ou WHERE ou.path[${bind(ctx, level, 'int')}] = ${scalar(col, value, ctx, `${path}/value`)})`;
}

export interface SortKey {
  col: ColumnInfo;
  desc: boolean;
}

export function parseSort(sort: string | undefined, columns: Map<string, ColumnInfo>): SortKey[] {
  if (!sort) return [{ col: columns.get('created_at')!, desc: true }];
  const keys = sort.split(',').map((s) => s.trim()).filter(Boolean);
  if (keys.length === 0 || keys.length > 5) throw new AppError(400, 'records.invalid_sort', { sort: sort.slice(0, 100) });
  return keys.map((k) => {
    const desc = k.startsWith('-');
    const name = k.replace(/^[-+]/, '');
    const col = columns.get(name);
    if (!col || col.encrypted || col.comparable === 'json' || col.comparable === 'array') {
      throw new AppError(400, 'records.invalid_sort', { sort: name.slice(0, 100) });
    }
    return { col, desc };
  });
}

/** ORDER BY with the id as the final tie-breaker, so keyset paging is total. */
export function orderBy(keys: SortKey[], idSql: string): string {
  const parts = keys.map((k) => `${k.col.sql} ${k.desc ? 'DESC' : 'ASC'}`);
  const lastDesc = keys.length ? keys[keys.length - 1].desc : false;
  parts.push(`${idSql} ${lastDesc ? 'DESC' : 'ASC'}`);
  return parts.join(', ');
}

/**
 * The keyset condition "comes after the cursor row" for the given order. PostgreSQL sorts NULLs
 * last ascending and first descending, i.e. NULL is the largest value either way.
 */
export function afterCursor(keys: SortKey[], cursor: unknown[], idSql: string, ctx: FilterContext): string {
  // A cursor comes back from the client: each value must have its column's type before it is bound.
  const typed = [...keys.map((k) => k.col.comparable), 'uuid' as Comparable];
  if (cursor[keys.length] === null || typed.some((c, i) => !cursorValueOk(c, cursor[i]))) throw new AppError(400, 'records.invalid_cursor');
  const lastDesc = keys.length ? keys[keys.length - 1].desc : false;
  const all: { sql: string; desc: boolean; cast: string; value: unknown }[] = [
    ...keys.map((k, i) => ({ sql: k.col.sql, desc: k.desc, cast: elementCast(k.col.comparable), value: cursor[i] })),
    { sql: idSql, desc: lastDesc, cast: 'uuid', value: cursor[keys.length] },
  ];
  const ors: string[] = [];
  for (let i = 0; i < all.length; i++) {
    const eqs = all.slice(0, i).map((c) => (c.value === null ? `${c.sql} IS NULL` : `${c.sql} = ${bind(ctx, c.value, c.cast)}`));
    const c = all[i];
    let after: string;
    if (c.value === null) after = c.desc ? `${c.sql} IS NOT NULL` : 'FALSE';
    else after = c.desc ? `${c.sql} < ${bind(ctx, c.value, c.cast)}` : `(${c.sql} > ${bind(ctx, c.value, c.cast)} OR ${c.sql} IS NULL)`;
    ors.push([...eqs, after].join(' AND '));
  }
  return '(' + ors.map((o) => `(${o})`).join(' OR ') + ')';
}

function cursorValueOk(c: Comparable, v: unknown): boolean {
  return v === null || COMPARABLE_RULES[c].cursorOk(v);
}
