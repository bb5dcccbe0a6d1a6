/** The bank pack's Nest module: customer 360°, call-centre lookup, relationship network and guarantee circles, rule tags, segments, its service tasks and demo loader. */
import { Module } from '@nestjs/common';
import { AuditModule } from '../../../audit/audit.module.js';
import { WorkflowModule } from '../../../workflow/workflow.module.js';
import { CustomersController } from './customers.controller.js';
import { Customer360Service } from './customer360.service.js';
import { GuaranteeCircles } from './guarantee-circles.service.js';
import { NetworkService } from './network.service.js';
import { RuleTagsJob } from './rule-tags.job.js';
import { SegmentsService } from './segments.service.js';
import { BankDemoLoader } from '../demo/bank-demo-loader.js';
import { BankServices } from '../bank-services.js';
import { SegmentDefinitions } from './segment-definitions.js';
import { CustomerLookupService } from './customer-lookup.service.js';
import { NextActionsService } from './next-actions.service.js';

@Module({
  imports: [AuditModule, WorkflowModule],
  providers: [Customer360Service, NetworkService, GuaranteeCircles, RuleTagsJob, SegmentsService, BankServices, SegmentDefinitions, BankDemoLoader, CustomerLookupService, NextActionsService],
  controllers: [CustomersController],
  exports: [BankServices, BankDemoLoader],
})
export class CustomersModule {}
