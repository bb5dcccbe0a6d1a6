/**
 * Counts what reaches PostgreSQL, at the one place statements leave the process: every pooled
 * connection is a `CountingClient` (the pool's `Client` option), so `Db`, a transaction's client,
 * TypeORM and `pool.query` are all counted without their callers doing anything.
 *
 * A request's tally hangs off its request facts (common/request-context.ts): work that leaves the
 * request (`RequestContext.outside`) is counted as background, not against the route. node-postgres
 * sends one query at a time and waits for its answer, so one query is one round trip; a driver
 * path that batches several statements into one round trip reports both figures through `record`.
 * Statements that refill a per-process cache (metadata, roles, users, published forms) run inside
 * `cacheRefill`: they are counted too, and also apart, because they are paid by one request in a
 * while rather than by every request — the per-request budgets are about the rest.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { RequestContext } from '../common/request-context.js';

/** What one request (or the background) sent to the database. */
export interface QueryTally {
  queries: number;
  roundTrips: number;
  /** The round trips among them that refilled a per-process cache. */
  refills: number;
  /** Told of each send (the metrics' labelled counters), so statements after the response still count. */
  onSent?: (queries: number, refill: boolean) => void;
}

/** The tally of work outside any request (jobs, timers, LISTEN, start-up). */
const background: QueryTally = { queries: 0, roundTrips: 0, refills: 0 };
const refilling = new AsyncLocalStorage<true>();

export const QueryCount = {
  /** The tally the current async context counts into: its request's, else the background one. */
  current(): QueryTally {
    return RequestContext.current()?.queries ?? background;
  },

  /** Counts `queries` statements sent in `roundTrips` round trips. */
  record(queries: number, roundTrips: number): void {
    const t = QueryCount.current();
    const refill = refilling.getStore() === true;
    t.queries += queries;
    t.roundTrips += roundTrips;
    if (refill) t.refills += roundTrips;
    t.onSent?.(queries, refill);
  },

  /** Runs fn (the load of a per-process cache) with its statements counted as a cache refill. */
  cacheRefill<T>(fn: () => Promise<T>): Promise<T> {
    return refilling.run(true, fn);
  },

  /** Where background sends are reported (the metrics registry sets it once). */
  onBackground(fn: (queries: number, refill: boolean) => void): void {
    background.onSent = fn;
  },
};

/** A pg client that counts each query it sends (the pool creates every connection as one). */
export class CountingClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const send = this.query.bind(this) as (...args: unknown[]) => unknown;
    // An own property rather than an override: pg.Client.query has a dozen overloads to restate.
    this.query = ((...args: unknown[]) => {
      QueryCount.record(1, 1);
      return send(...args);
    }) as pg.Client['query'];
  }
}
