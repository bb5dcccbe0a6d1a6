/**
 * Bulk import of CSV / XLSX into any object. Starting an import checks the caller's rights (create,
 * and update for upsert), the mapping against the fields the caller may write, and stores the file;
 * the rows are then written by the import runner (import-runner.ts) in the background. Every row goes
 * through RecordsService.create / patch — the same validation, bank checks, rights, row scope, audit
 * and events as a form submission. A repeat of a finished import (same file, same options, same
 * user) answers the first one and changes nothing.
 */
import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { pickText, type Lang } from '@crm/form-engine';
import { ImportOptions, ImportPreviewOptions, type ImportPreview, type ImportStarted, type ImportStatus, type JobView } from '@crm/shared';
import { Db } from '../database/db.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AppError } from '../common/app-error.js';
import { registerMessages } from '../common/i18n.js';
import { AccessService } from '../access/access.service.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { JobRegistry } from '../jobs/job-registry.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import type { Principal } from '../auth/principal.js';
import { parseInput } from '../common/validation.js';
import { detectEncoding, readRows, storeImportFile, type ImportEncodingName, type ImportFormat } from './import-file.js';
import { normalizeHeader } from './import-cells.js';
import { safeCell } from '../records/records-export.js';

registerMessages({
  'imports.empty_file': { 'zh-CN': '文件为空', en: 'The file is empty' },
  'imports.no_header': { 'zh-CN': '文件没有表头行', en: 'The file has no header row' },
  'imports.missing_part': { 'zh-CN': '请求需要 file 与 options 两个部分', en: 'The request needs the parts "file" and "options"' },
  'imports.bad_options': { 'zh-CN': 'options 不是有效的 JSON', en: 'options is not valid JSON' },
  'imports.bad_mapping': { 'zh-CN': '列映射无效', en: 'The column mapping is invalid' },
  'imports.not_found': { 'zh-CN': '导入任务不存在', en: 'No such import' },
});

/** Status answers carry at most this many errors; the rejected-rows file has every one. */
export const STATUS_ERRORS = 1000;
/** A preview shows this many rows. */
const PREVIEW_ROWS = 20;

export interface ImportRow {
  id: string;
  object_key: string;
  created_by: string;
  created_at: Date;
  file_sha256: string;
  file_name: string;
  file_format: ImportFormat;
  options: ImportOptions & { encoding: ImportEncodingName };
  dry_run: boolean;
  status: ImportStatus['status'];
  total: number;
  next_row: number;
  inserted: number;
  updated: number;
  rejected: number;
  error: string | null;
  finished_at: Date | null;
}

/** The upload's two parts, as the controller read them from the multipart stream. */
export interface ImportUpload {
  file: { stream: Readable; filename: string } | null;
  options: string | null;
}

@Injectable()
export class ImportsService {
  readonly dir: string;
  /** Set by the runner so a new import starts at once instead of at the next poll. */
  kick: () => void = () => undefined;

  constructor(
    private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly access: AccessService,
    private readonly meta: MetadataService,
    jobs: JobRegistry,
  ) {
    this.dir = path.join(config.dataDir, 'imports');
    // An import's jobId is its id: `/api/jobs/:id` shows it like any background job.
    jobs.registerSource({ name: 'imports', get: (id) => this.jobView(id) });
  }

  private async jobView(id: string): Promise<JobView | null> {
    const r = await this.db.one<ImportRow>('SELECT * FROM crm.imports WHERE id = $1::uuid', [id]);
    if (!r) return null;
    return {
      id: r.id,
      kind: 'import',
      status: r.status,
      progress: { done: r.next_row, total: r.status === 'queued' ? null : r.total },
      ...(r.status === 'done' ? { result: { inserted: r.inserted, updated: r.updated, rejected: r.rejected } } : {}),
      ...(r.status === 'failed' ? { error: { code: 'imports.failed', message: r.error ?? '' } } : {}),
      createdBy: r.created_by,
      createdAt: r.created_at.toISOString(),
      finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
    };
  }

