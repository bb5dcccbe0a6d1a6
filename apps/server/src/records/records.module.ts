import { Global, Module } from '@nestjs/common';
import { RecordsService } from './records.service.js';
import { RecordsExportService } from './records-export.js';
import { RecordsController } from './records.controller.js';
import { FormSubmitController } from '../metadata/forms.controller.js';
import { AuditModule } from '../audit/audit.module.js';

@Global()
@Module({
  imports: [AuditModule],
  providers: [RecordsService, RecordsExportService],
  controllers: [RecordsController, FormSubmitController],
  exports: [RecordsService],
})
export class RecordsModule {}
