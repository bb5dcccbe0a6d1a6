/** Prometheus metrics: request counts and latency by route, database queries per request, pool usage, process defaults. */
import { Registry, Counter, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../database/db.js';
import { QueryCount, type QueryTally } from '../database/query-count.js';
import { RequestContext } from '../common/request-context.js';

/** The route label of work outside any request (jobs, timers, LISTEN, start-up). */
export const BACKGROUND_ROUTE = '(background)';

export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'crm_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'crm_http_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly queries = new Counter({
    name: 'crm_db_queries_total',
    help: 'Statements sent to PostgreSQL, by the route pattern of the request that sent them ((background) outside requests)',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });
  private readonly refills = new Counter({
    name: 'crm_db_cache_refill_queries_total',
    help: 'The statements among crm_db_queries_total that refilled a per-process cache (metadata, roles, users, forms), by route',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });
  private readonly roundTrips = new Histogram({
    name: 'crm_db_round_trips',
    help: 'Database round trips per HTTP request until its response, cache refills not included, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 24, 32, 64],
    registers: [this.registry],
  });

  /** Each request's tally, for onResponse (which may run outside the request's async context). */
  private readonly tallies = new WeakMap<FastifyRequest, QueryTally>();
  /**
   * The labelled series of each method and route pattern (and status), looked up once: prom-client
   * hashes a label object on every call otherwise, per request and per metric.
   */
  private readonly perRoute = new Map<string, { latency: { observe(v: number): void }; roundTrips: { observe(v: number): void }; byStatus: Map<number, { inc(): void }> }>();
  /** One sink per route pattern (a bounded set: patterns, 'unmatched', background). */
  private readonly sinks = new Map<string, (n: number, refill: boolean) => void>();

  constructor(db: Db) {
    collectDefaultMetrics({ register: this.registry, prefix: 'crm_' });
    const stats = () => db.poolStats();
    new Gauge({ name: 'crm_db_pool_total', help: 'Connections open in the pool', registers: [this.registry], collect() { this.set(stats().total); } });
    new Gauge({ name: 'crm_db_pool_idle', help: 'Idle connections in the pool', registers: [this.registry], collect() { this.set(stats().idle); } });
    new Gauge({ name: 'crm_db_pool_waiting', help: 'Requests waiting for a connection', registers: [this.registry], collect() { this.set(stats().waiting); } });
    QueryCount.onBackground(this.sink(BACKGROUND_ROUTE));
  }

  /** Counts a route's statements (and its cache refills apart) as they are sent. */
  private sink(route: string): (n: number, refill: boolean) => void {
    const known = this.sinks.get(route);
    if (known) return known;
    const sent = this.queries.labels(route);
    const refilled = this.refills.labels(route);
    const sink = (n: number, refill: boolean) => {
      sent.inc(n);
      if (refill) refilled.inc(n);
    };
    this.sinks.set(route, sink);
    return sink;
  }

  private series(method: string, route: string) {
    const key = `${method} ${route}`;
    let s = this.perRoute.get(key);
    if (!s) this.perRoute.set(key, (s = { latency: this.latency.labels(method, route), roundTrips: this.roundTrips.labels(method, route), byStatus: new Map() }));
    return s;
  }

  /** Observes every response; the route label is the pattern (`/api/records/:object`), never the raw URL. */
  install(app: FastifyInstance): void {
    // Runs after the request context is opened (server.ts), so the tally rides on the request's facts.
    app.addHook('onRequest', (req, _reply, done) => {
      const facts = RequestContext.current();
      if (facts) {
        const tally: QueryTally = { queries: 0, roundTrips: 0, refills: 0, onSent: this.sink(req.routeOptions?.url ?? 'unmatched') };
        facts.queries = tally;
        this.tallies.set(req, tally);
      }
      done();
    });
    app.addHook('onResponse', (req, reply, done) => {
      const series = this.series(req.method, req.routeOptions?.url ?? 'unmatched');
      let requests = series.byStatus.get(reply.statusCode);
      if (!requests) series.byStatus.set(reply.statusCode, (requests = this.requests.labels(req.method, req.routeOptions?.url ?? 'unmatched', String(reply.statusCode))));
      requests.inc();
      series.latency.observe(reply.elapsedTime / 1000);
      const tally = this.tallies.get(req);
      if (tally) series.roundTrips.observe(tally.roundTrips - tally.refills);
      done();
    });
  }
}
