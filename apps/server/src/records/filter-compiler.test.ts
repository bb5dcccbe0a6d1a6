/**
 * The filter compiler as a pure function: the SQL text and the bound parameters it produces for
 * every operator and column kind, and the 400 it answers for everything else. Values never appear
 * in the SQL text. (record-codec.test.ts runs compiled filters against a real PostgreSQL.)
 */
import { describe, expect, it } from '@jest/globals';
import type { FieldDef } from '@crm/form-engine';
import { AppError } from '../common/app-error.js';
import { comparableOf, quoteIdent } from '../metadata/field-types.js';
import { afterCursor, compileFilter, orderBy, parseSort, type ColumnInfo, type FilterContext } from './filter-compiler.js';

const fields: FieldDef[] = [
  { key: 'name', label: 'n', type: 'text' },
  { key: 'amount', label: 'a', type: 'money' },
  { key: 'age', label: 'a', type: 'integer' },
  { key: 'vip', label: 'v', type: 'boolean' },
  { key: 'birth', label: 'b', type: 'date' },
  { key: 'seen_at', label: 's', type: 'datetime' },
  { key: 'owner', label: 'o', type: 'user' },
  { key: 'tags', label: 't', type: 'tags' },
  { key: 'extra', label: 'e', type: 'json' },
];

function context(userVars?: Record<string, unknown>): FilterContext {
  const columns = new Map<string, ColumnInfo>();
  for (const f of fields) columns.set(f.key, { key: f.key, sql: `t.${quoteIdent(f.key)}`, comparable: comparableOf(f.type) });
  columns.set('id_number', { key: 'id_number', sql: 't."id_number"', comparable: 'text', encrypted: { hashSql: 't."id_number__h"', hash: (v) => `h(${String(v)})` } });
  columns.set('created_at', { key: 'created_at', sql: 't.created_at', comparable: 'timestamp' });
  return { columns, params: [], userVars };
}

function compiled(filter: unknown, userVars?: Record<string, unknown>) {
  const ctx = context(userVars);
  return { sql: compileFilter(filter, ctx), params: ctx.params };
}

/** The 400 a filter gets: its details. */
function problem(filter: unknown): { path: string; code: string }[] {
  try {
    compileFilter(filter, context());
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(400);
    expect((err as AppError).code).toBe('records.invalid_filter');
    return ((err as AppError).details as { path: string; code: string }[]).map(({ path, code }) => ({ path, code }));
  }
  throw new Error('the filter compiled');
}

