/**
 * Archiving a month of the audit trail: the month's partition is written to a file with every entry's
 * chain link (position, previous hash, hash), the file is read back and verified, the month is recorded
 * in crm.audit_archives (its chain positions, the file's digest, a MAC under the chain key) and only
 * then is the partition detached and dropped — in one transaction. The chain links stay in
 * crm.audit_chain, so online verification goes on across the gap and an archived file is verified
 * against them (`verifyArchiveFile`), or put back online (`restoreArchivedMonth`) and then verified in
 * full. Months are calendar months in Beijing time, like the partitions.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import type pg from 'pg';
import { canonicalJson, chainKey, GENESIS, hashAuditRow, VERIFIABLE_ALGORITHMS, type AuditRowForHash, type KeyedAlgorithm } from './audit-hash.js';

export const ARCHIVE_FORMAT = 'bank-crm-audit-archive';
const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;
const BATCH = 5000;

export class ArchiveRefused extends Error {}

export interface ChainKeys {
  keys: Record<KeyedAlgorithm, Buffer>;
}

export function chainKeys(dataKey: Buffer): ChainKeys {
  return { keys: { 'hmac-sha256': chainKey(dataKey, 'hmac-sha256'), 'hmac-sm3': chainKey(dataKey, 'hmac-sm3') } };
}

/** The columns that are hashed, in a text form that does not depend on the session's time zone. */
export function selectForHash(a: string): string {
  return `${a}.seq::text AS seq, to_char(${a}.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
    ${a}.actor_id::text AS actor_id, ${a}.actor_name, ${a}.action, ${a}.object, ${a}.record_id, ${a}.outcome,
    ${a}.ip, ${a}.request_id, ${a}.data`;
}

/** Monthly partitions from this month to `monthsAhead` months ahead (Beijing time); returns how many were made. */
export async function ensureAuditPartitions(db: Pick<pg.PoolClient, 'query'>, monthsAhead = 3): Promise<number> {
  const { rows } = await db.query<{ made: number }>(
    `SELECT crm.audit_ensure_partitions((now() AT TIME ZONE 'Asia/Shanghai')::date,
                                        ((now() AT TIME ZONE 'Asia/Shanghai') + $1::int * interval '1 month')::date) AS made`,
    [monthsAhead],
  );
  return rows[0]?.made ?? 0;
}

export interface ArchivedEntry {
  position: string;
  prev: string;
  hash: string;
  algorithm: string;
  entry: AuditRowForHash;
}

export interface ArchiveHeader {
  format: typeof ARCHIVE_FORMAT;
  formatVersion: 1;
  month: string;
  rows: number;
  firstPosition: string | null;
  lastPosition: string | null;
  lastHash: string | null;
  createdAt: string;
}

function parseMonth(month: string): { month: string; partition: string; first: string } {
  const m = MONTH_RE.exec(month);
  if (!m) throw new ArchiveRefused(`月份格式应为 YYYY-MM / the month must be YYYY-MM: ${month.slice(0, 20)}`);
  return { month, partition: `audit_log_p${m[1]}${m[2]}`, first: `${m[1]}-${m[2]}-01` };
}

/** The record's MAC: who alters or forges an archive row without the chain key is caught by verify. */
export function archiveMac(keys: ChainKeys, r: { month: string; rows: string | number; positions: string; last_hash: string; file_sha256: string }): string {
  const body = canonicalJson({ month: r.month, rows: String(r.rows), positions: r.positions, last_hash: r.last_hash, file_sha256: r.file_sha256 });
  return createHmac('sha256', keys.keys['hmac-sha256']).update('crm audit archive\n').update(body).digest('hex');
}

/** Recomputes each entry's link; names the first position that does not match. */
function checkLinks(entries: ArchivedEntry[], keys: ChainKeys): string | null {
  for (const e of entries) {
    if (!VERIFIABLE_ALGORITHMS.includes(e.algorithm)) return `position ${e.position}: algorithm ${e.algorithm} is not verifiable`;
    const alg = e.algorithm as KeyedAlgorithm;
    if (hashAuditRow(alg, e.prev, e.entry, keys.keys[alg]) !== e.hash) return `position ${e.position} (seq ${e.entry.seq}) does not match its link`;
  }
  return null;
}

function encode(header: ArchiveHeader, entries: ArchivedEntry[]): Buffer {
  const lines = [JSON.stringify(header), ...entries.map((e) => JSON.stringify(e))];
  return gzipSync(Buffer.from(lines.join('\n') + '\n', 'utf8'));
}

