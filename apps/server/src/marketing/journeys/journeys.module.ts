/** Journeys: behaviour-triggered automation on the workflow engine (definitions, entries, actions, analytics). */
import { Module, type OnModuleInit } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module.js';
import { WorkflowModule } from '../../workflow/workflow.module.js';
import { EventsModule } from '../../events/events.module.js';
import { MarketingModule } from '../marketing.module.js';
import { JourneysController } from './journeys.controller.js';
import { JourneysService } from './journeys.service.js';
import { JourneyActions } from './journey-actions.js';
import { ContactGateway } from './contact-gateway.js';
import { JourneyEntryJob } from './journey-entry.job.js';

@Module({
  imports: [AuditModule, WorkflowModule, EventsModule, MarketingModule],
  providers: [JourneysService, JourneyActions, ContactGateway, JourneyEntryJob],
  controllers: [JourneysController],
})
export class JourneysModule implements OnModuleInit {
  constructor(private readonly actions: JourneyActions) {}

  onModuleInit(): void {
    this.actions.register();
  }
}
