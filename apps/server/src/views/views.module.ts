/** Saved list views (personal and shared with roles) of the record lists. */
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { ViewsController } from './views.controller.js';
import { ViewsService } from './views.service.js';
import './views.messages.js';

@Module({
  imports: [AuditModule],
  providers: [ViewsService],
  controllers: [ViewsController],
})
export class ViewsModule {}
