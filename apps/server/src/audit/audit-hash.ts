/**
 * The hash of one audit row in the chain: H(previous hash ‖ canonical JSON of the row).
 * New rows are chained with HMAC (SHA-256 or SM3) under a key derived from CRM_DATA_KEY, which the
 * database never holds: someone with full database rights who alters a row cannot recompute the chain
 * behind it. Unkeyed links (`sha256`, `sm3`) are never accepted by verify, or rewriting the chain with
 * them would pass.
 */
import { createHash, createHmac, hkdfSync } from 'node:crypto';

export type HashAlgorithm = 'sha256' | 'sm3' | 'hmac-sha256' | 'hmac-sm3';
export type KeyedAlgorithm = 'hmac-sha256' | 'hmac-sm3';
/** What verify accepts. */
export const VERIFIABLE_ALGORITHMS: readonly string[] = ['hmac-sha256', 'hmac-sm3'];

/** The chain's MAC key for an algorithm, derived from the data key (never the data key itself). */
export function chainKey(dataKey: Buffer, algorithm: KeyedAlgorithm): Buffer {
  return Buffer.from(hkdfSync(algorithm.slice(5), dataKey, Buffer.alloc(0), 'crm audit chain', 32));
}

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

export function hashAuditRow(algorithm: HashAlgorithm, previous: string, row: AuditRowForHash, key?: Buffer): string {
  const body = canonicalJson({
    seq: String(row.seq), at: row.at, actor_id: row.actor_id, actor_name: row.actor_name, action: row.action,
    object: row.object, record_id: row.record_id, outcome: row.outcome, ip: row.ip, request_id: row.request_id, data: row.data,
  });
  let h;
  if (algorithm === 'hmac-sha256' || algorithm === 'hmac-sm3') {
    if (!key) throw new Error('a keyed audit chain needs its key');
    h = createHmac(algorithm.slice(5), key);
  } else if (algorithm === 'sha256' || algorithm === 'sm3') h = createHash(algorithm);
  else throw new Error(`unknown audit chain algorithm ${String(algorithm)}`);
  return h.update(previous).update('\n').update(body).digest('hex');
}

export const GENESIS = '0'.repeat(64);
