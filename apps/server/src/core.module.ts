/** Process-wide singletons every module may inject: config, logger, database access, metrics. */
import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from './config/config.js';
import { Db } from './database/db.js';
import { poolOf } from './database/data-source.js';
import { LOGGER } from './logging/logger.token.js';
import { Metrics } from './metrics/metrics.js';
import { SpaFallback } from './common/spa-fallback.js';
import { DomainEvents } from './common/domain-events.js';
import { FieldCrypto } from './crypto/field-crypto.js';
import { Lifecycle } from './health/lifecycle.js';
import { ChangeFeed } from './database/change-feed.js';

export interface CoreDeps {
  config: AppConfig;
  dataSource: DataSource;
  logger: Logger;
  spa: SpaFallback;
  /** Shutdown state shared with server.ts (readiness, request draining). */
  lifecycle?: Lifecycle;
}

@Global()
@Module({})
export class CoreModule {
  static register(deps: CoreDeps): DynamicModule {
    const db = new Db(poolOf(deps.dataSource));
    const providers = [
      { provide: APP_CONFIG, useValue: deps.config },
      { provide: LOGGER, useValue: deps.logger },
      { provide: Db, useValue: db },
      { provide: Metrics, useValue: new Metrics(db) },
      { provide: 'DATA_SOURCE', useValue: deps.dataSource },
      { provide: SpaFallback, useValue: deps.spa },
      { provide: Lifecycle, useValue: deps.lifecycle ?? new Lifecycle() },
      { provide: DomainEvents, useValue: new DomainEvents() },
      { provide: 'FIELD_CRYPTO', useValue: new FieldCrypto(deps.config.dataKey, deps.config.crypto) },
      // The process's one LISTEN connection: caches in every module drop entries other processes changed.
      { provide: ChangeFeed, useClass: ChangeFeed },
    ];
    return { module: CoreModule, providers, exports: providers.map((p) => p.provide) };
  }
}
