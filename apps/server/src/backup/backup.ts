/**
 * `crm backup` and `crm restore`: one gzipped tar holding the database (logical dump), the
 * attachments (CRM_DATA_DIR/files) and a manifest with versions and SHA-256 checksums of every part,
 * signed with a key derived from CRM_DATA_KEY. Restore checks everything before it touches the
 * target and then restores the database in one transaction.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import * as tar from 'tar';
import type { AppConfig } from '../config/config.js';
import { migrations as knownMigrations } from '../database/migrations/index.js';
import { databaseFacts, dumpDatabase, restoreDatabase, SCHEMA_PART, targetHasData, type DumpResult } from './logical-dump.js';
import { PG_DUMP_PART, pgDumpDatabase, pgRestoreDatabase, toolMajor, type PgTools } from './pg-dump.js';
import { BACKUP_FORMAT, keyFingerprint, MANIFEST_FILE, manifestSchema, sha256File, type Manifest } from './manifest.js';

export const SIGNATURE_FILE = 'manifest.sig';
/** Attachments are content-addressed: files/<first two hex digits>/<sha256> (see files.service). */
const FILE_PART = /^files\/([0-9a-f]{2})\/([0-9a-f]{64})$/;
const isFilePart = (part: string): boolean => {
  const m = FILE_PART.exec(part);
  return m !== null && m[2].startsWith(m[1]);
};

/** A refusal the operator can act on: printed as one line, exit code 1, nothing written. */
export class BackupRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupRefused';
  }
}

/** HMAC of the manifest text under the data key: only someone holding CRM_DATA_KEY can make an archive restore accepts. */
export function signManifest(dataKey: Buffer, manifestText: string): string {
  return createHmac('sha256', dataKey).update('bank-crm backup manifest v1\n').update(manifestText).digest('hex');
}

function workDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

function platformMigrationNames(): string[] {
  return knownMigrations.map((M) => new M().name ?? M.name);
}

export interface BackupOptions {
  config: AppConfig;
  databaseUrl: string;
  out: string;
  now?: () => Date;
  /** pg_dump / pg_restore / psql to use instead of the built-in logical dump (PG_DUMP). */
  pgTools?: PgTools | null;
}

/** pg_dump of the server's own major version, or a refusal naming both versions. */
async function dumpWithPgDump(tools: PgTools, client: pg.Client, url: string, dir: string): Promise<DumpResult> {
  const facts = await databaseFacts(client);
  const serverMajor = Math.floor(facts.postgres.versionNum / 10000);
  const toolsMajor = await toolMajor(tools.pgDump);
  if (toolsMajor !== serverMajor) {
    throw new BackupRefused(`PG_DUMP is pg_dump ${toolsMajor} but the server runs PostgreSQL ${serverMajor}: use a pg_dump of the same major version, or unset PG_DUMP for the built-in logical dump`);
  }
  mkdirSync(path.join(dir, 'db'));
  await pgDumpDatabase(tools, url, dir);
  return { ...facts, tables: [] };
}

