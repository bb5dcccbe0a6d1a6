/**
 * The one polling helper of the tests: waits on an observable state, never on a fixed time.
 * Polls fn until it gives a truthy value (then returns it) or the time is up (then throws, saying what
 * was awaited). `opts` is the timeout in ms, or options.
 */
export interface UntilOptions {
  /** Give up after this many ms (default 20000). */
  ms?: number;
  /** Poll interval in ms (default 150). */
  everyMs?: number;
  /** What is awaited, for the timeout message; a function is asked at the timeout (e.g. for how far it got). */
  what?: string | (() => string | Promise<string>);
}

export async function until<T>(fn: () => T | undefined | false | null | Promise<T | undefined | false | null>, opts: number | UntilOptions = {}, everyMs?: number): Promise<T> {
  const o: UntilOptions = typeof opts === 'number' ? { ms: opts, everyMs } : opts;
  const end = Date.now() + (o.ms ?? 20000);
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) {
      const what = typeof o.what === 'function' ? await o.what() : o.what;
      throw new Error(what ? `timed out waiting for ${what}` : 'condition not met in time');
    }
    await new Promise((r) => setTimeout(r, o.everyMs ?? 150));
  }
}
