import { describe, expect, it } from '@jest/globals';
import { InFlight } from './in-flight.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('InFlight', () => {
  it('runs one load for concurrent callers of a key, and a new one once it settled', async () => {
    const f = new InFlight<string, number>();
    let loads = 0;
    const d = deferred<number>();
    const load = () => {
      loads++;
      return d.promise;
    };
    const a = f.run('k', load);
    const b = f.run('k', load);
    d.resolve(7);
    expect(await Promise.all([a, b])).toEqual([7, 7]);
    expect(loads).toBe(1);
    await f.run('k', async () => (loads++, 8));
    expect(loads).toBe(2);
  });

  it('keeps keys apart', async () => {
    const f = new InFlight<string, string>();
    const [x, y] = await Promise.all([f.run('a', async () => 'A'), f.run('b', async () => 'B')]);
    expect([x, y]).toEqual(['A', 'B']);
  });

  it('after forget, a caller starts afresh and the older load is told it is no longer current', async () => {
    const f = new InFlight<string, number>();
    const old = deferred<number>();
    let oldCurrent: (() => boolean) | undefined;
    const first = f.run('k', (current) => {
      oldCurrent = current;
      return old.promise;
    });
    expect(oldCurrent!()).toBe(true);
    f.forget('k');
    expect(oldCurrent!()).toBe(false);
    let freshCurrent: (() => boolean) | undefined;
    const second = f.run('k', async (current) => {
      freshCurrent = current;
      return 2;
    });
    expect(freshCurrent!()).toBe(true);
    old.resolve(1);
    expect(await first).toBe(1);
    expect(await second).toBe(2);
    // The old load settling did not drop the fresh one's entry (nor the other way round).
    const third = f.run('k', async () => 3);
    expect(await third).toBe(3);
  });

  it('lets a failed load fail its callers and the next caller try again', async () => {
    const f = new InFlight<string, number>();
    await expect(f.run('k', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await f.run('k', async () => 5)).toBe(5);
  });

  it('forget without a key forgets every key', async () => {
    const f = new InFlight<string, number>();
    const seen: (() => boolean)[] = [];
    const hang = new Promise<number>(() => undefined);
    void f.run('a', (c) => (seen.push(c), hang));
    void f.run('b', (c) => (seen.push(c), hang));
    f.forget();
    expect(seen.map((c) => c())).toEqual([false, false]);
  });
});
