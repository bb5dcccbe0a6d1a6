import { Module } from '@nestjs/common';
import { AuditService } from './audit.service.js';
import { AuditController } from './audit.controller.js';
import { AuditView } from './audit-view.js';

@Module({
  providers: [AuditService, AuditView],
  controllers: [AuditController],
  exports: [AuditService],
})
export class AuditModule {}
