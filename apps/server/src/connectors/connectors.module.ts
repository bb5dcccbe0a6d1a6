/** Connectors to bank systems: the registry of definitions, their service-task types, test and run. */
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { WorkflowModule } from '../workflow/workflow.module.js';
import { ConnectorsController } from './connectors.controller.js';
import { CONNECTOR_CLOCK, ConnectorsService } from './connectors.service.js';

@Module({
  imports: [AuditModule, WorkflowModule],
  providers: [ConnectorsService, { provide: CONNECTOR_CLOCK, useValue: () => new Date() }],
  controllers: [ConnectorsController],
})
export class ConnectorsModule {}
