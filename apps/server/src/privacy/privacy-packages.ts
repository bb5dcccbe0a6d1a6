/**
 * The copy package of a PIPL request (art. 45): one XLSX workbook with a sheet per object (Chinese
 * labels, the subject's own values in clear), a sheet of the processes and one of the audit entries
 * about them, plus every attachment — in one ZIP, built with exceljs and jszip. The package is kept
 * under the data directory (mode 0600) until its one download by the request's handler, then deleted.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { pickText, type FieldDef } from '@crm/form-engine';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { FilesService } from '../files/files.service.js';
import type { SubjectFindings } from './subject-finder.js';
import { HOLD_REASON_TEXT } from './retention-policy.js';

const SYSTEM_COLUMNS: [string, string][] = [['id', '记录编号'], ['created_at', '创建时间'], ['updated_at', '更新时间']];

/** A cell's text for a value of the record (lists joined, objects as JSON). */
function cell(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join('，');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A file name safe inside a ZIP (no separators, no control characters). */
function safeName(s: string): string {
  return [...s].map((ch) => (ch.charCodeAt(0) < 32 || '/\\:*?"<>|'.includes(ch) ? '_' : ch)).join('').slice(0, 120) || 'file';
}

@Injectable()
export class PrivacyPackages {
  private readonly dir: string;

  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly files: FilesService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.dir = path.join(config.dataDir, 'privacy');
  }

  /** The workbook and ZIP of the findings. */
  async build(findings: SubjectFindings, onProgress?: (done: number, total: number) => Promise<void>): Promise<{ zip: Buffer; sheets: string[]; attachments: number }> {
    const wb = new ExcelJS.Workbook();
    wb.creator = 'bank-crm privacy';
    const objects = new Map((await this.meta.objects()).map((o) => [o.key, o]));
    const byObject = new Map<string, SubjectFindings['records']>();
    for (const r of findings.records) byObject.set(r.object, [...(byObject.get(r.object) ?? []), r]);
    const sheets: string[] = [];
    const used = new Set<string>();
    const sheetName = (label: string) => {
      // Excel: at most 31 characters, none of []:*?/\ and unique.
      let base = label.replace(/[[\]:*?/\\]/g, '_').slice(0, 28) || 'sheet';
      let n = 2;
      let name = base;
      while (used.has(name)) name = `${base.slice(0, 26)}(${n++})`;
      used.add(name);
      base = name;
      return base;
    };
    const total = byObject.size + findings.attachments.length;
    let done = 0;
    for (const [key, recs] of byObject) {
      const o = objects.get(key);
      if (!o) continue;
      const name = sheetName(pickText(o.label, 'zh-CN') || key);
      const ws = wb.addWorksheet(name);
      const fields: FieldDef[] = o.fields;
      ws.columns = [
        ...SYSTEM_COLUMNS.map(([k, label]) => ({ header: label, key: k, width: 22 })),
        ...fields.map((f) => ({ header: pickText(f.label, 'zh-CN') || f.key, key: f.key, width: 18 })),
      ];
      for (const r of recs) ws.addRow(Object.fromEntries([...SYSTEM_COLUMNS.map(([k]) => [k, cell(r.row[k])]), ...fields.map((f) => [f.key, cell(r.row[f.key])])]));
      sheets.push(name);
      await onProgress?.(++done, total);
    }
    const proc = wb.addWorksheet(sheetName('流程记录'));
    proc.columns = [{ header: '流程实例', key: 'id', width: 38 }, { header: '流程', key: 'definitionKey', width: 24 }, { header: '状态', key: 'status', width: 12 }, { header: '发起时间', key: 'startedAt', width: 26 }];
    for (const p of findings.processes) proc.addRow(p);
    const aud = wb.addWorksheet(sheetName('审计记录'));
    aud.columns = [{ header: '序号', key: 'seq', width: 10 }, { header: '时间', key: 'at', width: 26 }, { header: '操作', key: 'action', width: 24 }, { header: '对象', key: 'object', width: 18 }, { header: '记录', key: 'recordId', width: 38 }];
    for (const a of findings.audit) aud.addRow(a);
    const holds = wb.addWorksheet(sheetName('依法留存说明'));
    holds.columns = [{ header: '对象', key: 'object', width: 18 }, { header: '记录', key: 'id', width: 38 }, { header: '留存原因', key: 'reason', width: 50 }, { header: '留存至', key: 'until', width: 14 }];
    for (const h of findings.holds) holds.addRow({ object: h.object, id: h.id, reason: HOLD_REASON_TEXT[h.reason]['zh-CN'], until: h.until ?? '业务关系存续期间' });

    const zip = new JSZip();
    zip.file('个人信息副本.xlsx', Buffer.from(await wb.xlsx.writeBuffer()));
    for (const a of findings.attachments) {
      const file = this.files.contentPath(a);
      if (existsSync(file)) zip.file(`附件/${a.id}-${safeName(a.name)}`, readFileSync(file));
      await onProgress?.(++done, total);
    }
    const content = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    return { zip: content, sheets, attachments: findings.attachments.length };
  }

  /** Writes a request's package; its row records where and its digest. */
  async store(requestId: string, zip: Buffer): Promise<{ bytes: number; sha256: string }> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = `${requestId}.zip`;
    writeFileSync(path.join(this.dir, file), zip, { mode: 0o600 });
    const sha256 = createHash('sha256').update(zip).digest('hex');
    await this.db.query(`UPDATE crm.privacy_requests SET package_file = $2 WHERE id = $1`, [requestId, file]);
    return { bytes: zip.length, sha256 };
  }

  /** The package, to the request's handler, once: the row is marked and the file deleted in one step. */
  async takeOnce(requestId: string, p: Principal): Promise<{ filename: string; content: Buffer }> {
    return this.db.tx(async (c) => {
      const { rows } = await c.query<{ requested_by: string | null; package_file: string | null; package_downloaded_at: Date | null }>(
        `SELECT requested_by, package_file, package_downloaded_at FROM crm.privacy_requests WHERE id::text = $1 FOR UPDATE`, [requestId],
      );
      const r = rows[0];
      if (!r) throw new AppError(404, 'privacy.request_not_found');
      if (r.requested_by !== p.id) {
        await this.audit.recordRefusal({ action: 'privacy.package.download', object: 'privacy_request', recordId: requestId, outcome: 'denied' });
        throw new AppError(403, 'privacy.not_handler');
      }
      if (r.package_downloaded_at) throw new AppError(410, 'privacy.package_gone');
      if (!r.package_file || !/^[0-9a-f-]{36}\.zip$/.test(r.package_file)) throw new AppError(409, 'privacy.package_not_ready');
      const file = path.join(this.dir, r.package_file);
      if (!existsSync(file)) throw new AppError(410, 'privacy.package_gone');
      const content = readFileSync(file);
      await c.query(`UPDATE crm.privacy_requests SET package_downloaded_at = now() WHERE id = $1::uuid`, [requestId]);
      await this.audit.record({ action: 'privacy.package.download', object: 'privacy_request', recordId: requestId, data: { bytes: content.length, sha256: createHash('sha256').update(content).digest('hex') } }, c);
      rmSync(file, { force: true });
      return { filename: `pipl-${requestId}.zip`, content };
    });
  }
}
