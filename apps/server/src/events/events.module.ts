/** Business events in (`POST /api/events`): stored, consumed by journeys, correlated to waiting processes. */
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { WorkflowModule } from '../workflow/workflow.module.js';
import { EventsController } from './events.controller.js';
import { EventsService } from './events.service.js';
import { EventConsumers } from './event-consumers.js';

@Module({
  imports: [AuditModule, WorkflowModule],
  providers: [EventsService, EventConsumers],
  controllers: [EventsController],
  exports: [EventConsumers],
})
export class EventsModule {}
