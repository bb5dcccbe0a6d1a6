/**
 * The stored answers of POSTs sent with `Idempotency-Key`, per caller. `begin` reserves the key (one
 * INSERT: two copies of a request can never both run) or says what a repeat gets; `complete` stores
 * the answer of a request that succeeded; `release` drops the reservation of one that failed, so the
 * client may try again with the same key.
 */
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../audit/audit-hash.js';
import { Db } from '../database/db.js';

export type Begin =
  | { kind: 'reserved' }
  | { kind: 'replay'; statusCode: number; contentType: string | null; body: string }
  | { kind: 'in_progress' }
  | { kind: 'mismatch' };

/** What makes two requests "the same": method, path with query, and the body's canonical JSON. */
export function fingerprintOf(method: string, url: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${url}\n${canonicalJson(body ?? null)}`).digest('hex');
}

@Injectable()
export class IdempotencyStore {
  constructor(private readonly db: Db) {}

  async begin(principalId: string, key: string, fingerprint: string): Promise<Begin> {
    // Outside any transaction of the request: the reservation must be visible to a concurrent copy at once.
    const made = await this.db.pool.query(
      `INSERT INTO crm.idempotency_keys (principal_id, key, fingerprint) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [principalId, key, fingerprint],
    );
    if (made.rowCount === 1) return { kind: 'reserved' };
    const { rows } = await this.db.pool.query<{ fingerprint: string; status_code: number | null; content_type: string | null; body: string | null }>(
      `SELECT fingerprint, status_code, content_type, body FROM crm.idempotency_keys WHERE principal_id = $1 AND key = $2`,
      [principalId, key],
    );
    const row = rows[0];
    if (!row) return this.begin(principalId, key, fingerprint); // released in between: try once more
    if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (row.status_code === null) return { kind: 'in_progress' };
    return { kind: 'replay', statusCode: row.status_code, contentType: row.content_type, body: row.body ?? '' };
  }

  async complete(principalId: string, key: string, statusCode: number, contentType: string | null, body: string): Promise<void> {
    await this.db.pool.query(
      `UPDATE crm.idempotency_keys SET status_code = $3, content_type = $4, body = $5, completed_at = now() WHERE principal_id = $1 AND key = $2`,
      [principalId, key, statusCode, contentType, body],
    );
  }

  async release(principalId: string, key: string): Promise<void> {
    await this.db.pool.query(`DELETE FROM crm.idempotency_keys WHERE principal_id = $1 AND key = $2 AND status_code IS NULL`, [principalId, key]);
  }
}
