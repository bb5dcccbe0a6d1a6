/**
 * Coalesces concurrent refills of a per-process cache: while one request reloads an entry, the others
 * that find it stale join that load instead of each sending the same statement (eight clients used to
 * send eight version checks every half second). `forget` is for a change this process just made:
 * a load already running may predate it, so later callers start afresh and the old load's result is
 * not stored (its `current()` answers false).
 */
export class InFlight<K, V> {
  private readonly pending = new Map<K, { token: object; promise: Promise<V> }>();

  /** Joins the load of `key` already running, else starts `load` (which stores its result only while `current()`). */
  run(key: K, load: (current: () => boolean) => Promise<V>): Promise<V> {
    const running = this.pending.get(key);
    if (running) return running.promise;
    const token = {};
    const current = () => this.pending.get(key)?.token === token;
    const promise = load(current).finally(() => {
      if (current()) this.pending.delete(key);
    });
    this.pending.set(key, { token, promise });
    return promise;
  }

  /** Later callers of `key` (of every key when none is given) start a fresh load. */
  forget(key?: K): void {
    if (key === undefined) this.pending.clear();
    else this.pending.delete(key);
  }
}
