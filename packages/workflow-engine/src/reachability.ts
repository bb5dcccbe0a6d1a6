/**
 * Static reachability inside one scope, for the inclusive join: a token at A can still arrive at
 * gateway G when G is reachable from A along sequence flows (through the boundary events of the
 * activities on the way, which may also divert a token). Memoized per model, never serialized.
 */
import type { ProcessModel } from './model.js';

const memo = new WeakMap<ProcessModel, Map<string, Set<string>>>();

function successors(model: ProcessModel, id: string): string[] {
  const el = model.elements[id];
  if (!el) return [];
  const next = el.outgoing.map((f) => model.flows[f]!.target);
  for (const b of model.boundaryByHost[id] ?? []) next.push(b);
  return next;
}

export function reachableFrom(model: ProcessModel, from: string): Set<string> {
  let perModel = memo.get(model);
  if (!perModel) memo.set(model, (perModel = new Map()));
  const hit = perModel.get(from);
  if (hit) return hit;
  const seen = new Set<string>();
  const stack = successors(model, from);
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...successors(model, id));
  }
  perModel.set(from, seen);
  return seen;
}

export function canReach(model: ProcessModel, from: string, to: string): boolean {
  return reachableFrom(model, from).has(to);
}
