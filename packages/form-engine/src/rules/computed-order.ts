/** Orders computed fields so each is evaluated after the computed fields it reads. */
import { compileFeel } from '@crm/feel';

export interface ComputedOrder {
  order: string[];
  /** Keys on a dependency cycle (empty when there is none). */
  cycle: string[];
}

export function orderComputed(computed: ReadonlyMap<string, string>): ComputedOrder {
  const deps = new Map<string, string[]>();
  for (const [key, expr] of computed) {
    let inputs: readonly string[] = [];
    try {
      inputs = compileFeel(expr).inputs;
    } catch {
      // A syntax error is reported elsewhere; it has no dependencies to order.
    }
    deps.set(key, inputs.filter((i) => computed.has(i)));
  }
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const cycle = new Set<string>();
  const visit = (k: string, stack: string[]) => {
    const s = state.get(k);
    if (s === 'done') return;
    if (s === 'visiting') {
      for (const c of stack.slice(stack.indexOf(k))) cycle.add(c);
      return;
    }
    state.set(k, 'visiting');
    for (const d of deps.get(k) ?? []) visit(d, [...stack, k]);
    state.set(k, 'done');
    order.push(k);
  };
  for (const k of computed.keys()) visit(k, []);
  return { order, cycle: [...cycle] };
}