describe('compileFilter', () => {
  it('binds every value with its column kind’s cast, numbers as decimal text', () => {
    expect(compiled({ amount: { $gt: 1.5, $lte: '9007199254740993.01' } })).toEqual({
      sql: 't."amount" > $1::numeric AND t."amount" <= $2::numeric',
      params: ['1.5', '9007199254740993.01'],
    });
    expect(compiled({ name: '张三', vip: true, birth: { $gte: '1990-01-01' } })).toEqual({
      sql: 't."name" = $1::text AND t."vip" = $2::boolean AND t."birth" >= $3::date',
      params: ['张三', true, '1990-01-01'],
    });
    expect(compiled({ seen_at: { $lt: '2024-05-01T09:30:00+08:00' }, owner: '00000000-0000-4000-8000-000000000001' })).toEqual({
      sql: 't."seen_at" < $1::timestamptz AND t."owner" = $2::uuid',
      params: ['2024-05-01T09:30:00+08:00', '00000000-0000-4000-8000-000000000001'],
    });
  });

  it('compiles $ne, $in, $nin and $null', () => {
    expect(compiled({ age: { $in: [1, '2'] }, name: { $ne: 'x' } })).toEqual({
      sql: 't."age" = ANY($1::numeric[]) AND t."name" IS DISTINCT FROM $2::text',
      params: [['1', '2'], 'x'],
    });
    expect(compiled({ birth: { $nin: ['2000-01-01'] }, extra: null, vip: { $null: false } })).toEqual({
      sql: 'NOT (t."birth" = ANY($1::date[])) AND t."extra" IS NULL AND t."vip" IS NOT NULL',
      params: [['2000-01-01']],
    });
  });

  it('escapes LIKE wildcards in $contains and keeps them in $like', () => {
    expect(compiled({ name: { $contains: '50%_\\' } })).toEqual({ sql: 't."name" ILIKE $1::text', params: ['%50\\%\\_\\\\%'] });
    expect(compiled({ name: { $like: '张%' } })).toEqual({ sql: 't."name" LIKE $1::text', params: ['张%'] });
  });

  it('tests list columns element-wise', () => {
    expect(compiled({ tags: 'vip' })).toEqual({ sql: 't."tags"::text[] @> ARRAY[$1::text]', params: ['vip'] });
    expect(compiled({ tags: { $contains: ['a', 'b'] } })).toEqual({ sql: 't."tags"::text[] @> $1::text[]', params: [['a', 'b']] });
    expect(compiled({ tags: { $in: ['a'] } })).toEqual({ sql: 't."tags"::text[] && $1::text[]', params: [['a']] });
    expect(compiled({ tags: { $nin: ['a'] } })).toEqual({ sql: `NOT (coalesce(t."tags"::text[], '{}') && $1::text[])`, params: [['a']] });
    expect(compiled({ tags: { $ne: 'a' } })).toEqual({ sql: `NOT (coalesce(t."tags"::text[], '{}') @> ARRAY[$1::text])`, params: ['a'] });
  });

  it('compares encrypted fields only through their keyed hash', () => {
    expect(compiled({ id_number: '110105194912301234' })).toEqual({ sql: 't."id_number__h" = $1::text', params: ['h(110105194912301234)'] });
    expect(compiled({ id_number: { $in: ['a', 'b'] } })).toEqual({ sql: 't."id_number__h" = ANY($1::text[])', params: [['h(a)', 'h(b)']] });
    // A stored segment keeps only the hash: it is compared as is, never hashed again.
    const hashed = { $hash: 'a'.repeat(64) };
    expect(compiled({ id_number: { $ne: hashed } }).params).toEqual(['a'.repeat(64)]);
    expect(problem({ id_number: { $contains: '1101' } })).toEqual([{ path: '/id_number/$contains', code: 'not_supported' }]);
    expect(problem({ id_number: { $gt: '1' } })).toEqual([{ path: '/id_number/$gt', code: 'not_supported' }]);
  });

  it('combines with $and, $or and $not, and resolves $user variables', () => {
    expect(compiled({ $or: [{ owner: '$user.id' }, { $not: { vip: true } }] }, { id: '00000000-0000-4000-8000-000000000002' })).toEqual({
      sql: '(t."owner" = $1::uuid OR NOT (t."vip" = $2::boolean))',
      params: ['00000000-0000-4000-8000-000000000002', true],
    });
    expect(compiled({})).toEqual({ sql: 'TRUE', params: [] });
  });

  it('answers 400 naming the place of every kind of bad filter', () => {
    expect(problem({ nope: 1 })).toEqual([{ path: '/nope', code: 'unknown_field' }]);
    expect(problem({ name: { $regex: 'x' } })).toEqual([{ path: '/name/$regex', code: 'unknown_operator' }]);
    expect(problem({ $where: 'x' })).toEqual([{ path: '/$where', code: 'unknown_operator' }]);
    expect(problem({ amount: '1e3' })).toEqual([{ path: '/amount', code: 'type' }]);
    expect(problem({ amount: Number.NaN })).toEqual([{ path: '/amount', code: 'type' }]);
    expect(problem({ birth: '2024-02-30x' })).toEqual([{ path: '/birth', code: 'type' }]);
    expect(problem({ seen_at: 'yesterday' })).toEqual([{ path: '/seen_at', code: 'type' }]);
    expect(problem({ vip: 'true' })).toEqual([{ path: '/vip', code: 'type' }]);
    expect(problem({ owner: "1' OR '1'='1" })).toEqual([{ path: '/owner', code: 'type' }]);
    expect(problem({ owner: { $gt: '00000000-0000-4000-8000-000000000001' } })).toEqual([{ path: '/owner/$gt', code: 'not_supported' }]);
    expect(problem({ extra: { $eq: 1 } })).toEqual([{ path: '/extra/$eq', code: 'not_filterable' }]);
    expect(problem({ age: { $contains: '1' } })).toEqual([{ path: '/age/$contains', code: 'not_supported' }]);
    expect(problem({ tags: { $gt: 'a' } })).toEqual([{ path: '/tags/$gt', code: 'not_supported' }]);
    expect(problem({ name: 'x'.repeat(1001) })).toEqual([{ path: '/name', code: 'type' }]);
    expect(problem({ age: { $in: [] } })).toEqual([{ path: '/age/$in', code: 'type' }]);
    expect(problem({ age: { $in: Array.from({ length: 1001 }, (_, i) => i) } })).toEqual([{ path: '/age/$in', code: 'type' }]);
    expect(problem({ owner: '$user.password' })).toEqual([{ path: '/owner', code: 'unknown_variable' }]);
    expect(problem({ $and: [] })).toEqual([{ path: '/$and', code: 'type' }]);
    expect(problem([{ name: 'x' }])).toEqual([{ path: '', code: 'type' }]);
    let deep: unknown = { name: 'x' };
    for (let i = 0; i < 10; i++) deep = { $not: deep };
    expect(problem(deep)[0]!.code).toBe('too_deep');
    expect(problem({ $or: Array.from({ length: 60 }, () => ({ age: 1, name: 'x' })) })[0]!.code).toBe('too_many_terms');
  });
});

