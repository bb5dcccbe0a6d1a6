import { Global, Module } from '@nestjs/common';
import { MetadataService } from './metadata.service.js';
import { FormsService } from './forms.service.js';
import { ValidatorModules } from './validator-modules.js';
import { StoredFieldTypesCheck } from './stored-field-types.check.js';
import { MetadataController } from './metadata.controller.js';
import { FormsController } from './forms.controller.js';
import { AuditModule } from '../audit/audit.module.js';

@Global()
@Module({
  imports: [AuditModule],
  providers: [MetadataService, FormsService, StoredFieldTypesCheck, ValidatorModules],
  controllers: [MetadataController, FormsController],
  exports: [MetadataService, FormsService, ValidatorModules],
})
export class MetadataModule {}
