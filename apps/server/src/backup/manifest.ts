/**
 * The manifest at the root of every backup archive: what produced it (product and schema version,
 * PostgreSQL version), when, under which data key (a fingerprint, never the key) and the SHA-256
 * of every other part, so restore can refuse an archive that was altered, truncated or is foreign.
 */
import { createHash, createHmac } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { z } from 'zod';

export const MANIFEST_FILE = 'manifest.json';
export const BACKUP_FORMAT = 'bank-crm-backup';

/** Part paths are relative, forward-slashed, without `..`: an archive cannot write outside its folder. */
const partPath = z.string().regex(/^(?:db|files)\/[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/).refine((p) => !p.split('/').includes('..'));

export const manifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.literal(1),
  productVersion: z.string(),
  schemaVersion: z.string(),
  migrations: z.array(z.string()),
  postgres: z.object({ version: z.string(), versionNum: z.number().int() }),
  createdAt: z.string(),
  crypto: z.enum(['aes', 'sm']),
  keyFingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  database: z.object({
    kind: z.enum(['logical-copy', 'pg_dump']),
    tables: z.array(z.object({ schema: z.string(), name: z.string(), part: partPath, rows: z.number().int().nonnegative() })),
  }),
  parts: z.record(partPath, z.string().regex(/^[0-9a-f]{64}$/)),
});
export type Manifest = z.infer<typeof manifestSchema>;

/** HMAC of a constant under the data key: equal keys give equal fingerprints; the key cannot be recovered from it. */
export function keyFingerprint(dataKey: Buffer): string {
  return createHmac('sha256', dataKey).update('bank-crm backup key fingerprint v1').digest('hex');
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
