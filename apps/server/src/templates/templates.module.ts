/** Solution templates (the bank CRM pack), installed through the same services a designer uses. */
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { WorkflowModule } from '../workflow/workflow.module.js';
import { CustomersModule } from '../customers/customers.module.js';
import { TemplatesController } from './templates.controller.js';
import { TemplatesService } from './templates.service.js';
import { DemoBootstrap } from './demo-bootstrap.js';

@Module({
  imports: [AuditModule, WorkflowModule, CustomersModule],
  providers: [TemplatesService, DemoBootstrap],
  controllers: [TemplatesController],
  exports: [TemplatesService, DemoBootstrap],
})
export class TemplatesModule {}