export function readArchiveFile(file: string): { header: ArchiveHeader; entries: ArchivedEntry[]; sha256: string } {
  const raw = readFileSync(file);
  let text: string;
  try {
    text = gunzipSync(raw).toString('utf8');
  } catch {
    throw new ArchiveRefused(`${file} is not an audit archive (not gzip)`);
  }
  const lines = text.split('\n').filter((l) => l.length);
  let header: ArchiveHeader;
  let entries: ArchivedEntry[];
  try {
    header = JSON.parse(lines[0] ?? 'null') as ArchiveHeader;
    entries = lines.slice(1).map((l) => JSON.parse(l) as ArchivedEntry);
  } catch {
    throw new ArchiveRefused(`${file} is not an audit archive (bad JSON)`);
  }
  if (header?.format !== ARCHIVE_FORMAT || header.formatVersion !== 1) throw new ArchiveRefused(`${file} is not an audit archive of this format`);
  if (header.rows !== entries.length) throw new ArchiveRefused(`${file} holds ${entries.length} entries, its header says ${header.rows}`);
  return { header, entries, sha256: createHash('sha256').update(raw).digest('hex') };
}

/** The month's entries with their links, in chain order (keyset batches, never the whole month in one query). */
async function monthEntries(c: pg.PoolClient, partition: string): Promise<{ entries: ArchivedEntry[]; unsealed: number }> {
  const entries: ArchivedEntry[] = [];
  let after = '0';
  for (;;) {
    const { rows } = await c.query<AuditRowForHash & { position: string; hash: string; algorithm: string; prev: string | null }>(
      `SELECT ch.position::text AS position, ch.hash, ch.algorithm, p.hash AS prev, ${selectForHash('l')}
         FROM crm.${partition} l JOIN crm.audit_chain ch ON ch.seq = l.seq
         LEFT JOIN crm.audit_chain p ON p.position = ch.position - 1
        WHERE ch.position > $1::bigint ORDER BY ch.position LIMIT ${BATCH}`,
      [after],
    );
    for (const r of rows) {
      const { position, hash, algorithm, prev, ...entry } = r;
      entries.push({ position, hash, algorithm, prev: prev ?? (position === '1' ? GENESIS : ''), entry });
    }
    if (rows.length < BATCH) break;
    after = rows[rows.length - 1]!.position;
  }
  const { rows } = await c.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM crm.${partition} l WHERE NOT EXISTS (SELECT 1 FROM crm.audit_chain ch WHERE ch.seq = l.seq)`,
  );
  return { entries, unsealed: Number(rows[0]!.n) };
}

/**
 * Archives one ended month to `out` and drops its partition. Refuses (nothing changed) a month that
 * has not ended, is not online, holds entries not sealed yet, or does not verify.
 */
export async function archiveMonth(opts: { pool: pg.Pool; keys: ChainKeys; month: string; out: string; actor: string }): Promise<ArchiveHeader & { sha256: string }> {
  const { month, partition, first } = parseMonth(opts.month);
  const c = await opts.pool.connect();
  try {
    await c.query('BEGIN');
    const { rows: ended } = await c.query<{ ended: boolean; online: boolean }>(
      `SELECT crm.audit_month_start(($1::date + interval '1 month')::date) <= now() AS ended, to_regclass(format('crm.%I', $2::text)) IS NOT NULL AS online`,
      [first, partition],
    );
    if (!ended[0]!.ended) throw new ArchiveRefused(`${month} 尚未结束 / has not ended yet`);
    if (!ended[0]!.online) throw new ArchiveRefused(`${month} 不在线（已归档或无此分区）/ is not online (archived already, or no such partition)`);
    // No entry may join the month while it is read and dropped.
    await c.query(`LOCK TABLE crm.${partition} IN SHARE MODE`);
    const { entries, unsealed } = await monthEntries(c, partition);
    if (unsealed) throw new ArchiveRefused(`${month} 有 ${unsealed} 条未封链的记录 / has ${unsealed} entries not sealed into the chain yet; let the server seal them, then archive`);
    const broken = checkLinks(entries, opts.keys);
    if (broken) throw new ArchiveRefused(`${month} 校验失败，不能归档 / does not verify, not archived: ${broken}`);
    const last = entries[entries.length - 1];
    const header: ArchiveHeader = {
      format: ARCHIVE_FORMAT, formatVersion: 1, month, rows: entries.length,
      firstPosition: entries[0]?.position ?? null, lastPosition: last?.position ?? null, lastHash: last?.hash ?? null,
      createdAt: new Date().toISOString(),
    };
    writeFileSync(opts.out, encode(header, entries), { mode: 0o600 });
    // Read back what is on disk: the partition goes only when the file proves itself.
    const back = readArchiveFile(opts.out);
    const again = checkLinks(back.entries, opts.keys);
    if (again || back.entries.length !== entries.length) throw new ArchiveRefused(`the written file does not verify (${again ?? 'entry count'}); nothing dropped`);
    const { rows: pos } = await c.query<{ positions: string }>(
      `SELECT coalesce(range_agg(int8range(ch.position, ch.position, '[]')), '{}'::int8multirange)::text AS positions
         FROM crm.${partition} l JOIN crm.audit_chain ch ON ch.seq = l.seq`,
    );
    const record = { month: first, rows: entries.length, positions: pos[0]!.positions, last_hash: header.lastHash ?? GENESIS, file_sha256: back.sha256 };
    await c.query(
      `INSERT INTO crm.audit_archives (month, rows, positions, last_hash, file_sha256, mac, archived_by) VALUES ($1::date, $2, $3::int8multirange, $4, $5, $6, $7)`,
      [first, entries.length, record.positions, record.last_hash, record.file_sha256, archiveMac(opts.keys, record), opts.actor],
    );
    await c.query(`ALTER TABLE crm.audit_log DETACH PARTITION crm.${partition}`);
    await c.query(`DROP TABLE crm.${partition}`);
    await c.query(
      `INSERT INTO crm.audit_log (actor_name, action, object, outcome, data) VALUES ($1, 'audit.month_archived', 'audit', 'success', $2::jsonb)`,
      [opts.actor, JSON.stringify({ month, rows: entries.length, sha256: back.sha256 })],
    );
    await c.query('COMMIT');
    return { ...header, sha256: back.sha256 };
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

/**
 * Checks an archive file on its own and against the database: every link recomputes, every position's
 * hash is the one the chain holds, and the file is the one recorded for its month (when recorded).
 */
export async function verifyArchiveFile(opts: { pool: pg.Pool; keys: ChainKeys; file: string }): Promise<{ month: string; rows: number; recorded: boolean }> {
  const { header, entries, sha256 } = readArchiveFile(opts.file);
  const broken = checkLinks(entries, opts.keys);
  if (broken) throw new ArchiveRefused(`归档文件校验失败 / the archive does not verify: ${broken}`);
  for (let i = 0; i < entries.length; i += BATCH) {
    const part = entries.slice(i, i + BATCH);
    const { rows } = await opts.pool.query<{ position: string; hash: string }>(
      `SELECT position::text AS position, hash FROM crm.audit_chain WHERE position = ANY($1::bigint[])`,
      [part.map((e) => e.position)],
    );
    const chain = new Map(rows.map((r) => [r.position, r.hash]));
    for (const e of part) {
      if (chain.get(e.position) !== e.hash) throw new ArchiveRefused(`归档文件与审计链不符 / the archive does not match the chain at position ${e.position}`);
      const prevPos = (BigInt(e.position) - 1n).toString();
      if (prevPos !== '0' && !chain.has(prevPos)) {
        const { rows: p } = await opts.pool.query<{ hash: string }>('SELECT hash FROM crm.audit_chain WHERE position = $1::bigint', [prevPos]);
        if (p[0]?.hash !== e.prev) throw new ArchiveRefused(`归档文件与审计链不符 / the archive's link before position ${e.position} does not match the chain`);
      } else if (prevPos !== '0' && chain.get(prevPos) !== e.prev) {
        throw new ArchiveRefused(`归档文件与审计链不符 / the archive's link before position ${e.position} does not match the chain`);
      }
    }
  }
  const { first } = parseMonth(header.month);
  const { rows } = await opts.pool.query<{ file_sha256: string }>('SELECT file_sha256 FROM crm.audit_archives WHERE month = $1::date', [first]);
  if (rows[0] && rows[0].file_sha256 !== sha256) throw new ArchiveRefused(`this is not the file recorded for ${header.month} (digest differs)`);
  return { month: header.month, rows: entries.length, recorded: !!rows[0] };
}

