/**
 * The process's own state for load balancers and graceful shutdown: once shutdown begins, readiness
 * answers 503 at once and new requests are refused, while requests already in flight are counted
 * so shutdown can wait for them (bounded) before closing the database.
 */
import type { ServerResponse } from 'node:http';

export class Lifecycle {
  private draining = false;
  private inFlight = 0;
  private idle: (() => void)[] = [];
  private stopping: (() => void)[] = [];

  get shuttingDown(): boolean {
    return this.draining;
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  beginShutdown(): void {
    this.draining = true;
    for (const fn of this.stopping.splice(0)) fn();
  }

  /** Runs fn when shutdown begins: long-lived responses (event streams) end so the drain is not held up. */
  onShutdown(fn: () => void): void {
    if (this.draining) fn();
    else this.stopping.push(fn);
  }

  /** Counts a request until its response is finished or its connection closes. */
  track(res: ServerResponse): void {
    this.inFlight++;
    res.once('close', () => {
      this.inFlight--;
      if (this.inFlight === 0) for (const wake of this.idle.splice(0)) wake();
    });
  }

  /** Resolves true when no request is in flight, false when timeoutMs passes first. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
