/**
 * Builds and starts the platform: database (embedded or external), migrations, seeding, the Nest
 * application on Fastify. main.ts adds the process concerns (exit codes, signals).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { configureFeelBudget } from '@crm/feel';
import type { AppConfig } from './config/config.js';
import type { EmbeddedDatabase } from './database/embedded-postgres.js';
import { startEmbeddedFor } from './database/embedded-start.js';
import { createDataSource, initialiseDatabase, poolOf } from './database/data-source.js';
import { runPackMigrations } from './packs/pack-migrations.js';
import { solutionPacks, useFolderPacks } from './packs/pack-registry.js';
import { packsUpgradedAtStart } from './templates/pending-upgrades.js';
import { AppModule } from './app.module.js';
import { AllExceptionsFilter } from './common/all-exceptions.filter.js';
import { SpaFallback } from './common/spa-fallback.js';
import { NestPinoLogger } from './logging/logger.js';
import { RequestContext } from './common/request-context.js';
import { langFrom } from './common/i18n.js';
import { Metrics } from './metrics/metrics.js';
import { SeedService } from './bootstrap/seed.service.js';
import { DemoBootstrap } from './templates/demo-bootstrap.js';
import { TemplatesService } from './templates/templates.service.js';
import sjson from 'secure-json-parse';
import { Lifecycle } from './health/lifecycle.js';
import { installShutdownGate } from './health/shutdown-gate.js';
import { installIdempotency } from './idempotency/idempotency.guard.js';
import { IdempotencyStore } from './idempotency/idempotency.store.js';
import { JobExecutor } from './workflow/job-executor.js';
import { installRateLimits } from './auth/rate-limits.js';
import { installSecurityHeaders } from './security-headers.js';
import { RegisteredRoutes } from './openapi/registered-routes.js';
import { isClusterWorker, perWorkerLimits, registerProcessInfo, shareCacheChanges } from './cluster/worker.js';
import { ChangeFeed } from './database/change-feed.js';

export interface RunningServer {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
  /**
   * Graceful stop (SIGTERM): readiness turns 503 and new requests are refused at once, job polling
   * stops; in-flight requests and jobs get up to CRM_SHUTDOWN_TIMEOUT_MS; then everything closes.
   * Resolves false when that bound cut work off.
   */
  shutdown(): Promise<boolean>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const WEB_DIST = path.resolve(here, '../../web/dist');
const REQUEST_ID_RE = /^[A-Za-z0-9._-]{8,64}$/;

export interface StartOptions {
  /** An embedded PostgreSQL main.ts already started (while this module loaded); stopped with the server. */
  embedded?: Promise<EmbeddedDatabase>;
  /** A database another process runs (the cluster primary's embedded PostgreSQL); never stopped here. */
  databaseUrl?: string | null;
}

