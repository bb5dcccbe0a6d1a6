import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { ImportsService } from './imports.service.js';
import { ImportRunner } from './import-runner.js';
import { ImportsController } from './imports.controller.js';

@Module({ imports: [AuditModule], providers: [ImportsService, ImportRunner], controllers: [ImportsController] })
export class ImportsModule {}