  filePath(sha256: string): string {
    return path.join(this.dir, sha256);
  }

  /** Reads the multipart parts in whatever order they come; the file streams to disk as it arrives. */
  async receive(parts: AsyncIterable<{ type: 'file' | 'field'; fieldname: string; value?: unknown; file?: Readable; filename?: string }>): Promise<{ stored: Awaited<ReturnType<typeof storeImportFile>> | null; name: string; options: string | null }> {
    let stored: Awaited<ReturnType<typeof storeImportFile>> | null = null;
    let name = 'import';
    let options: string | null = null;
    for await (const part of parts) {
      if (part.type === 'file' && part.fieldname === 'file' && !stored) {
        name = [...(part.filename ?? 'import')].map((ch) => (ch.charCodeAt(0) < 32 || ch === '/' || ch === '\\' ? '_' : ch)).join('').slice(0, 255) || 'import';
        stored = await storeImportFile(part.file!, this.dir, this.config.maxFileBytes);
      } else if (part.type === 'file') {
        part.file!.resume();
      } else if (part.fieldname === 'options' && typeof part.value === 'string') {
        options = part.value;
      }
    }
    return { stored, name, options };
  }

  private parseOptions<T>(schema: { parse: (v: unknown) => T } & Parameters<typeof parseInput>[0], raw: string | null): T {
    if (raw === null) throw new AppError(400, 'imports.missing_part');
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new AppError(400, 'imports.bad_options', {}, [{ path: '/options', code: 'json', message: 'options is not valid JSON' }]);
    }
    return parseInput(schema, json) as T;
  }

  /** The header of a stored file. */
  private async header(file: string, format: ImportFormat, encoding: ImportEncodingName, rows = 0): Promise<{ columns: string[]; rows: string[][] }> {
    let columns: string[] | null = null;
    const sample: string[][] = [];
    for await (const row of readRows(file, format, encoding)) {
      if (!columns) {
        columns = row.map((c) => c.trim());
        if (rows === 0) break;
        continue;
      }
      sample.push(row);
      if (sample.length >= rows) break;
    }
    if (!columns || columns.every((c) => c === '')) throw new AppError(400, 'imports.no_header');
    return { columns, rows: sample };
  }

  /** column → field by the field's key or label (either language), then the mapping this user last used on the object. */
  async autoMap(o: ObjectMeta, writable: (k: string) => boolean, columns: string[], userId: string): Promise<Record<string, string>> {
    const byName = new Map<string, string>();
    for (const f of o.fields) {
      if (!writable(f.key)) continue;
      for (const name of [f.key, pickText(f.label, 'zh-CN'), pickText(f.label, 'en')]) if (name) byName.set(normalizeHeader(name), f.key);
    }
    const last = await this.db.one<{ mapping: Record<string, string> }>(
      `SELECT options->'mapping' AS mapping FROM crm.imports WHERE object_key = $1 AND created_by = $2::uuid ORDER BY created_at DESC LIMIT 1`,
      [o.key, userId],
    );
    const out: Record<string, string> = {};
    for (const c of columns) {
      const remembered = last?.mapping?.[c];
      if (remembered !== undefined && (remembered === '' || writable(remembered.split('.')[0]!))) out[c] = remembered;
      else out[c] = byName.get(normalizeHeader(c)) ?? '';
    }
    return out;
  }

  private async rights(objectKey: string, p: Principal, upsert: boolean) {
    const o = await this.meta.object(objectKey);
    const acc = await this.access.forObject(p, objectKey);
    if (!acc.can('create')) throw new AppError(403, 'records.forbidden_action', { object: objectKey, action: 'create' });
    if (upsert && !acc.can('update')) throw new AppError(403, 'records.forbidden_action', { object: objectKey, action: 'update' });
    return { o, acc };
  }

  async preview(upload: Awaited<ReturnType<ImportsService['receive']>>, p: Principal, lang: Lang): Promise<ImportPreview> {
    if (!upload.stored) throw new AppError(400, 'imports.missing_part');
    const opts = this.parseOptions(ImportPreviewOptions, upload.options);
    const { o, acc } = await this.rights(opts.object, p, false);
    const encoding = upload.stored.format === 'csv' ? (opts.encoding ?? (await detectEncoding(upload.stored.path))) : null;
    const { columns, rows } = await this.header(upload.stored.path, upload.stored.format, encoding ?? 'utf-8', PREVIEW_ROWS);
    const writable = (k: string) => o.byKey.has(k) && acc.fieldMode(k) === 'write';
    return {
      format: upload.stored.format,
      encoding,
      columns,
      rows,
      mapping: await this.autoMap(o, writable, columns, p.id),
      fields: o.fields.filter((f) => writable(f.key) && f.type !== 'auto_number' && f.type !== 'computed').map((f) => ({ key: f.key, label: pickText(f.label, lang) || f.key, type: f.type, required: !!f.required })),
    };
  }

  async start(upload: Awaited<ReturnType<ImportsService['receive']>>, p: Principal): Promise<ImportStarted> {
    if (!upload.stored) throw new AppError(400, 'imports.missing_part');
    const opts = this.parseOptions(ImportOptions, upload.options);
    const { o, acc } = await this.rights(opts.object, p, opts.mode === 'upsert');
    const encoding: ImportEncodingName = upload.stored.format === 'csv' ? (opts.encoding ?? (await detectEncoding(upload.stored.path))) : 'utf-8';
    const { columns } = await this.header(upload.stored.path, upload.stored.format, encoding);

    // The mapping: known columns, fields the caller may write, a relation key the caller may read on the target.
    const errors: { path: string; code: string; message: string }[] = [];
    const targets = new Set<string>();
    for (const [column, target] of Object.entries(opts.mapping)) {
      if (target === '') continue;
      const at = `/mapping/${column.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (!columns.includes(column)) errors.push({ path: at, code: 'unknown_column', message: `no column "${column.slice(0, 100)}" in the file` });
      const [fieldKey, relKey] = target.split('.') as [string, string | undefined];
      const f = o.byKey.get(fieldKey);
      if (!f || acc.fieldMode(fieldKey) !== 'write' || f.type === 'auto_number' || f.type === 'computed') {
        errors.push({ path: at, code: 'unknown_field', message: `no writable field "${fieldKey}"` });
        continue;
      }
      if (targets.has(fieldKey)) errors.push({ path: at, code: 'duplicate_field', message: `field "${fieldKey}" is mapped twice` });
      targets.add(fieldKey);
      if (relKey !== undefined) {
        if (f.type !== 'relation' || !f.target) {
          errors.push({ path: at, code: 'not_a_relation', message: `field "${fieldKey}" is not a relation` });
          continue;
        }
        const t = await this.meta.object(f.target).catch(() => null);
        const tacc = t ? await this.access.forObject(p, t.key) : null;
        if (!t || !tacc || !tacc.can('read') || !t.byKey.has(relKey) || tacc.fieldMode(relKey) === 'none') {
          errors.push({ path: at, code: 'unknown_field', message: `no readable field "${relKey}" on "${f.target}"` });
        }
      }
    }
    if (opts.mode === 'upsert') {
      const keyField = opts.key ? o.byKey.get(opts.key) : undefined;
      if (!keyField || !targets.has(opts.key!) || acc.fieldMode(opts.key!) === 'none') errors.push({ path: '/key', code: 'key_not_mapped', message: 'the upsert key must be a mapped field' });
    }
    if (targets.size === 0) errors.push({ path: '/mapping', code: 'empty', message: 'no column is mapped to a field' });
    if (errors.length) throw new AppError(400, 'imports.bad_mapping', {}, errors);

    const stored = { ...opts, encoding };
    const { dryRun, ...fingerprinted } = stored;
    const fingerprint = createHash('sha256').update(upload.stored.sha256).update('\n').update(canonical(fingerprinted)).digest('hex');
    if (!dryRun) {
      // A repeat of an import that is done or still running answers that import: nothing is written twice.
      const previous = await this.db.one<{ id: string }>(
        `SELECT id::text AS id FROM crm.imports WHERE created_by = $1::uuid AND fingerprint = $2 AND NOT dry_run AND status <> 'failed' ORDER BY created_at LIMIT 1`,
        [p.id, fingerprint],
      );
      if (previous) return { id: previous.id, jobId: previous.id, repeated: true };
    }
    const row = await this.db.one<{ id: string }>(
      `INSERT INTO crm.imports (object_key, created_by, file_sha256, file_name, file_format, options, fingerprint, dry_run)
       VALUES ($1, $2::uuid, $3, $4, $5, $6::jsonb, $7, $8) RETURNING id::text AS id`,
      [o.key, p.id, upload.stored.sha256, upload.name, upload.stored.format, JSON.stringify(stored), fingerprint, !!dryRun],
    );
    this.kick();
    return { id: row!.id, jobId: row!.id };
  }

  /** An import the caller started (administrators with the audit right see every one). */
  async load(id: string, p: Principal): Promise<ImportRow> {
    const row = await this.db.one<ImportRow>('SELECT * FROM crm.imports WHERE id = $1::uuid', [id]);
    if (!row || (row.created_by !== p.id && !(await this.access.platformRights(p.roles)).has('audit.read'))) throw new AppError(404, 'imports.not_found');
    return row;
  }

  async status(id: string, p: Principal): Promise<ImportStatus> {
    const r = await this.load(id, p);
    const errors = await this.db.query<{ row: number; column: string | null; code: string; message: string }>(
      `SELECT row_no AS row, column_name AS column, code, message FROM crm.import_errors WHERE import_id = $1::uuid ORDER BY row_no, seq LIMIT ${STATUS_ERRORS}`,
      [id],
    );
    return {
      id: r.id,
      object: r.object_key,
      status: r.status,
      dryRun: r.dry_run,
      mode: r.options.mode ?? 'insert',
      total: r.total,
      processed: r.next_row,
      inserted: r.inserted,
      updated: r.updated,
      rejected: r.rejected,
      errors,
      error: r.error,
      createdAt: r.created_at.toISOString(),
      finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
    };
  }

  /**
   * The rejected rows as CSV (UTF-8 with BOM): the spreadsheet line number, the row's own cells, and
   * the reasons cell by cell ("column: message"). The file is read again; only rejected lines are written.
   */
  async rejectedCsv(id: string, p: Principal, lang: Lang): Promise<{ filename: string; stream: Readable }> {
    const r = await this.load(id, p);
    const errs = await this.db.query<{ row: number; column: string | null; code: string; message: string }>(
      'SELECT row_no AS row, column_name AS column, code, message FROM crm.import_errors WHERE import_id = $1::uuid ORDER BY row_no, seq',
      [id],
    );
    const byRow = new Map<number, string[]>();
    for (const e of errs) {
      const list = byRow.get(e.row) ?? [];
      list.push(`${e.column ? `${e.column}: ` : ''}${e.message} [${e.code}]`);
      byRow.set(e.row, list);
    }
    const out = stringify({ bom: true });
    void (async () => {
      try {
        let line = 0;
        let width = 0;
        for await (const row of readRows(this.filePath(r.file_sha256), r.file_format, r.options.encoding)) {
          line++;
          if (line === 1) {
            width = row.length;
            out.write([lang === 'en' ? 'line' : '行号', ...row, lang === 'en' ? 'errors' : '错误原因']);
            continue;
          }
          const reasons = byRow.get(line);
          if (!reasons) continue;
          const cells = [...row];
          while (cells.length < width) cells.push('');
          if (!out.write([String(line), ...cells.map(safeCell), safeCell(reasons.join('; '))])) await new Promise((res) => out.once('drain', res));
        }
        out.end();
      } catch (err) {
        out.destroy(err as Error);
      }
    })();
    return { filename: `import-${id}-rejected.csv`, stream: out };
  }
}

/** JSON with sorted keys (the fingerprint must not depend on key order). */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as Record<string, unknown>).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
