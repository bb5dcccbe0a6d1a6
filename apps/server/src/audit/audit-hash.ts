/** The hash of one audit row in the chain: H(previous hash ‖ canonical JSON of the row). */
import { createHash } from 'node:crypto';

export type HashAlgorithm = 'sha256' | 'sm3';

export interface AuditRowForHash {
  seq: string;
  at: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  object: string | null;
  record_id: string | null;
  outcome: string;
  ip: string | null;
  request_id: string | null;
  data: unknown;
}

/** JSON with sorted keys at every level, so the same row always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  const obj = value as Record<string, unknown>;
  return '{' + Object.keys(obj).sort().map((k) => JSON.stringify(k) + ':' + canonicalJson(obj[k])).join(',') + '}';
}

export function hashAuditRow(algorithm: HashAlgorithm, previous: string, row: AuditRowForHash): string {
  const body = canonicalJson({
    seq: String(row.seq), at: row.at, actor_id: row.actor_id, actor_name: row.actor_name, action: row.action,
    object: row.object, record_id: row.record_id, outcome: row.outcome, ip: row.ip, request_id: row.request_id, data: row.data,
  });
  return createHash(algorithm).update(previous).update('\n').update(body).digest('hex');
}

export const GENESIS = '0'.repeat(64);
