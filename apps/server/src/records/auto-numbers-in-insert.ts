/**
 * Auto numbers drawn inside a record's own INSERT, so a create stays one statement: each field's
 * counter row (crm.auto_numbers) is bumped by a data-modifying CTE whose RETURNING renders the
 * number (prefix + zero-padded sequence, as formatAutoNumber does), the INSERT selects it, and the
 * audit entry has it set into `after`. One statement commits or fails whole, counter included.
 * Fields whose value is encrypted (level 3 and up) need the number in the process first: those
 * objects keep the transaction path.
 */
import { autoNumberPrefix, parseAutoNumberPattern, type FieldDef } from '@crm/form-engine';
import { isEncrypted, quoteIdent } from '../metadata/field-types.js';

/** The object's auto-number fields with a pattern (the ones a create draws a number for). */
export function autoNumberFields(fields: FieldDef[]): FieldDef[] {
  return fields.filter((f) => f.type === 'auto_number' && typeof f.options?.pattern === 'string');
}

/** Whether every auto number of a create can be drawn inside its statement. */
export function drawableInInsert(fields: FieldDef[]): boolean {
  return autoNumberFields(fields).every((f) => !isEncrypted(f));
}

export interface DrawnNumbers {
  /** CTEs to put before the INSERT. */
  ctes: string[];
  /** Columns the INSERT adds, and what it selects for them. */
  columns: string[];
  values: string[];
  /** FROM clause of the INSERT's SELECT ('' when nothing is drawn). */
  from: string;
  /** Wraps the audit entry's data (jsonb) so `after` carries the numbers drawn (rec is the inserted row). */
  auditData(data: string): string;
}

/** Builds the CTEs drawing every auto number of `objectKey` for a record created at `now`; `bind` adds a parameter. */
export function drawAutoNumbers(objectKey: string, fields: FieldDef[], now: Date, bind: (v: unknown, cast: string) => string): DrawnNumbers {
  const drawn = autoNumberFields(fields).map((f, i) => {
    const pattern = String(f.options!.pattern);
    const parts = parseAutoNumberPattern(pattern);
    const width = (parts[parts.length - 1] as { kind: 'seq'; width: number }).width;
    const prefix = bind(autoNumberPrefix(pattern, now), 'text');
    // A sequence wider than its width is kept whole (lpad alone would cut it).
    const seq = `n.last_value::text`;
    const cte = `an${i} AS (
      INSERT INTO crm.auto_numbers AS n (object_key, field_key, prefix, last_value) VALUES (${bind(objectKey, 'text')}, ${bind(f.key, 'text')}, ${prefix}, 1)
      ON CONFLICT (object_key, field_key, prefix) DO UPDATE SET last_value = n.last_value + 1
      RETURNING ${prefix} || CASE WHEN length(${seq}) >= ${width} THEN ${seq} ELSE lpad(${seq}, ${width}, '0') END AS v)`;
    return { f, cte, alias: `an${i}`, path: bind(['after', f.key], 'text[]') };
  });
  return {
    ctes: drawn.map((d) => d.cte),
    columns: drawn.map((d) => quoteIdent(d.f.key)),
    values: drawn.map((d) => `${d.alias}.v`),
    from: drawn.length ? `FROM ${drawn.map((d) => d.alias).join(', ')}` : '',
    auditData: (data) => drawn.reduce((acc, d) => `jsonb_set(${acc}, ${d.path}, to_jsonb(rec.${quoteIdent(d.f.key)}))`, data),
  };
}
