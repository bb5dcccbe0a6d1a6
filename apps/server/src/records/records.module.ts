import { Global, Module } from '@nestjs/common';
import { RecordsService } from './records.service.js';
import { ScopedReader } from './scoped-reader.js';
import { RecordsExportService } from './records-export.js';
import { RecordsController } from './records.controller.js';
import { FormSubmitController } from '../metadata/forms.controller.js';
import { AuditModule } from '../audit/audit.module.js';
import { RecordChanges } from './record-changes.js';
import { DisplayValues } from './display-values.js';
import { OrgTree } from './org-tree.js';

@Global()
@Module({
  imports: [AuditModule],
  providers: [OrgTree, ScopedReader, RecordsService, RecordsExportService, RecordChanges, DisplayValues],
  controllers: [RecordsController, FormSubmitController],
  exports: [ScopedReader, RecordsService, RecordChanges, DisplayValues],
})
export class RecordsModule {}
