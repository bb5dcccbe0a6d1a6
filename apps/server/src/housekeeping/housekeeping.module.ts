/** Retention settings and the housekeeping job that enforces them. */
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { WorkflowModule } from '../workflow/workflow.module.js';
import { HousekeepingController } from './housekeeping.controller.js';
import { HOUSEKEEPING_CLOCK, HousekeepingService, type Clock } from './housekeeping.service.js';
import { RetentionPoliciesService } from './retention-policies.service.js';

const systemClock: Clock = () => new Date();

@Module({
  imports: [AuditModule, WorkflowModule],
  providers: [HousekeepingService, RetentionPoliciesService, { provide: HOUSEKEEPING_CLOCK, useValue: systemClock }],
  controllers: [HousekeepingController],
})
export class HousekeepingModule {}
