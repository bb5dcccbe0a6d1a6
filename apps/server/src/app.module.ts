import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CoreModule, type CoreDeps } from './core.module.js';
import { AuthModule } from './auth/auth.module.js';
import { AuditModule } from './audit/audit.module.js';
import { HealthController } from './health/health.controller.js';
import { ReadinessController } from './health/readiness.controller.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { AuthGuard } from './auth/auth.guard.js';
import { SeedService } from './bootstrap/seed.service.js';
import { RootController } from './common/root.controller.js';
import { WorkflowModule } from './workflow/workflow.module.js';
import { AccessModule } from './access/access.module.js';
import { MetadataModule } from './metadata/metadata.module.js';
import { RecordsModule } from './records/records.module.js';
import { FilesModule } from './files/files.module.js';
import { OpenApiModule } from './openapi/openapi.module.js';
import { AdminModule } from './admin/admin.module.js';
import { TemplatesModule } from './templates/templates.module.js';
import { HousekeepingModule } from './housekeeping/housekeeping.module.js';
import { PacksModule } from './packs/packs.module.js';
import { AnalyticsModule } from './analytics/analytics.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';
import { ImportsModule } from './imports/imports.module.js';
import { PrivacyModule } from './privacy/privacy.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { ConnectorsModule } from './connectors/connectors.module.js';
import { InsightModule } from './insight/insight.module.js';
import { MarketingModule } from './marketing/marketing.module.js';
import { EventsModule } from './events/events.module.js';
import { JourneysModule } from './marketing/journeys/journeys.module.js';
import { ViewsModule } from './views/views.module.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import { SearchModule } from './search/search.module.js';
import { IdempotencyGuard } from './idempotency/idempotency.guard.js';
import { IdempotencyStore } from './idempotency/idempotency.store.js';

@Module({})
export class AppModule {
  static register(deps: CoreDeps): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.register(deps),
        AuditModule,
        AuthModule,
        AccessModule,
        MetadataModule,
        RecordsModule,
        FilesModule,
        OpenApiModule,
        AdminModule,
        WorkflowModule,
        TemplatesModule,
        HousekeepingModule,
        JobsModule,
        AnalyticsModule,
        WebhooksModule,
        ImportsModule,
        ConnectorsModule,
        PrivacyModule,
        InsightModule,
        MarketingModule,
        EventsModule,
        JourneysModule,
        ViewsModule,
        NotificationsModule,
        SearchModule,
        PacksModule.register(),
      ],
      controllers: [RootController, HealthController, ReadinessController, MetricsController],
      // Guards run in this order: who is calling, then the Idempotency-Key reservation for them.
      providers: [SeedService, IdempotencyStore, { provide: APP_GUARD, useClass: AuthGuard }, { provide: APP_GUARD, useClass: IdempotencyGuard }],
    };
  }
}
