/**
 * CSV export of a filtered record list: the `export` action on top of `read`, pages read through
 * the scoped reader (the same row scope, field modes and masking as every read), a row cap, an
 * audit entry, and cells that cannot be mistaken for spreadsheet formulas.
 */
import { Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import { PassThrough } from 'node:stream';
import { pickText, type Lang } from '@crm/form-engine';
import type { Readable } from 'node:stream';
import { RecordsService } from './records.service.js';
import { ScopedReader, type QueryInput } from './scoped-reader.js';
import { AccessService } from '../access/access.service.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { AuditService } from '../audit/audit.service.js';
import { AppError } from '../common/app-error.js';
import type { Principal } from '../auth/principal.js';
import { fieldsByPath, protectFilter } from './filter-secrets.js';
import { hashInput } from './record-codec.js';

export const EXPORT_MAX_ROWS = 100_000;

/** A leading = + - @ (or tab/CR) makes Excel evaluate a cell: prefix such text with a quote. */
export function safeCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = Array.isArray(v) ? v.join(';') : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

@Injectable()
export class RecordsExportService {
  constructor(
    private readonly records: RecordsService,
    private readonly reader: ScopedReader,
    private readonly access: AccessService,
    private readonly meta: MetadataService,
    private readonly audit: AuditService,
  ) {}

  async csv(objectKey: string, q: Omit<QueryInput, 'limit' | 'cursor' | 'total'>, p: Principal, lang: Lang): Promise<{ filename: string; stream: Readable }> {
    return this.file(objectKey, q, p, lang, 'csv');
  }

  /**
   * CSV (UTF-8 with BOM) or XLSX (exceljs's streaming writer: rows are committed as they are read,
   * so memory stays flat) of the viewer's rows, masked as the viewer sees them.
   */
  async file(objectKey: string, q: Omit<QueryInput, 'limit' | 'cursor' | 'total'>, p: Principal, lang: Lang, format: 'csv' | 'xlsx'): Promise<{ filename: string; stream: Readable; contentType: string }> {
    const o = await this.meta.object(objectKey);
    const acc = await this.access.forObject(p, objectKey);
    if (!acc.can('export') || !acc.can('read')) throw new AppError(403, 'records.forbidden_action', { object: objectKey, action: 'export' });
    const fields = o.fields.filter((f) => acc.fieldMode(f.key) !== 'none' && (!q.fields || q.fields.includes(f.key)));
    // Validate the query before answering 200: a bad filter must still be a 400.
    const first = await this.reader.query(objectKey, { ...q, limit: 500 }, p);
    // The entry keeps a value on an encrypted field only as its keyed hash (and mask): the trail must not become a copy of it.
    const filter = q.filter === undefined || q.filter === null ? null : protectFilter(q.filter, fieldsByPath((await this.meta.current()).objects, objectKey, q.filter), (v) => this.records.crypto.searchHash(hashInput(v)));
    await this.audit.record({ action: 'record.export', object: objectKey, data: { filter, sort: q.sort ?? null, fields: fields.map((f) => f.key), format } });
    const header = ['id', ...fields.map((f) => pickText(f.label, lang) || f.key), lang === 'en' ? 'updated at' : '更新时间'];
    if (format === 'xlsx') return { filename: `${objectKey}.xlsx`, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', stream: this.xlsx(objectKey, q, p, header, fields.map((f) => f.key), first) };
    const out = stringify({ bom: true });
    out.write(header);
    void (async () => {
      try {
        let page = first;
        let rows = 0;
        for (;;) {
          for (const r of page.items) {
            if (rows++ >= EXPORT_MAX_ROWS) break;
            if (!out.write([r.id, ...fields.map((f) => safeCell(r[f.key])), safeCell(r.updated_at)])) await new Promise((res) => out.once('drain', res));
          }
          if (!page.nextCursor || rows >= EXPORT_MAX_ROWS) break;
          page = await this.reader.query(objectKey, { ...q, limit: 500, cursor: page.nextCursor }, p);
        }
        out.end();
      } catch (err) {
        out.destroy(err as Error);
      }
    })();
    return { filename: `${objectKey}.csv`, contentType: 'text/csv; charset=utf-8', stream: out };
  }

  private xlsx(objectKey: string, q: Omit<QueryInput, 'limit' | 'cursor' | 'total'>, p: Principal, header: string[], keys: string[], first: Awaited<ReturnType<ScopedReader['query']>>): Readable {
    const out = new PassThrough();
    const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
    const sheet = book.addWorksheet(objectKey.slice(0, 31));
    void (async () => {
      try {
        sheet.addRow(header).commit();
        let page = first;
        let rows = 0;
        for (;;) {
          for (const r of page.items) {
            if (rows++ >= EXPORT_MAX_ROWS) break;
            // Every value as the text the viewer sees (money and decimals stay decimal strings, never floats).
            sheet.addRow([r.id, ...keys.map((k) => safeCell(r[k])), safeCell(r.updated_at)]).commit();
          }
          if (!page.nextCursor || rows >= EXPORT_MAX_ROWS) break;
          page = await this.reader.query(objectKey, { ...q, limit: 500, cursor: page.nextCursor }, p);
        }
        sheet.commit();
        await book.commit();
      } catch (err) {
        out.destroy(err as Error);
      }
    })();
    return out;
  }
}
