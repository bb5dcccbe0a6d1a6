/** Solution templates (the bundles of the installed solution packs), installed through the same services a designer uses. */
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { WorkflowModule } from '../workflow/workflow.module.js';
import { TemplatesController } from './templates.controller.js';
import { TemplatesService } from './templates.service.js';
import { DemoBootstrap } from './demo-bootstrap.js';
import { PackConflictsController } from './pack-conflicts.controller.js';

@Module({
  imports: [AuditModule, WorkflowModule],
  providers: [TemplatesService, DemoBootstrap],
  controllers: [TemplatesController, PackConflictsController],
  exports: [TemplatesService, DemoBootstrap],
})
export class TemplatesModule {}