export async function createBackup(opts: BackupOptions): Promise<Manifest> {
  const dir = workDir('crm-backup-');
  const client = new pg.Client({ connectionString: opts.databaseUrl, application_name: 'bank-crm-backup' });
  try {
    await client.connect();
    const tools = opts.pgTools === undefined ? opts.config.pgTools : opts.pgTools;
    const dump = tools ? await dumpWithPgDump(tools, client, opts.databaseUrl, dir) : await dumpDatabase(client, dir);
    const dbParts = tools ? [PG_DUMP_PART] : [SCHEMA_PART, ...dump.tables.map((t) => t.part)];
    // Files after the database snapshot: every file the snapshot names exists already (files are never changed in place).
    const filesDir = path.join(opts.config.dataDir, 'files');
    const fileParts: string[] = [];
    for (const shard of existsSync(filesDir) ? readdirSync(filesDir) : []) {
      if (!/^[0-9a-f]{2}$/.test(shard) || !statSync(path.join(filesDir, shard)).isDirectory()) continue;
      for (const name of readdirSync(path.join(filesDir, shard))) {
        const part = `files/${shard}/${name}`;
        if (!isFilePart(part) || !statSync(path.join(filesDir, shard, name)).isFile()) continue;
        mkdirSync(path.join(dir, 'files', shard), { recursive: true });
        copyFileSync(path.join(filesDir, shard, name), path.join(dir, part));
        fileParts.push(part);
      }
    }
    const parts: Record<string, string> = {};
    for (const p of [...dbParts, ...fileParts]) parts[p] = await sha256File(path.join(dir, p));
    const manifest: Manifest = {
      format: BACKUP_FORMAT,
      formatVersion: 1,
      productVersion: opts.config.version,
      schemaVersion: dump.migrations.at(-1) ?? 'none',
      migrations: dump.migrations,
      postgres: dump.postgres,
      createdAt: (opts.now?.() ?? new Date()).toISOString(),
      crypto: opts.config.crypto,
      keyFingerprint: keyFingerprint(opts.config.dataKey),
      database: { kind: tools ? 'pg_dump' : 'logical-copy', tables: dump.tables },
      parts,
    };
    const text = JSON.stringify(manifest, null, 2);
    writeFileSync(path.join(dir, MANIFEST_FILE), text);
    writeFileSync(path.join(dir, SIGNATURE_FILE), signManifest(opts.config.dataKey, text));
    // Written next to the target and renamed, so a failed backup never leaves a truncated archive under its name.
    const out = path.resolve(opts.out);
    const partial = `${out}.partial`;
    try {
      await tar.c({ gzip: true, file: partial, cwd: dir, portable: true }, [MANIFEST_FILE, SIGNATURE_FILE, 'db', ...(fileParts.length ? ['files'] : [])]);
      chmodSync(partial, 0o600); // personal data: readable by the operator only
      renameSync(partial, out);
    } catch (err) {
      rmSync(partial, { force: true });
      throw err;
    }
    return manifest;
  } finally {
    await client.end().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Extracts regular files only, each under dir (the tar library strips absolute paths and `..`). */
async function extract(file: string, dir: string): Promise<void> {
  if (!existsSync(file)) throw new BackupRefused(`no such backup file: ${file}`);
  try {
    await tar.x({ file, cwd: dir, strict: true, filter: (_p, entry) => 'type' in entry && (entry.type === 'File' || entry.type === 'Directory') });
  } catch (err) {
    throw new BackupRefused(`the backup file cannot be read as an archive: ${(err as Error).message}`);
  }
}

/** Every check that needs no database: format, signature, key, checksums, schema version. */
export async function verifyArchive(dir: string, config: AppConfig): Promise<Manifest> {
  const manifestFile = path.join(dir, MANIFEST_FILE);
  if (!existsSync(manifestFile)) throw new BackupRefused('the archive holds no manifest.json: not a bank-crm backup');
  const text = readFileSync(manifestFile, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new BackupRefused('manifest.json is not valid JSON');
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new BackupRefused(`manifest.json is not a valid bank-crm backup manifest (${parsed.error.issues[0]?.path.join('.') ?? ''})`);
  const manifest = parsed.data;
  if (manifest.keyFingerprint !== keyFingerprint(config.dataKey)) {
    throw new BackupRefused('the backup was made under a different CRM_DATA_KEY: its encrypted fields and audit chain would be unreadable; set the CRM_DATA_KEY it was made with');
  }
  if (manifest.crypto !== config.crypto) {
    throw new BackupRefused(`the backup was made with CRM_CRYPTO=${manifest.crypto}, this configuration uses ${config.crypto}`);
  }
  const sigFile = path.join(dir, SIGNATURE_FILE);
  const sig = existsSync(sigFile) ? readFileSync(sigFile, 'utf8').trim() : '';
  const expected = signManifest(config.dataKey, text);
  if (sig.length !== expected.length || !timingSafeEqual(Buffer.from(sig), Buffer.from(expected))) {
    throw new BackupRefused('manifest.json does not match its signature: the archive was altered');
  }
  const known = new Set(platformMigrationNames());
  const unknown = manifest.migrations.filter((m) => !known.has(m));
  if (unknown.length) {
    throw new BackupRefused(`the backup's schema (${manifest.schemaVersion}) is newer than this version knows (unknown migrations: ${unknown.join(', ')}); restore it with the release that made it or a newer one`);
  }
  for (const t of manifest.database.tables) if (!(t.part in manifest.parts)) throw new BackupRefused(`manifest lists ${t.part} without a checksum`);
  const dbPart = manifest.database.kind === 'pg_dump' ? PG_DUMP_PART : SCHEMA_PART;
  if (!(dbPart in manifest.parts)) throw new BackupRefused(`manifest lists no ${dbPart}`);
  for (const [part, sum] of Object.entries(manifest.parts)) {
    // Attachments are named by their SHA-256: a part elsewhere or under another name is foreign.
    if (part.startsWith('files/') && (!isFilePart(part) || sum !== part.slice(-64))) throw new BackupRefused(`unexpected attachment in the archive: ${part}`);
    const file = path.join(dir, part);
    if (!existsSync(file)) throw new BackupRefused(`the archive is missing ${part}`);
    if ((await sha256File(file)) !== sum) throw new BackupRefused(`checksum mismatch for ${part}: the archive is damaged or was altered`);
  }
  return manifest;
}

export interface RestoreOptions {
  config: AppConfig;
  /** Opened only once the archive has passed every check (an embedded database is not started for a refusal). */
  openDatabase: () => Promise<{ url: string; release(): Promise<void> }>;
  file: string;
  force: boolean;
  pgTools?: PgTools | null;
}

export async function restoreBackup(opts: RestoreOptions): Promise<Manifest> {
  const dir = workDir('crm-restore-');
  try {
    await extract(opts.file, dir);
    const manifest = await verifyArchive(dir, opts.config);
    const tools = opts.pgTools === undefined ? opts.config.pgTools : opts.pgTools;
    if (manifest.database.kind === 'pg_dump' && !tools) {
      throw new BackupRefused('this backup was made with pg_dump: set PG_DUMP to a pg_dump of that PostgreSQL major version (pg_restore and psql beside it) to restore it');
    }
    const database = await opts.openDatabase();
    const client = new pg.Client({ connectionString: database.url, application_name: 'bank-crm-restore' });
    try {
      await client.connect();
      const { rows: servers } = await client.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'bank-crm' AND pid <> pg_backend_pid()`,
      );
      if (servers[0].n > 0) throw new BackupRefused('a bank-crm server is connected to the target database: stop every server process first');
      const hasData = await targetHasData(client);
      if (hasData && !opts.force) throw new BackupRefused('the target database is not empty (schemas crm / crm_data exist); pass --force to replace it');
      // Files first: they are content-addressed, so extra ones left by a failed database restore are harmless.
      for (const part of Object.keys(manifest.parts).filter((p) => p.startsWith('files/'))) {
        const target = path.join(opts.config.dataDir, part);
        mkdirSync(path.dirname(target), { recursive: true });
        const tmp = `${target}.restoring`;
        copyFileSync(path.join(dir, part), tmp);
        renameSync(tmp, target);
      }
      if (tools && manifest.database.kind === 'pg_dump') await pgRestoreDatabase(tools, database.url, dir, hasData);
      else await restoreDatabase(client, dir, manifest.database.tables, { replace: hasData });
      return manifest;
    } finally {
      await client.end().catch(() => undefined);
      await database.release();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
