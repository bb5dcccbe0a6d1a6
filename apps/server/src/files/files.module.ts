import { Module } from '@nestjs/common';
import { FilesService } from './files.service.js';
import { FilesController } from './files.controller.js';
import { AuditModule } from '../audit/audit.module.js';

@Module({ imports: [AuditModule], providers: [FilesService], controllers: [FilesController], exports: [FilesService] })
export class FilesModule {}
