/**
 * What a solution pack last installed, part by part (crm.pack_parts: fingerprints of the canonical
 * JSON), and the parts its latest install left as the bank has them (crm.pack_conflicts). Written only
 * inside an install's transaction, so a failed install leaves both as they were.
 */
import type { PoolClient } from 'pg';
import { acknowledgedDeletion, type PartDecision } from './three-way.js';

type Query = Pick<PoolClient, 'query'>;

export interface PackConflict {
  part: string;
  reason: Extract<PartDecision, 'changed_on_both_sides' | 'deleted_by_bank' | 'no_baseline'>;
  packVersion: string;
  baseFingerprint: string | null;
  bankFingerprint: string | null;
  packFingerprint: string;
  detectedAt?: string;
}

export async function loadBaseline(q: Query, pack: string): Promise<Map<string, string>> {
  const { rows } = await q.query<{ part: string; fingerprint: string }>('SELECT part, fingerprint FROM crm.pack_parts WHERE pack = $1', [pack]);
  return new Map(rows.map((r) => [r.part, r.fingerprint]));
}

/** Records what the pack installed now (parts taken from the pack, or already equal to it). */
export async function saveBaseline(q: Query, pack: string, version: string, parts: ReadonlyMap<string, string>): Promise<void> {
  if (!parts.size) return;
  await q.query(
    `INSERT INTO crm.pack_parts (pack, part, fingerprint, pack_version)
     SELECT $1, p, f, $2 FROM unnest($3::text[], $4::text[]) AS t(p, f)
     ON CONFLICT (pack, part) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, pack_version = EXCLUDED.pack_version, updated_at = now()
     WHERE crm.pack_parts.fingerprint IS DISTINCT FROM EXCLUDED.fingerprint OR crm.pack_parts.pack_version IS DISTINCT FROM EXCLUDED.pack_version`,
    [pack, version, [...parts.keys()], [...parts.values()]],
  );
}

/** The conflicts of the latest install replace the earlier list (a part resolved since drops out). */
export async function replaceConflicts(q: Query, pack: string, conflicts: readonly PackConflict[]): Promise<void> {
  await q.query('DELETE FROM crm.pack_conflicts WHERE pack = $1', [pack]);
  if (!conflicts.length) return;
  await q.query(
    `INSERT INTO crm.pack_conflicts (pack, part, reason, pack_version, base_fingerprint, bank_fingerprint, pack_fingerprint)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])`,
    [
      pack,
      conflicts.map((c) => c.part), conflicts.map((c) => c.reason), conflicts.map((c) => c.packVersion),
      conflicts.map((c) => c.baseFingerprint), conflicts.map((c) => c.bankFingerprint), conflicts.map((c) => c.packFingerprint),
    ],
  );
}

export async function listConflicts(q: Query, pack: string): Promise<PackConflict[]> {
  const { rows } = await q.query<{ part: string; reason: PackConflict['reason']; pack_version: string; base_fingerprint: string | null; bank_fingerprint: string | null; pack_fingerprint: string; detected_at: Date }>(
    'SELECT part, reason, pack_version, base_fingerprint, bank_fingerprint, pack_fingerprint, detected_at FROM crm.pack_conflicts WHERE pack = $1 ORDER BY part',
    [pack],
  );
  return rows.map((r) => ({
    part: r.part, reason: r.reason, packVersion: r.pack_version, baseFingerprint: r.base_fingerprint,
    bankFingerprint: r.bank_fingerprint, packFingerprint: r.pack_fingerprint, detectedAt: r.detected_at.toISOString(),
  }));
}

/**
 * The bank keeps its own version of these reported parts: what the pack brought is recorded as seen
 * (a deletion as confirmed), so later installs keep the bank's version without reporting it — until
 * the pack changes the part again. Returns the parts that were not reported (nothing is changed then).
 */
export async function acceptBankVersions(q: Query, pack: string, parts: readonly string[]): Promise<{ unknown: string[]; resolved: PackConflict[] }> {
  const { rows } = await q.query<{ part: string; reason: PackConflict['reason']; pack_version: string; pack_fingerprint: string }>(
    'SELECT part, reason, pack_version, pack_fingerprint FROM crm.pack_conflicts WHERE pack = $1 AND part = ANY($2) FOR UPDATE',
    [pack, parts],
  );
  const found = new Set(rows.map((r) => r.part));
  const unknown = [...new Set(parts)].filter((p) => !found.has(p));
  if (unknown.length) return { unknown, resolved: [] };
  await q.query(
    `INSERT INTO crm.pack_parts (pack, part, fingerprint, pack_version)
     SELECT $1, p, f, v FROM unnest($2::text[], $3::text[], $4::text[]) AS t(p, f, v)
     ON CONFLICT (pack, part) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, pack_version = EXCLUDED.pack_version, updated_at = now()`,
    [pack, rows.map((r) => r.part), rows.map((r) => (r.reason === 'deleted_by_bank' ? acknowledgedDeletion(r.pack_fingerprint) : r.pack_fingerprint)), rows.map((r) => r.pack_version)],
  );
  await q.query('DELETE FROM crm.pack_conflicts WHERE pack = $1 AND part = ANY($2)', [pack, parts]);
  return {
    unknown: [],
    resolved: rows.map((r) => ({ part: r.part, reason: r.reason, packVersion: r.pack_version, baseFingerprint: null, bankFingerprint: null, packFingerprint: r.pack_fingerprint })),
  };
}
