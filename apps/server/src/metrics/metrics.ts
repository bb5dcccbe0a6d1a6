/** Prometheus metrics: request counts and latency by route, pool usage, process defaults. */
import { Registry, Counter, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../database/db.js';

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

  constructor(db: Db) {
    collectDefaultMetrics({ register: this.registry, prefix: 'crm_' });
    const stats = () => db.poolStats();
    new Gauge({ name: 'crm_db_pool_total', help: 'Connections open in the pool', registers: [this.registry], collect() { this.set(stats().total); } });
    new Gauge({ name: 'crm_db_pool_idle', help: 'Idle connections in the pool', registers: [this.registry], collect() { this.set(stats().idle); } });
    new Gauge({ name: 'crm_db_pool_waiting', help: 'Requests waiting for a connection', registers: [this.registry], collect() { this.set(stats().waiting); } });
  }

  /** Observes every response; the route label is the pattern (`/api/records/:object`), never the raw URL. */
  install(app: FastifyInstance): void {
    app.addHook('onResponse', (req, reply, done) => {
      const route = req.routeOptions?.url ?? 'unmatched';
      this.requests.inc({ method: req.method, route, status: String(reply.statusCode) });
      this.latency.observe({ method: req.method, route }, reply.elapsedTime / 1000);
      done();
    });
  }
}
