/**
 * Export of a report (CSV or XLSX): the caller's own answer — the same scope, field rights and cell
 * cap as a run — written to a file and audited like a record export. A filter value on an encrypted
 * field (through a relation path too) is kept in the audit entry only as its keyed hash and mask.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { FieldDef, Lang } from '@crm/form-engine';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import type { FieldCrypto } from '../crypto/field-crypto.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { protectFilter } from '../records/filter-secrets.js';
import { hashInput } from '../records/record-codec.js';
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

  /** Every field a filter key may name, by path, from the report's object through relation fields. */
  private async fieldsByPath(object: string, filter: Record<string, unknown>): Promise<Map<string, FieldDef>> {
    const objects = (await this.meta.current()).objects;
    const out = new Map<string, FieldDef>();
    for (const path of JSON.stringify(filter).match(/"[a-z][a-z0-9_.]*"(?=:)/g) ?? []) {
      const parts = path.slice(1, -1).split('.');
      let o = objects.get(object);
      for (const hop of parts.slice(0, -1)) o = objects.get(o?.byKey.get(hop)?.target ?? '');
      const f = o?.byKey.get(parts[parts.length - 1]!);
      if (f) out.set(path.slice(1, -1), f);
    }
    return out;
  }

  async export(key: string, format: ExportFormat, opts: RunOptions, p: Principal, lang: Lang): Promise<{ body: Buffer; contentType: string; filename: string }> {
    const answer = await this.reports.run(key, opts, p, lang);
    const file = await exportFile(answer, format, key, lang);
    const filter = opts.filter ? protectFilter(opts.filter, await this.fieldsByPath(answer.compiled.objects[0]!, opts.filter), (v) => this.crypto.searchHash(hashInput(v))) : null;
    await this.audit.record({
      action: 'report.export',
      object: 'report',
      recordId: key,
      data: { version: answer.report?.version, format, filter, drill: opts.drill ?? null, rows: answer.rows.length },
    });
    return file;
  }
}