export async function startServer(config: AppConfig, logger: Logger, print: (line: string) => void = console.log, opts: StartOptions = {}): Promise<RunningServer> {
  let embedded: EmbeddedDatabase | undefined;
  let dataSource: DataSource | undefined;
  let app: NestFastifyApplication | undefined;
  configureFeelBudget(config.feelBudget);
  try {
    useFolderPacks(config.packDirs);
    let url = config.databaseUrl ?? opts.databaseUrl ?? null;
    if (!url) {
      embedded = await (opts.embedded ?? startEmbeddedFor(config, logger, print));
      url = embedded.url;
    }
    dataSource = createDataSource({ url });
    const ran = await initialiseDatabase(dataSource, config.version);
    if (ran.length) logger.info({ migrations: ran }, 'migrations applied');
    // A pack about to be upgraded runs its new steps inside its upgrade (TemplatesService.upgradeInstalled).
    const upgrading = await packsUpgradedAtStart(poolOf(dataSource));
    const packsRan = await runPackMigrations(poolOf(dataSource), solutionPacks().filter((p) => !upgrading.has(p.key)));
    if (packsRan.length) logger.info({ migrations: packsRan }, 'solution pack migrations applied');

    const spa = new SpaFallback(path.join(WEB_DIST, 'index.html'));
    const lifecycle = new Lifecycle();
    const adapter = new FastifyAdapter({
      loggerInstance: logger,
      bodyLimit: 1024 * 1024,
      // Our shutdown gate answers requests during a drain (and after close) with the platform's own
      // error body in the caller's language; Fastify's built-in 503 would bypass that contract.
      return503OnClosing: false,
      requestIdHeader: false,
      genReqId: (req: import('node:http').IncomingMessage) => {
        const given = req.headers['x-request-id'];
        return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID();
      },
      trustProxy: config.trustProxy,
      routerOptions: { maxParamLength: 200 },
    });
    app = await NestFactory.create<NestFastifyApplication>(AppModule.register({ config, dataSource, logger, spa, lifecycle }), adapter, {
      logger: new NestPinoLogger(logger),
      bufferLogs: false,
      bodyParser: false,
    });
    const fastify = app.getHttpAdapter().getInstance();
    app.get(RegisteredRoutes).install(fastify);
    // JSON bodies: an empty body is "no body" (POST /publish from a client that always sends the
    // content type), a malformed one a 400; prototype poisoning is refused as Fastify does by default.
    fastify.removeContentTypeParser('application/json');
    fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') return done(null, undefined);
      try {
        done(null, sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
      } catch {
        done(Object.assign(new Error('Body is not valid JSON'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }), undefined);
      }
    });
    fastify.addHook('onRequest', (req, reply, done) => {
      void reply.header('x-request-id', req.id);
      RequestContext.run({ requestId: String(req.id), ip: req.ip ?? null, lang: langFrom(req.headers['accept-language']) }, done);
    });
    // Before the gate and the limits: their early answers (503, 429) carry the headers too.
    await installSecurityHeaders(fastify);
    installShutdownGate(fastify, lifecycle);
    app.get(Metrics).install(fastify);
    registerProcessInfo(app.get(Metrics).registry);
    if (isClusterWorker()) shareCacheChanges(fastify, app.get(ChangeFeed));
    installIdempotency(fastify, app.get(IdempotencyStore));
    await installRateLimits(fastify, isClusterWorker() ? perWorkerLimits(config.rateLimits, config.workers) : config.rateLimits);
    const multipart = (await import('@fastify/multipart')).default;
    await app.register(multipart, { limits: { fileSize: config.maxFileBytes, files: 1, fields: 5, parts: 6 } });
    const swaggerDir = (await import('swagger-ui-dist')).getAbsoluteFSPath();
    const fastifyStatic = (await import('@fastify/static')).default;
    await app.register(fastifyStatic, { root: swaggerDir, prefix: '/api/docs/assets/', decorateReply: false, index: false });
    app.useGlobalFilters(new AllExceptionsFilter(spa));
    if (existsSync(path.join(WEB_DIST, 'assets'))) {
      await app.register(fastifyStatic, { root: path.join(WEB_DIST, 'assets'), prefix: '/assets/', decorateReply: false, maxAge: '7d', immutable: true });
    }
    await app.init();
    for (const line of await app.get(SeedService).run()) print(line);
    for (const line of await app.get(TemplatesService).upgradeInstalled()) print(line);
    for (const line of await app.get(DemoBootstrap).run()) print(line);
    await app.listen({ port: config.port, host: config.host });
    const addr = fastify.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const appUrl = `http://localhost:${port}`;
    logger.info({ url: appUrl }, 'bank-crm is listening');
    const db = embedded;
    const ds = dataSource;
    const running = app;
    const close = async () => {
      await running.close().catch((e) => logger.warn({ err: e }, 'closing the app failed'));
      await ds.destroy().catch(() => undefined);
      await db?.stop().catch(() => undefined);
    };
    return {
      app: running,
      url: appUrl,
      close,
      async shutdown() {
        lifecycle.beginShutdown();
        const bound = config.shutdownTimeoutMs;
        const jobsDone = Promise.race([
          running.get(JobExecutor).onModuleDestroy().then(() => true),
          new Promise<boolean>((r) => setTimeout(r, bound, false).unref()),
        ]);
        const [requestsDone, jobsFinished] = await Promise.all([lifecycle.waitIdle(bound), jobsDone]);
        if (requestsDone && jobsFinished) {
          await close();
          return true;
        }
        logger.warn({ requestsInFlight: lifecycle.requestsInFlight, jobsFinished, boundMs: bound }, 'shutdown bound reached with work still running');
        // Past the bound: cut the open connections; a statement still waiting in PostgreSQL is not waited for.
        fastify.server.closeAllConnections();
        const closed = await Promise.race([close().then(() => true), new Promise<boolean>((r) => setTimeout(r, 2000, false).unref())]);
        if (!closed) await db?.stop().catch(() => undefined);
        return false;
      },
    };
  } catch (err) {
    await app?.close().catch(() => undefined);
    await dataSource?.destroy().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw err;
  }
}
