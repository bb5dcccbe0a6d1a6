/** The `aml-screening` service task of the bank pack: a name or ID number against its local sanctions list. */
import type { Db } from '../../database/db.js';
import { BpmnError } from '../../workflow/service-tasks.js';

/** Name (spaces and case ignored) or ID number against the local sanctions list. */
export async function amlScreening(db: Db, input: Record<string, unknown>): Promise<Record<string, unknown>> {
  const name = typeof input.name === 'string' ? input.name : null;
  const idNumber = typeof input.idNumber === 'string' ? input.idNumber : typeof input.id_number === 'string' ? input.id_number : null;
  if (!name && !idNumber) throw new BpmnError('AML_NO_INPUT', 'aml-screening needs name or idNumber');
  const rows = await db.query<{ list: string; name: string; reason: string | null; matched_on: string }>(
    `SELECT list, name, reason, CASE WHEN $2::text IS NOT NULL AND upper(id_number) = upper($2) THEN 'idNumber' ELSE 'name' END AS matched_on
     FROM crm.bank_sanctions
     WHERE ($1::text IS NOT NULL AND lower(regexp_replace(name, '\\s', '', 'g')) = lower(regexp_replace($1, '\\s', '', 'g')))
        OR ($2::text IS NOT NULL AND upper(id_number) = upper($2))
     ORDER BY list, name LIMIT 50`,
    [name, idNumber],
  );
  return { amlHit: rows.length > 0, amlMatches: rows.map((r) => ({ list: r.list, name: r.name, reason: r.reason, matchedOn: r.matched_on })) };
}
