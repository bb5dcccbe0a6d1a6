/**
 * Writes audit entries inside the caller's transaction, seals committed entries into the hash chain,
 * verifies the chain and lists entries for auditors.
 */
import type { AuditListParams, AuditPage, Unserialized } from '@crm/shared';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Queryable } from '../database/db.js';
import { Db } from '../database/db.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { chainKey, GENESIS, VERIFIABLE_ALGORITHMS, hashAuditRow, type AuditRowForHash, type KeyedAlgorithm } from './audit-hash.js';
import { auditInsertParts, type AuditEntry } from './audit-writer.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { advisoryXactLock, tryAdvisoryXactLock } from '../database/advisory-locks.js';
import { archiveMac, ensureAuditPartitions, selectForHash } from './audit-archive.js';

export type { AuditEntry } from './audit-writer.js';

export type AuditQuery = AuditListParams;

const SEAL_BATCH = 2000;
/** The periodic pass looks only at recent entries (in-flight transactions are recent); a full pass
 *  every few minutes and before every verify catches anything older that committed late. */
const RECENT_WINDOW = 5000;
const FULL_PASS_MS = 5 * 60 * 1000;

@Injectable()
export class AuditService implements OnModuleInit, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private readonly algorithm: KeyedAlgorithm;
  private readonly keys: Record<KeyedAlgorithm, Buffer>;

  constructor(
    private readonly db: Db,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.algorithm = config.crypto === 'sm' ? 'hmac-sm3' : 'hmac-sha256';
    this.keys = { 'hmac-sha256': chainKey(config.dataKey, 'hmac-sha256'), 'hmac-sm3': chainKey(config.dataKey, 'hmac-sm3') };
  }

  private lastFullPass = 0;

  async onModuleInit(): Promise<void> {
    // The months ahead exist before any entry needs them (housekeeping keeps them ahead while running).
    await ensureAuditPartitions(this.db.pool);
    this.timer = setInterval(() => {
      const full = Date.now() - this.lastFullPass > FULL_PASS_MS;
      if (full) this.lastFullPass = Date.now();
      void this.sealPending(full).catch(() => undefined);
    }, 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Appends an entry in the ambient transaction, so it commits or rolls back with the change it
   * describes (on its own when none is open). `client` is for callers that still pass theirs.
   */
  async record(entry: AuditEntry, client?: Queryable): Promise<void> {
    const { columns, values, params } = auditInsertParts(entry, 1);
    await (client ?? this.db.q).query(`INSERT INTO crm.audit_log (${columns}) VALUES (${values})`, params);
  }

  /** Appends an entry that must stay whatever happens to the ambient transaction (a refusal that then rolls it back). */
  recordRefusal(entry: AuditEntry): Promise<void> {
    return UnitOfWork.outside(() => this.record(entry));
  }

  /** The columns and values of an entry for a writer that folds it into its own statement (see audit-writer.ts). */
  insertParts(entry: AuditEntry, first: number, data?: (sql: string) => string): { columns: string; values: string; params: unknown[] } {
    return auditInsertParts(entry, first, data);
  }

  /**
   * Chains every committed, unsealed entry. One process at a time (advisory lock): the timer skips a
   * round when another sealer is busy; verify (`wait`) waits for it, so it checks everything committed.
   */
  async sealPending(full = true, wait = false): Promise<number> {
    // Never inside a caller's transaction: the seal commits on its own.
    return UnitOfWork.outside(() => this.db.tx(async (c) => {
      if (wait) await advisoryXactLock(c, 'audit.seal');
      else if (!(await tryAdvisoryXactLock(c, 'audit.seal'))) return 0;
      let sealed = 0;
      for (;;) {
        const { rows: last } = await c.query<{ position: string; hash: string }>(
          'SELECT ch.position::text AS position, ch.hash FROM crm.audit_chain ch ORDER BY ch.position DESC LIMIT 1',
        );
        let position = last[0] ? BigInt(last[0].position) : 0n;
        let prev = last[0]?.hash ?? GENESIS;
        const { rows } = await c.query<AuditRowForHash>(
          `SELECT ${selectForHash('l')} FROM crm.audit_log l
           WHERE ${full ? '' : `l.seq > (SELECT coalesce(max(seq), 0) - ${RECENT_WINDOW} FROM crm.audit_chain) AND`}
             NOT EXISTS (SELECT 1 FROM crm.audit_chain ch WHERE ch.seq = l.seq)
           ORDER BY l.seq LIMIT ${SEAL_BATCH}`,
        );
        if (rows.length === 0) break;
        const positions: string[] = [];
        const seqs: string[] = [];
        const hashes: string[] = [];
        for (const row of rows) {
          position += 1n;
          prev = hashAuditRow(this.algorithm, prev, row, this.keys[this.algorithm]);
          positions.push(position.toString());
          seqs.push(row.seq);
          hashes.push(prev);
        }
        await c.query(
          `INSERT INTO crm.audit_chain (position, seq, hash, algorithm)
           SELECT p, s, h, $4 FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS t(p, s, h)`,
          [positions, seqs, hashes, this.algorithm],
        );
        sealed += rows.length;
        if (rows.length < SEAL_BATCH) break;
      }
      return sealed;
    }));
  }

  /**
   * Recomputes the chain; names the first entry whose content or place no longer matches, and why:
   * `altered` (content or link changed), `missing` (the entry was deleted), `gap` (an entry and its link
   * were deleted before this one), `algorithm` (a link not made with the chain key), `archive` (a
   * record of an archived month was altered or forged). An entry of an archived month is not in the
   * database: its link is taken as recorded (the next online entry's link proves it) and counted.
   */
  async verify(): Promise<
    { ok: true; checked: number; archived: number } | { ok: false; firstBrokenSeq: number; checked: number; archived: number; reason: 'altered' | 'missing' | 'gap' | 'algorithm' | 'archive' }
  > {
    await this.sealPending(true, true);
    const records = await this.db.query<{ month: string; rows: string; positions: string; last_hash: string; file_sha256: string; mac: string }>(
      `SELECT to_char(month, 'YYYY-MM-DD') AS month, rows::text, positions::text, last_hash, file_sha256, mac FROM crm.audit_archives ORDER BY month`,
    );
    const keys = { keys: this.keys };
    const forged = records.find((r) => archiveMac(keys, r) !== r.mac);
    if (forged) return { ok: false, firstBrokenSeq: 0, checked: 0, archived: 0, reason: 'archive' };
    let prev = GENESIS;
    let after = 0n;
    let checked = 0;
    let archived = 0;
    for (;;) {
      const rows = await this.db.query<AuditRowForHash & { position: string; chain_seq: string; hash: string; algorithm: string; present: boolean; in_archive: boolean }>(
        `SELECT ch.position::text, ch.seq::text AS chain_seq, ch.hash, ch.algorithm, l.seq IS NOT NULL AS present,
                EXISTS (SELECT 1 FROM crm.audit_archives a WHERE ch.position <@ a.positions) AS in_archive,
                ${selectForHash('l')}
         FROM crm.audit_chain ch LEFT JOIN crm.audit_log l ON l.seq = ch.seq
         WHERE ch.position > $1 ORDER BY ch.position LIMIT 5000`,
        [after.toString()],
      );
      if (rows.length === 0) break;
      for (const r of rows) {
        const position = BigInt(r.position);
        if (position !== after + 1n) return { ok: false, firstBrokenSeq: Number(r.chain_seq), checked: checked + 1, archived, reason: 'gap' };
        if (!r.present && r.in_archive) {
          archived++;
          prev = r.hash;
          after = position;
          continue;
        }
        checked++;
        const reason =
          !r.present ? 'missing'
          : !VERIFIABLE_ALGORITHMS.includes(r.algorithm) ? 'algorithm'
          : hashAuditRow(r.algorithm as KeyedAlgorithm, prev, { ...r, seq: r.chain_seq }, this.keys[r.algorithm as KeyedAlgorithm]) !== r.hash ? 'altered'
          : null;
        if (reason) return { ok: false, firstBrokenSeq: Number(r.chain_seq), checked, archived, reason };
        prev = r.hash;
        after = position;
      }
    }
    return { ok: true, checked, archived };
  }

  /** Entries about any of `recordIds` (PIPL: what the trail holds about a data subject), newest first, at most `limit`. */
  async about(recordIds: string[], limit: number): Promise<{ seq: number; at: string; action: string; object: string | null; recordId: string | null }[]> {
    const rows = await this.db.query<{ seq: string; at: Date; action: string; object: string | null; record_id: string | null }>(
      `SELECT seq::text AS seq, at, action, object, record_id FROM crm.audit_log WHERE record_id = ANY($1::text[]) ORDER BY seq DESC LIMIT $2`,
      [recordIds, limit],
    );
    return rows.map((r) => ({ seq: Number(r.seq), at: r.at.toISOString(), action: r.action, object: r.object, recordId: r.record_id }));
  }

  async list(q: AuditQuery): Promise<Unserialized<AuditPage>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replaceAll('?', `$${params.length}`));
    };
    if (q.actor) add('(actor_name = ? OR actor_id::text = ?)', q.actor);
    if (q.object) add('object = ?', q.object);
    if (q.recordId) add('record_id = ?', q.recordId);
    if (q.action) add('action = ?', q.action);
    if (q.from) add('at >= ?::timestamptz', q.from);
    if (q.to) add('at < ?::timestamptz', q.to);
    if (q.cursor) add('seq < ?::bigint', q.cursor);
    params.push(q.limit + 1);
    const rows = await this.db.query<Omit<AuditPage['items'][number], 'seq' | 'at'> & { seq: string; at: Date }>(
      `SELECT seq::text AS seq, at, actor_id AS "actorId", actor_name AS "actorName", action, object, record_id AS "recordId",
              outcome, ip, request_id AS "requestId", data
       FROM crm.audit_log l ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
       ORDER BY l.seq DESC LIMIT $${params.length}`,
      params,
    );
    const more = rows.length > q.limit;
    const items = more ? rows.slice(0, q.limit) : rows;
    return { items: items.map((r) => ({ ...r, seq: Number(r.seq) })), nextCursor: more ? items[items.length - 1].seq : null };
  }
}
