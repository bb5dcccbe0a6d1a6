/**
 * How each field type is stored: its PostgreSQL column type (the type's server descriptor in
 * @crm/form-engine field-types/<type>), and the type changes the data survives. Sensitive fields
 * (level ≥ 3) are stored as ciphertext (text) plus a keyed hash column `<key>__h`, whatever their type.
 */
import { fieldType, type Comparable, type FieldDef } from '@crm/form-engine';

export const SYSTEM_COLUMNS = ['id', 'created_at', 'updated_at', 'created_by', 'updated_by', 'owner_id', 'org_unit_id', 'version', 'deleted_at', 'form_key', 'form_version'] as const;

export function isEncrypted(f: Pick<FieldDef, 'sensitivity'>): boolean {
  return (f.sensitivity ?? 0) >= 3;
}

/** The SQL type of a field's column (identifiers quoted by the caller); an unknown type throws. */
export function columnType(f: FieldDef): string {
  if (isEncrypted(f)) return 'text';
  const server = fieldType(f.type).server;
  if (!server.numericFromOptions) return server.column;
  const p = Number(f.options?.precision ?? server.numericFromOptions.precision);
  const s = Number(f.options?.scale ?? server.numericFromOptions.scale);
  return `numeric(${p},${s})`;
}

/** Types whose values are compared as numbers / dates / text in filters and sorts. */
export type { Comparable };

export function comparableOf(t: string): Comparable {
  return fieldType(t).server.comparable;
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

/** The foreign key a field's column carries, or '' (encrypted fields hold ciphertext: none). */
export function referencesOf(f: FieldDef): string {
  const ref = fieldType(f.type).server.references;
  if (!ref || isEncrypted(f)) return '';
  return ` REFERENCES ${ref === 'target' ? tableOf(f.target!) : ref}(id)`;
}

export function tableOf(objectKey: string): string {
  return `crm_data.${quoteIdent(objectKey)}`;
}

export function hashColumn(fieldKey: string): string {
  return `${fieldKey}__h`;
}
