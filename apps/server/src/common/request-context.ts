/** Per-request facts (id, client address, principal, language) reachable from any service. */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Principal } from '../auth/principal.js';
import type { Lang } from './i18n.js';
import type { QueryTally } from '../database/query-count.js';

export interface RequestFacts {
  requestId: string;
  ip: string | null;
  lang: Lang;
  principal?: Principal;
  /** What this request sent to the database (counted by database/query-count.ts). */
  queries?: QueryTally;
}

const storage = new AsyncLocalStorage<RequestFacts>();

export const RequestContext = {
  run<T>(facts: RequestFacts, fn: () => T): T {
    return storage.run(facts, fn);
  },
  current(): RequestFacts | undefined {
    return storage.getStore();
  },
  /** Runs fn outside any request (background work woken from a request must not act as its caller). */
  outside<T>(fn: () => T): T {
    return storage.exit(fn);
  },
};