/** Puts an archived month back online from its (verified) file; a full verify then checks its entries again. */
export async function restoreArchivedMonth(opts: { pool: pg.Pool; keys: ChainKeys; file: string; actor: string }): Promise<{ month: string; rows: number }> {
  const checked = await verifyArchiveFile(opts);
  if (!checked.recorded) throw new ArchiveRefused(`${checked.month} is not recorded as archived here`);
  const { header, entries } = readArchiveFile(opts.file);
  const { first } = parseMonth(header.month);
  const c = await opts.pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('DELETE FROM crm.audit_archives WHERE month = $1::date', [first]);
    await c.query('SELECT crm.audit_ensure_partitions($1::date, $1::date)', [first]);
    for (let i = 0; i < entries.length; i += BATCH) {
      const part = entries.slice(i, i + BATCH).map((e) => e.entry);
      await c.query(
        `INSERT INTO crm.audit_log (seq, at, actor_id, actor_name, action, object, record_id, outcome, ip, request_id, data)
         SELECT seq, at, actor_id, actor_name, action, object, record_id, outcome, ip, request_id, data
           FROM jsonb_to_recordset($1::jsonb) AS x(seq bigint, at timestamptz, actor_id uuid, actor_name text, action text, object text,
                                                   record_id text, outcome text, ip text, request_id text, data jsonb)`,
        [JSON.stringify(part)],
      );
    }
    await c.query(
      `INSERT INTO crm.audit_log (actor_name, action, object, outcome, data) VALUES ($1, 'audit.month_restored', 'audit', 'success', $2::jsonb)`,
      [opts.actor, JSON.stringify({ month: header.month, rows: entries.length })],
    );
    await c.query('COMMIT');
    return { month: header.month, rows: entries.length };
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}
