import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CoreModule, type CoreDeps } from './core.module.js';
import { AuthModule } from './auth/auth.module.js';
import { AuditModule } from './audit/audit.module.js';
import { HealthController } from './health/health.controller.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { AuthGuard } from './auth/auth.guard.js';
import { SeedService } from './bootstrap/seed.service.js';
import { RootController } from './common/root.controller.js';

@Module({})
export class AppModule {
  static register(deps: CoreDeps): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.register(deps), AuditModule, AuthModule],
      controllers: [RootController, HealthController, MetricsController],
      providers: [SeedService, { provide: APP_GUARD, useClass: AuthGuard }],
    };
  }
}
