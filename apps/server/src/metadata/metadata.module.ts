import { Global, Module } from '@nestjs/common';
import { MetadataService } from './metadata.service.js';
import { FormsService } from './forms.service.js';
import { MetadataController } from './metadata.controller.js';
import { FormsController } from './forms.controller.js';
import { AuditModule } from '../audit/audit.module.js';

@Global()
@Module({
  imports: [AuditModule],
  providers: [MetadataService, FormsService],
  controllers: [MetadataController, FormsController],
  exports: [MetadataService, FormsService],
})
export class MetadataModule {}
