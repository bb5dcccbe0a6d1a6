/** Analytics: reports (measures, dimensions, buckets, pivot, drill-down) compiled to one scoped SQL statement, cached, exported. */
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { ReportsController } from './reports.controller.js';
import { ReportsService } from './reports.service.js';
import { ReportCache } from './report-cache.js';
import { ReportDatabase } from './report-database.js';
import { ReportExports } from './report-exports.service.js';
import './reports.messages.js';

@Module({
  imports: [AuditModule],
  providers: [ReportsService, ReportCache, ReportDatabase, ReportExports],
  controllers: [ReportsController],
  exports: [ReportsService],
})
export class AnalyticsModule {}
