/** Guarantee circles are the cyclic strongly connected components of the guarantee graph. */
import { describe, expect, it } from '@jest/globals';
import { cyclicComponents } from './graph.js';

const sorted = (comps: string[][]) => comps.map((c) => c.join(',')).sort();

/** Brute force: u and v share a circle when each reaches the other (u ≠ v). */
function byReachability(edges: [string, string][]): string[] {
  const nodes = [...new Set(edges.flat())];
  const adj = new Map(nodes.map((n) => [n, edges.filter(([a, b]) => a === n && b !== n).map(([, b]) => b)]));
  const reach = (from: string) => {
    const seen = new Set<string>();
    const todo = [...adj.get(from)!];
    while (todo.length) {
      const n = todo.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      todo.push(...adj.get(n)!);
    }
    return seen;
  };
  const r = new Map(nodes.map((n) => [n, reach(n)]));
  const comps = new Map<string, string[]>();
  for (const u of nodes) {
    const comp = nodes.filter((v) => v === u || (r.get(u)!.has(v) && r.get(v)!.has(u))).sort();
    if (comp.length > 1) comps.set(comp.join(','), comp);
  }
  return [...comps.keys()].sort();
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('cyclicComponents', () => {
  it('finds no circle in a chain, a tree or a self-guarantee', () => {
    expect(cyclicComponents([])).toEqual([]);
    expect(cyclicComponents([['a', 'b'], ['b', 'c'], ['a', 'c']])).toEqual([]);
    expect(cyclicComponents([['a', 'a'], ['a', 'b']])).toEqual([]);
  });

  it('finds mutual guarantees and longer circles, each with its members sorted', () => {
    expect(cyclicComponents([['b', 'a'], ['a', 'b']])).toEqual([['a', 'b']]);
    const comps = cyclicComponents([['c1', 'c2'], ['c2', 'c3'], ['c3', 'c1'], ['x', 'y'], ['y', 'x'], ['c3', 'x'], ['tail', 'c1']]);
    expect(sorted(comps)).toEqual(['c1,c2,c3', 'x,y']);
    for (const c of comps) expect(c).toEqual([...c].sort());
  });

  it('merges circles that share a company into one', () => {
    expect(sorted(cyclicComponents([['a', 'b'], ['b', 'a'], ['b', 'c'], ['c', 'b']]))).toEqual(['a,b,c']);
  });

  it('is not confused by repeated edges', () => {
    expect(cyclicComponents([['a', 'b'], ['a', 'b'], ['b', 'a'], ['b', 'a']])).toEqual([['a', 'b']]);
  });

  it('agrees with reachability on random graphs', () => {
    const next = rng(20260301);
    for (let g = 0; g < 200; g++) {
      const n = 2 + Math.floor(next() * 12);
      const edges: [string, string][] = Array.from({ length: Math.floor(next() * n * 2) }, () => [`n${Math.floor(next() * n)}`, `n${Math.floor(next() * n)}`]);
      expect(sorted(cyclicComponents(edges))).toEqual(byReachability(edges));
    }
  });

  it('handles a circle of 50,000 companies without running out of stack (iterative)', () => {
    const n = 50_000;
    const edges: [string, string][] = Array.from({ length: n }, (_, i) => [`c${i}`, `c${(i + 1) % n}`]);
    const comps = cyclicComponents(edges);
    expect(comps).toHaveLength(1);
    expect(comps[0]).toHaveLength(n);
  });
});
