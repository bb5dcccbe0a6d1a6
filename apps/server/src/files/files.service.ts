/**
 * Attachments: stored once per content under $CRM_DATA_DIR/files/<sha256>, with a size limit and a
 * content-type allow-list checked against the bytes (not the name or the declared type). A file is
 * served to its uploader, and to callers who may read a record that holds it (decided by the scoped
 * record reader, which also decides who may put a file into a record).
 */
import type { UploadedFile } from '@crm/shared';
import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileTypeFromFile } from 'file-type';
import { Db } from '../database/db.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AppError } from '../common/app-error.js';
import { registerMessages } from '../common/i18n.js';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import { ScopedReader } from '../records/scoped-reader.js';

registerMessages({
  'files.too_large': { 'zh-CN': '文件超过大小上限 {limit} MB', en: 'The file exceeds the {limit} MB limit' },
  'files.type_not_allowed': { 'zh-CN': '不允许上传此类文件：{type}', en: 'This kind of file is not allowed: {type}' },
  'files.missing': { 'zh-CN': '请求中没有文件', en: 'The request holds no file' },
  'files.not_found': { 'zh-CN': '文件不存在或无权访问', en: 'No such file, or you may not read it' },
});

/** Types recognised from their bytes. Plain text/CSV have no signature and are checked as UTF-8 text. */
const ALLOWED = new Set([
  'application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/tiff', 'image/bmp',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/zip', 'application/x-cfb', 'application/vnd.ms-excel', 'application/msword', 'application/ofd',
]);

/** A stored attachment as the API shows it. */
export type StoredFile = UploadedFile;

@Injectable()
export class FilesService {
  private readonly dir: string;

  constructor(
    private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly reader: ScopedReader,
  ) {
    this.dir = path.join(config.dataDir, 'files');
  }

  /** Streams the upload to a temp file while hashing, then checks the bytes and moves it in place. */
  async store(stream: Readable, name: string, p: Principal): Promise<StoredFile> {
    mkdirSync(path.join(this.dir, 'tmp'), { recursive: true });
    const tmp = path.join(this.dir, 'tmp', randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const fh = await open(tmp, 'w', 0o600);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.config.maxFileBytes) throw new AppError(413, 'files.too_large', { limit: Math.round(this.config.maxFileBytes / 1048576) });
        hash.update(chunk);
        await fh.write(chunk);
      }
      if ((stream as { truncated?: boolean }).truncated) throw new AppError(413, 'files.too_large', { limit: Math.round(this.config.maxFileBytes / 1048576) });
    } catch (err) {
      await fh.close();
      rmSync(tmp, { force: true });
      throw err;
    }
    await fh.close();
    let contentType: string;
    try {
      contentType = await this.sniff(tmp, size);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    const sha256 = hash.digest('hex');
    const final = path.join(this.dir, sha256.slice(0, 2), sha256);
    mkdirSync(path.dirname(final), { recursive: true });
    if (existsSync(final)) rmSync(tmp, { force: true });
    else renameSync(tmp, final);
    // Control characters and path separators never reach a stored name or a download header.
    const safeName = [...name].map((ch) => (ch.charCodeAt(0) < 32 || ch === '/' || ch === '\\' ? '_' : ch)).join('').slice(0, 255) || 'file';
    return this.db.tx(async (c) => {
      const { rows } = await c.query<{ id: string }>(
        'INSERT INTO crm.files (sha256, name, size, content_type, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id',
        [sha256, safeName, size, contentType, p.id],
      );
      await this.audit.record({ action: 'file.upload', object: 'file', recordId: rows[0].id, data: { name: safeName, size, contentType, sha256 } }, c);
      return { id: rows[0].id, name: safeName, size, contentType, sha256 };
    });
  }

  private async sniff(file: string, size: number): Promise<string> {
    const ft = await fileTypeFromFile(file);
    if (ft) {
      if (!ALLOWED.has(ft.mime)) throw new AppError(415, 'files.type_not_allowed', { type: ft.mime });
      return ft.mime;
    }
    // No signature: accept only valid UTF-8 text without NUL bytes (txt, csv).
    if (size > 0 && size <= 5 * 1024 * 1024) {
      const fh = await open(file, 'r');
      try {
        const buf = Buffer.alloc(size);
        await fh.read(buf, 0, size, 0);
        const text = new TextDecoder('utf-8', { fatal: true });
        try {
          text.decode(buf);
          if (!buf.includes(0)) return 'text/plain; charset=utf-8';
        } catch {
          /* not text */
        }
      } finally {
        await fh.close();
      }
    }
    throw new AppError(415, 'files.type_not_allowed', { type: 'unknown' });
  }

  /** Names and sizes of stored files (for the platform's own work, e.g. a PIPL inventory); unknown ids are left out. */
  async describe(ids: string[]): Promise<StoredFile[]> {
    if (!ids.length) return [];
    const rows = await this.db.query<{ id: string; sha256: string; name: string; size: string; content_type: string }>(
      'SELECT id, sha256, name, size, content_type FROM crm.files WHERE id = ANY($1::uuid[]) ORDER BY created_at, id', [ids],
    );
    return rows.map((r) => ({ id: r.id, name: r.name, size: Number(r.size), contentType: r.content_type, sha256: r.sha256 }));
  }

  /** The bytes of a stored file, for the platform's own work (a PIPL copy package); the caller decides who may have them. */
  contentPath(file: StoredFile): string {
    return path.join(this.dir, file.sha256.slice(0, 2), file.sha256);
  }

  /**
   * Erases files for good (PIPL deletion): their rows, and each content whose last row this was.
   * The audit entry names the files, never their names or bytes. Runs in the caller's transaction when given.
   */
  async erase(ids: string[], reason: Record<string, unknown>, client?: import('pg').PoolClient): Promise<number> {
    if (!ids.length) return 0;
    const q = client ?? this.db.pool;
    const { rows } = await q.query<{ sha256: string }>('DELETE FROM crm.files WHERE id = ANY($1::uuid[]) RETURNING sha256', [ids]);
    for (const sha of new Set(rows.map((r) => r.sha256))) {
      const { rows: left } = await q.query('SELECT 1 FROM crm.files WHERE sha256 = $1 LIMIT 1', [sha]);
      if (!left.length) rmSync(path.join(this.dir, sha.slice(0, 2), sha), { force: true });
    }
    await this.audit.record({ action: 'file.erase', object: 'file', data: { ids, ...reason } }, client);
    return rows.length;
  }

  /** The file, if the caller uploaded it or may read a record of any object whose attachment field holds it. */
  async open(id: string, p: Principal): Promise<{ file: StoredFile; stream: Readable }> {
    const row = await this.db.one<{ id: string; sha256: string; name: string; size: string; content_type: string; created_by: string | null }>(
      'SELECT * FROM crm.files WHERE id = $1', [id],
    );
    if (!row) throw new AppError(404, 'files.not_found');
    if ((await this.reader.readableFiles([id], p, 'download')).size === 0) throw new AppError(404, 'files.not_found');
    const file: StoredFile = { id: row.id, name: row.name, size: Number(row.size), contentType: row.content_type, sha256: row.sha256 };
    await this.audit.record({ action: 'file.download', object: 'file', recordId: id });
    return { file, stream: createReadStream(path.join(this.dir, row.sha256.slice(0, 2), row.sha256)) };
  }
}
