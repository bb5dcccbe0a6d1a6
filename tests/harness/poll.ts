/** Polls `fn` until it yields a truthy value (work the server finishes asynchronously, e.g. jobs). */
export async function until<T>(fn: () => Promise<T | undefined | false | null>, ms = 20000, everyMs = 100): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
