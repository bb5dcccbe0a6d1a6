/**
 * The statement of the bulk computed-value write (RecordsService.writeComputed): one UPDATE over a
 * batch that also reads each record's previous value of the written field — a self-join in the same
 * statement, so the `record.update` audit row it inserts names the value it replaced. Kept apart so
 * the records service stays free of reads of crm_data (only this write's own field is read back).
 */
import { AUDIT_COLUMNS } from '../audit/audit-writer.js';
import { tableOf } from '../metadata/field-types.js';

/**
 * Parameters: $1 ids, $2 values (text), $3 actor id, $4 actor name, $5 object key, $6 ip,
 * $7 request id, $8 field key, $9 `via` JSON. Answers the written rows with `__prev`.
 */
export function computedWriteSql(objectKey: string, col: string, cast: string): string {
  return `WITH v AS (SELECT * FROM unnest($1::uuid[], $2::text[]) AS v(id, val)),
       up AS (
         UPDATE ${tableOf(objectKey)} t SET ${col} = v.val::${cast}, version = t.version + 1, updated_at = now(), updated_by = $3::uuid
         FROM v JOIN ${tableOf(objectKey)} old ON old.id = v.id
         WHERE t.id = v.id AND t.deleted_at IS NULL AND t.${col} IS DISTINCT FROM v.val::${cast}
         RETURNING t.*, old.${col} AS __prev
       ),
       a AS (
         INSERT INTO crm.audit_log (${AUDIT_COLUMNS})
         SELECT $3::uuid, $4, 'record.update', $5, up.id::text, 'success', $6, $7,
                jsonb_build_object('before', jsonb_build_object($8::text, up.__prev::text), 'after', jsonb_build_object($8::text, up.${col}::text),
                                   'changed', jsonb_build_array($8::text), 'via', $9::jsonb)
           FROM up
       )
       SELECT * FROM up`;
}
