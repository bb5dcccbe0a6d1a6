import { Global, Module } from '@nestjs/common';
import { RecordsService } from './records.service.js';
import { ScopedReader } from './scoped-reader.js';
import { RecordsExportService } from './records-export.js';
import { RecordsController } from './records.controller.js';
import { FormSubmitController } from '../metadata/forms.controller.js';
import { AuditModule } from '../audit/audit.module.js';

@Global()
@Module({
  imports: [AuditModule],
  providers: [ScopedReader, RecordsService, RecordsExportService],
  controllers: [RecordsController, FormSubmitController],
  exports: [ScopedReader, RecordsService],
})
export class RecordsModule {}
