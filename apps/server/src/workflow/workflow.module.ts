/** Process definitions and versions, runtime persistence, the job executor, the task inbox, triggers. */
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { DefinitionsService } from './definitions.service.js';
import { WorkflowRuntime } from './runtime.service.js';
import { WorkflowAccess } from './workflow-access.js';
import { ServiceTaskRegistry } from './service-tasks.js';
import { JobExecutor } from './job-executor.js';
import { TasksService } from './tasks.service.js';
import { ProcessInstancesService } from './process-instances.service.js';
import { TriggersService } from './triggers.service.js';
import { VariableLabels } from './variable-labels.js';
import { RequestVariables } from './request-variables.js';
import { ProcessDefinitionsController } from './process-definitions.controller.js';
import { ProcessInstancesController, WorkflowEventsController } from './process-instances.controller.js';
import { TasksController } from './tasks.controller.js';
import { DecisionsController } from './decisions.controller.js';
import { TriggersController } from './triggers.controller.js';

@Module({
  imports: [AuditModule],
  providers: [RequestVariables, VariableLabels, DefinitionsService, WorkflowRuntime, WorkflowAccess, ServiceTaskRegistry, JobExecutor, TasksService, ProcessInstancesService, TriggersService],
  controllers: [ProcessDefinitionsController, ProcessInstancesController, WorkflowEventsController, TasksController, DecisionsController, TriggersController],
  exports: [DefinitionsService, WorkflowRuntime, ServiceTaskRegistry, TasksService, ProcessInstancesService, RequestVariables],
})
export class WorkflowModule {}
