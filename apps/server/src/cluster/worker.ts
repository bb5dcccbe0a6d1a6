/**
 * The worker side of CRM_WORKERS: waits for the primary's start message (which database to use),
 * reports when it listens, labels its metrics with its pid, counts abuse limits per process so that
 * all workers together allow what one process would, and shares cache changes with the other workers.
 */
import cluster from 'node:cluster';
import { Gauge, type Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { RateLimits } from '../config/config.js';
import type { ChangeFeed } from '../database/change-feed.js';
import { isPrimaryMessage, type WorkerMessage } from './messages.js';

export const isClusterWorker = (): boolean => cluster.isWorker;

/** The database URL the primary hands over (null: use DATABASE_URL). */
export function startMessage(): Promise<string | null> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if (!isPrimaryMessage(m) || m.type !== 'crm:start') return;
      process.off('message', on);
      resolve(m.databaseUrl);
    };
    process.on('message', on);
    const hello: WorkerMessage = { type: 'crm:hello' };
    process.send?.(hello);
  });
}

export function reportListening(url: string): void {
  const m: WorkerMessage = { type: 'crm:listening', url };
  process.send?.(m);
}

/** `crm_process_info{pid,worker} 1`: which process answered a scrape (worker 0: a single process). */
export function registerProcessInfo(registry: Registry): void {
  const g = new Gauge({ name: 'crm_process_info', help: 'The server process that answered: its pid and cluster worker number (0 = single process)', labelNames: ['pid', 'worker'] as const, registers: [registry] });
  g.set({ pid: String(process.pid), worker: String(cluster.worker?.id ?? 0) }, 1);
}

/**
 * The per-minute limits of one of `workers` processes. Connections are spread round-robin, so each
 * worker sees about 1/workers of a client's requests; rounded up, so a limit never drops to 0 (off).
 */
export function perWorkerLimits(limits: RateLimits, workers: number): RateLimits {
  if (workers <= 1) return limits;
  const share = (n: number) => (n > 0 ? Math.ceil(n / workers) : n);
  return { ip: share(limits.ip), credential: share(limits.credential), loginIp: share(limits.loginIp), loginUser: share(limits.loginUser) };
}

/** How long an answer waits for the other workers to apply its cache changes (a hung worker must not stall it). */
const SHARE_TIMEOUT_MS = 2000;

/**
 * A request that changed cached data (a role, a user, metadata, …) sends the changes to every other
 * worker through the primary and answers only once they applied them (or SHARE_TIMEOUT_MS passed), so
 * the client's next request sees the change whichever worker takes it. PostgreSQL's NOTIFY (the change
 * feed) still carries every change to every process, including other machines and paths outside a request.
 */
export function shareCacheChanges(fastify: FastifyInstance, feed: ChangeFeed): void {
  let seq = 0;
  const waiting = new Map<number, () => void>();
  process.on('message', (m: unknown) => {
    if (!isPrimaryMessage(m)) return;
    if (m.type === 'crm:changes') {
      feed.applyPeerChanges(m.changes);
      const ack: WorkerMessage = { type: 'crm:changes-ack', id: m.id };
      process.send?.(ack);
    } else if (m.type === 'crm:changes-done') {
      waiting.get(m.id)?.();
    }
  });
  fastify.addHook('onSend', async (_req, _reply, payload) => {
    const changes = feed.takeRequestChanges();
    if (!changes.length || !process.send) return payload;
    const id = ++seq;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, SHARE_TIMEOUT_MS);
      function done() {
        clearTimeout(timer);
        waiting.delete(id);
        resolve();
      }
      waiting.set(id, done);
      const m: WorkerMessage = { type: 'crm:changes', id, changes };
      process.send?.(m);
    });
    return payload;
  });
}
