/** PIPL personal-information rights: the subject finder, requests run as a process, copy packages. */
import { Module, type OnModuleInit } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { FilesModule } from '../files/files.module.js';
import { WorkflowModule } from '../workflow/workflow.module.js';
import { ServiceTaskRegistry } from '../workflow/service-tasks.js';
import type { PrivacyStatus } from '@crm/shared';
import { PrivacyController } from './privacy.controller.js';
import { SubjectFinder } from './subject-finder.js';
import { PrivacyRequests } from './privacy-requests.service.js';
import { PrivacyPackages } from './privacy-packages.js';
import { PrivacyExportJob } from './privacy-export.job.js';
import { JobRegistry } from '../jobs/job-registry.js';

const STAGES: PrivacyStatus[] = ['verified', 'answered', 'rejected'];

@Module({
  imports: [AuditModule, FilesModule, WorkflowModule],
  providers: [SubjectFinder, PrivacyRequests, PrivacyPackages, PrivacyExportJob],
  controllers: [PrivacyController],
  exports: [SubjectFinder],
})
export class PrivacyModule implements OnModuleInit {
  constructor(
    private readonly tasks: ServiceTaskRegistry,
    private readonly requests: PrivacyRequests,
    private readonly jobs: JobRegistry,
    private readonly exportJob: PrivacyExportJob,
  ) {}

  onModuleInit(): void {
    this.jobs.register(this.exportJob);
    // The request process (the bank pack's bank_pipl_request) calls back through these service tasks.
    this.tasks.register('privacy-status', async (input) => {
      const status = String(input.status) as PrivacyStatus;
      if (!STAGES.includes(status)) throw new Error(`privacy-status: unknown status ${status}`);
      return this.requests.setStatus(String(input.requestId), status);
    });
    this.tasks.register('privacy-fulfil', (input, ctx) => this.requests.fulfil(String(input.requestId), ctx.actor));
    this.tasks.register('privacy-escalate', (input) => this.requests.escalate(String(input.requestId)));
  }
}
