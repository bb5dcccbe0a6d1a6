/** Customer 360°, relationship network and guarantee circles, rule tags, segments and the bank pack's service tasks. */
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { WorkflowModule } from '../workflow/workflow.module.js';
import { CustomersController } from './customers.controller.js';
import { CustomersService } from './customers.service.js';
import { BankServices } from './bank-services.js';
import { SegmentDefinitions } from './segment-definitions.js';

@Module({
  imports: [AuditModule, WorkflowModule],
  providers: [CustomersService, BankServices, SegmentDefinitions],
  controllers: [CustomersController],
  exports: [CustomersService, BankServices],
})
export class CustomersModule {}
