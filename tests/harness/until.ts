/** Polls fn until it gives a truthy value (then returns it) or ms pass (then throws). */
export async function until<T>(fn: () => Promise<T | undefined | false | null>, ms = 20000, everyMs = 150): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
