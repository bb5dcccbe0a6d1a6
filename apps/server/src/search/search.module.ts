/** Global search over records the caller may read and their tasks. */
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { WorkflowModule } from '../workflow/workflow.module.js';
import { SearchController } from './search.controller.js';
import { SearchService } from './search.service.js';

@Module({ imports: [AuditModule, WorkflowModule], providers: [SearchService], controllers: [SearchController] })
export class SearchModule {}
