/**
 * Export of a report (CSV or XLSX): the caller's own answer — the same scope, field rights and cell
 * cap as a run — written to a file and audited like a record export. A filter value on an encrypted
 * field (through a relation path too) is kept in the audit entry only as its keyed hash and mask.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Lang } from '@crm/form-engine';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import type { FieldCrypto } from '../crypto/field-crypto.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { protectReportFilter } from './report-filter-secrets.js';
import type { RunOptions } from './report-compiler.js';
import { exportFile, type ExportFormat } from './report-export.js';
import { ReportsService } from './reports.service.js';

@Injectable()
export class ReportExports {
  constructor(
    private readonly reports: ReportsService,
    private readonly meta: MetadataService,
    private readonly audit: AuditService,
    @Inject('FIELD_CRYPTO') private readonly crypto: FieldCrypto,
  ) {}

  async export(key: string, format: ExportFormat, opts: RunOptions, p: Principal, lang: Lang): Promise<{ body: Buffer; contentType: string; filename: string }> {
    const answer = await this.reports.run(key, opts, p, lang);
    const file = await exportFile(answer, format, key, lang);
    const filter = (await protectReportFilter(this.meta, this.crypto, answer.compiled.objects[0]!, opts.filter)) ?? null;
    await this.audit.record({
      action: 'report.export',
      object: 'report',
      recordId: key,
      data: { version: answer.report?.version, format, filter, drill: opts.drill ?? null, rows: answer.rows.length },
    });
    return file;
  }
}
