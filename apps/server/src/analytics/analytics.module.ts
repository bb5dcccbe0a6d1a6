/** Analytics: dashboards, and reports (measures, dimensions, buckets, pivot, drill-down) compiled to one scoped SQL statement, cached, exported. */
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { ReportsController } from './reports.controller.js';
import { ReportsService } from './reports.service.js';
import { ReportCache } from './report-cache.js';
import { ReportDatabase } from './report-database.js';
import { ReportRollups } from './report-rollups.js';
import { ReportExports } from './report-exports.service.js';
import { ReportForecasts } from './report-forecast.service.js';
import { DashboardsController } from './dashboards.controller.js';
import { DashboardsService } from './dashboards.service.js';
import { ReportSourceRegistry } from './report-source-registry.js';
import './reports.messages.js';
import './dashboards.messages.js';

@Module({
  imports: [AuditModule],
  providers: [ReportsService, ReportCache, ReportDatabase, ReportRollups, ReportExports, ReportForecasts, DashboardsService, ReportSourceRegistry],
  controllers: [ReportsController, DashboardsController],
  exports: [ReportsService, DashboardsService, ReportSourceRegistry],
})
export class AnalyticsModule {}