describe('sorting and keyset cursors', () => {
  const { columns } = context();

  it('orders by allowed columns with the id as the last tie-breaker, and refuses the rest', () => {
    expect(orderBy(parseSort('-amount,name', columns), 't.id')).toBe('t."amount" DESC, t."name" ASC, t.id ASC');
    expect(orderBy(parseSort(undefined, columns), 't.id')).toBe('t.created_at DESC, t.id DESC');
    for (const bad of ['tags', 'extra', 'id_number', 'nope', 'a,b,c,d,e,f', ',']) {
      expect(() => parseSort(bad, columns)).toThrow(expect.objectContaining({ status: 400, code: 'records.invalid_sort' }));
    }
  });

  it('compiles "after the cursor row" with typed parameters, NULL the largest value', () => {
    const ctx = context();
    const id = '00000000-0000-4000-8000-000000000003';
    expect(afterCursor(parseSort('amount', ctx.columns), ['10.50', id], 't.id', ctx)).toBe(
      '(((t."amount" > $1::numeric OR t."amount" IS NULL)) OR (t."amount" = $2::numeric AND (t.id > $3::uuid OR t.id IS NULL)))',
    );
    expect(ctx.params).toEqual(['10.50', '10.50', id]);
    const nulls = context();
    expect(afterCursor(parseSort('-birth', nulls.columns), [null, id], 't.id', nulls)).toBe('((t."birth" IS NOT NULL) OR (t."birth" IS NULL AND t.id < $1::uuid))');
  });

  it('refuses a cursor whose values do not fit the columns', () => {
    const keys = parseSort('amount', context().columns);
    for (const cursor of [['abc', '00000000-0000-4000-8000-000000000003'], ['1', null], ['1', 'not-a-uuid'], [{ x: 1 }, '00000000-0000-4000-8000-000000000003']]) {
      expect(() => afterCursor(keys, cursor, 't.id', context())).toThrow(expect.objectContaining({ code: 'records.invalid_cursor' }));
    }
    const ts = parseSort('seen_at', context().columns);
    expect(() => afterCursor(ts, ['2024-05-01', '00000000-0000-4000-8000-000000000003'], 't.id', context())).toThrow(expect.objectContaining({ code: 'records.invalid_cursor' }));
  });
});
