/**
 * A client-side load balancer for tests with several server processes: sends each request to one
 * backend and, like nginx's `proxy_next_upstream`, tries the next backend when the request was not
 * applied where it went.
 */
import { call, type Reply } from './http.js';

/** What the balancer did besides answering. */
export interface BalancerTally {
  /** Answers 503 `server.shutting_down` from a draining process, retried on the next backend. */
  retried503: number;
  /** Connection refused (or, with `retryCutOff`, closed before any answer), retried on the next backend. */
  retriedRefused: number;
  /** Requests cut off after they went out, not retried: their outcome is unknown (not acknowledged). */
  inDoubt: number;
}

export interface BalancerOptions {
  /**
   * Retry a request whose connection closed before any answer. Safe only when every backend is
   * stopped by draining (SIGTERM): a draining process answers every request it started, so a
   * closed connection means the request never started (nginx: `non_idempotent`). After a kill -9
   * the request may have been committed, so it is left in doubt instead (nginx's default).
   */
  retryCutOff: boolean;
}

export function newTally(): BalancerTally {
  return { retried503: 0, retriedRefused: 0, inDoubt: 0 };
}

/**
 * One request through the balancer: try the backends in turn, starting at `start`; a 503 from a
 * draining process or a refused connection is retried on the next backend (the request was not
 * applied there), anything else is the answer. `null`: cut off and not retried (see BalancerOptions).
 */
export async function balanced(
  backends: () => string[],
  start: number,
  method: string,
  path: string,
  token: string,
  body: unknown,
  t: BalancerTally,
  opts: BalancerOptions,
): Promise<Reply | null> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const list = backends();
    const base = list[(start + attempt) % list.length]!;
    try {
      const r = await call(base, method, path, { token, body });
      if (r.status === 503 && r.body?.error?.code === 'server.shutting_down') {
        t.retried503++;
        continue;
      }
      return r;
    } catch (err) {
      // Refused: nothing listens there (between a process's exit and its replacement's start, or
      // after a kill). Closed with no answer: see BalancerOptions.retryCutOff.
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (code === 'ECONNREFUSED') {
        t.retriedRefused++;
      } else if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') {
        if (!opts.retryCutOff) {
          t.inDoubt++;
          return null;
        }
        t.retriedRefused++;
      } else {
        throw err;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`no backend answered ${method} ${path}`);
}
