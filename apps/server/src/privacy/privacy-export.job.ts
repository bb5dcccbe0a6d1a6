/**
 * The background job that builds a copy request's package (`privacy.export`): it finds the subject's
 * records again when it runs (what the bank holds then), builds the workbook and ZIP with progress,
 * and keeps the package for the handler's one download. Building is all-or-nothing, so a resumed job
 * simply builds again; a shutdown stops it before the package is stored.
 */
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { JobContext, JobHandler } from '../jobs/job-registry.js';
import { SubjectFinder } from './subject-finder.js';
import { PrivacyPackages } from './privacy-packages.js';

export const EXPORT_JOB = 'privacy.export';

@Injectable()
export class PrivacyExportJob implements JobHandler {
  readonly kind = EXPORT_JOB;

  constructor(
    private readonly finder: SubjectFinder,
    private readonly packages: PrivacyPackages,
    private readonly audit: AuditService,
  ) {}

  async run(ctx: JobContext): Promise<Record<string, unknown> | void> {
    const { requestId, subjectId } = ctx.params as { requestId: string; subjectId: string };
    const findings = await this.finder.find(subjectId);
    const built = await this.packages.build(findings, (done, total) => ctx.progress({ done, total }));
    if (ctx.signal.aborted) return;
    const stored = await this.packages.store(requestId, built.zip);
    await this.audit.record({
      action: 'privacy.package.build', object: 'privacy_request', recordId: requestId, actorId: ctx.createdBy, actorName: null,
      data: { sheets: built.sheets, attachments: built.attachments, ...stored },
    });
    return { requestId, sheets: built.sheets, attachments: built.attachments, ...stored };
  }
}
