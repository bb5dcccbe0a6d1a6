/**
 * Names of staff and org units by id — what every screen shows instead of a user or org-unit id
 * (report labels, display values). The staff directory and the org tree are known to every
 * signed-in user, so no row scope applies; at most `limit` ids are resolved.
 */
import type { Db } from '../database/db.js';

export async function directoryNames(db: Pick<Db, 'query'>, table: 'users' | 'org_units', ids: string[], limit = 2000): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const sql =
    table === 'users'
      ? `SELECT id::text AS id, coalesce(display_name, username) AS name FROM crm.users WHERE id = ANY($1::uuid[]) LIMIT $2`
      : `SELECT id::text AS id, name FROM crm.org_units WHERE id = ANY($1::uuid[]) LIMIT $2`;
  const rows = await db.query<{ id: string; name: string }>(sql, [ids, limit]);
  return new Map(rows.map((r) => [r.id, r.name]));
}
