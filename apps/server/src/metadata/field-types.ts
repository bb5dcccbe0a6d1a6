/**
 * How each field type is stored: its PostgreSQL column type, and the conversions between the wire
 * format of API.md and the database. Sensitive fields (level ≥ 3) are stored as ciphertext (text)
 * plus a keyed hash column `<key>__h`, whatever their type.
 */
import type { FieldDef, FieldType } from '@crm/form-engine';

export const SYSTEM_COLUMNS = ['id', 'created_at', 'updated_at', 'created_by', 'updated_by', 'owner_id', 'org_unit_id', 'version', 'deleted_at', 'form_key', 'form_version'] as const;

export function isEncrypted(f: Pick<FieldDef, 'sensitivity'>): boolean {
  return (f.sensitivity ?? 0) >= 3;
}

/** The SQL type of a field's column (identifiers quoted by the caller). */
export function columnType(f: FieldDef): string {
  if (isEncrypted(f)) return 'text';
  switch (f.type) {
    case 'integer': return 'bigint';
    case 'decimal': {
      const p = Number(f.options?.precision ?? 18);
      const s = Number(f.options?.scale ?? 2);
      return `numeric(${p},${s})`;
    }
    case 'money': return 'numeric(20,2)';
    case 'percent': return 'numeric(12,4)';
    case 'boolean': return 'boolean';
    case 'date': return 'date';
    case 'datetime': return 'timestamptz';
    case 'multiselect':
    case 'tags': return 'text[]';
    case 'relation':
    case 'user':
    case 'org_unit': return 'uuid';
    case 'attachment': return 'uuid[]';
    case 'json':
    case 'computed': return 'jsonb';
    default: return 'text';
  }
}

/** Types whose values are compared as numbers / dates / text in filters and sorts. */
export type Comparable = 'number' | 'text' | 'date' | 'timestamp' | 'boolean' | 'array' | 'uuid' | 'json';

export function comparableOf(t: FieldType): Comparable {
  switch (t) {
    case 'integer': case 'decimal': case 'money': case 'percent': return 'number';
    case 'date': return 'date';
    case 'datetime': return 'timestamp';
    case 'boolean': return 'boolean';
    case 'multiselect': case 'tags': case 'attachment': return 'array';
    case 'relation': case 'user': case 'org_unit': return 'uuid';
    case 'json': case 'computed': return 'json';
    default: return 'text';
  }
}

/**
 * Type changes allowed when existing data converts: the USING expression, or null when refused.
 * Anything to text works; text to a number or date only with a check of every row first.
 */
export function conversionUsing(from: FieldDef, to: FieldDef, col: string): string | null {
  const target = columnType(to);
  const source = columnType(from);
  if (target === source) return col;
  if (isEncrypted(from) || isEncrypted(to)) return null; // re-encryption is a purge-and-copy job, not DDL
  if (target === 'text') return source === 'text[]' || source === 'uuid[]' ? `array_to_string(${col}, ',')` : source === 'jsonb' ? `${col} #>> '{}'` : `${col}::text`;
  if (source === 'text' && ['bigint', 'boolean', 'date', 'timestamptz', 'uuid'].includes(target)) return `${col}::${target}`;
  if (source === 'text' && target.startsWith('numeric')) return `${col}::${target}`;
  if (source === 'bigint' && target.startsWith('numeric')) return `${col}::${target}`;
  if (source.startsWith('numeric') && target.startsWith('numeric')) return `${col}::${target}`;
  if (source.startsWith('numeric') && target === 'bigint') return `${col}::bigint`;
  if (source === 'text' && target === 'text[]') return `CASE WHEN ${col} IS NULL THEN NULL ELSE ARRAY[${col}] END`;
  if (source === 'date' && target === 'timestamptz') return `${col}::timestamptz`;
  return null;
}

export function quoteIdent(name: string): string {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(name) && !/^[a-z][a-z0-9_]{0,62}__h$/.test(name)) {
    throw new Error(`refusing to quote an identifier that is not from metadata: ${name}`);
  }
  return `"${name}"`;
}

export function tableOf(objectKey: string): string {
  return `crm_data.${quoteIdent(objectKey)}`;
}

export function hashColumn(fieldKey: string): string {
  return `${fieldKey}__h`;
}
