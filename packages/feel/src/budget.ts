/**
 * Bounds on FEEL evaluation. A designer's expression runs inside record writes and background jobs,
 * so it must not be able to loop for seconds: every evaluation gets an iteration budget (loop
 * iterations, range and list enumeration, function calls weighted by the size of their list
 * arguments) and a time budget, enforced inside the patched interpreter. At compile time the static
 * shape of the expression (nested loops over literal ranges and lists) is estimated, so one that
 * would certainly exceed the budget is refused when it is saved, not when it first runs.
 */
import type { SyntaxNodeRef } from '@lezer/common';
import { parseExpression } from 'feelin';

export interface FeelBudget {
  /** Loop iterations and enumerated elements per evaluation. */
  maxIterations: number;
  /** Wall-clock milliseconds per evaluation. */
  maxMs: number;
}

export const DEFAULT_FEEL_BUDGET: Readonly<FeelBudget> = Object.freeze({ maxIterations: 100_000, maxMs: 100 });

let current: FeelBudget = { ...DEFAULT_FEEL_BUDGET };

/** Sets the budget of every later evaluation (the server calls it once at start-up from its configuration). */
export function configureFeelBudget(b: Partial<FeelBudget>): void {
  const next = { ...current, ...b };
  for (const [k, v] of Object.entries(next)) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`FEEL budget ${k} must be a positive integer`);
  }
  current = next;
}

export function feelBudget(): Readonly<FeelBudget> {
  return current;
}

type Lang = 'zh-CN' | 'en';

/** Messages of budget errors in both languages (the packages carry no i18n of their own). */
export function budgetText(kind: 'iterations' | 'time' | 'shape' | 'pattern', limit: number, lang: Lang, estimate?: number, pattern?: string): string {
  if (kind === 'pattern') {
    return lang === 'en'
      ? `the regular expression ${JSON.stringify(pattern)} could backtrack without end and is not allowed`
      : `正则表达式 ${JSON.stringify(pattern)} 可能无限回溯，不允许使用`;
  }
  if (kind === 'shape') {
    return lang === 'en'
      ? `the expression would iterate about ${estimate} times, more than the limit of ${limit}`
      : `表达式的循环规模约 ${estimate} 次，超过上限 ${limit} 次`;
  }
  if (kind === 'time') return lang === 'en' ? `the expression ran longer than ${limit} ms` : `表达式运行超过 ${limit} 毫秒`;
  return lang === 'en' ? `the expression iterated more than ${limit} times` : `表达式的循环次数超过上限 ${limit} 次`;
}

// ---------------------------------------------------------------- static shape

/** Value of a numeric literal node (with an optional leading minus), or null. */
function literalNumber(src: string, node: SyntaxNodeRef['node'] | null): number | null {
  if (!node || node.name !== 'NumericLiteral') return null;
  const n = Number(src.slice(node.from, node.to).replace(/\s+/g, ''));
  return Number.isFinite(n) ? n : null;
}

/** Number of elements an iteration context yields when its bounds are literals; 1 when unknown. */
function domainSize(src: string, ctx: SyntaxNodeRef['node']): number {
  const kids: SyntaxNodeRef['node'][] = [];
  for (let c = ctx.firstChild; c; c = c.nextSibling) kids.push(c);
  // a..b
  if (kids.length === 3 && kids[1]!.name === '..') {
    const a = literalNumber(src, kids[0]!);
    const b = literalNumber(src, kids[2]!);
    return a !== null && b !== null ? Math.floor(Math.abs(b - a)) + 1 : 1;
  }
  let only = kids.length === 1 ? kids[0]! : null;
  if (only?.name === 'SimplePositiveUnaryTest' && only.firstChild?.name === 'Interval') only = only.firstChild;
  if (only?.name === 'Interval') {
    const a = literalNumber(src, only.firstChild?.nextSibling ?? null);
    const b = literalNumber(src, only.lastChild?.prevSibling ?? null);
    return a !== null && b !== null ? Math.floor(Math.abs(b - a)) + 1 : 1;
  }
  if (only?.name === 'List') {
    let n = 0;
    for (let c = only.firstChild; c; c = c.nextSibling) if (c.name !== '[' && c.name !== ']') n++;
    return Math.max(n, 1);
  }
  return 1;
}

/**
 * Lower bound of the iterations an expression performs when run: for every `for`, `some` and
 * `every`, the product of its literal domains times the iterations of the loops around it. Unknown
 * domains (variables, function results) count as one, so only expressions certain to be too
 * expensive are refused; the run-time budget catches the rest.
 */
export function estimateIterations(source: string): number {
  const tree = parseExpression(source, {}, undefined);
  let total = 0;
  const walk = (node: SyntaxNodeRef['node'], outer: number): void => {
    if (node.name === 'ForExpression' || node.name === 'QuantifiedExpression') {
      let product = outer;
      for (let c = node.firstChild; c; c = c.nextSibling) {
        if (c.name === 'InExpressions') {
          for (let inx = c.firstChild; inx; inx = inx.nextSibling) {
            if (inx.name !== 'InExpression') continue;
            const domain = inx.lastChild;
            if (domain) walk(domain, product);
            product *= domain?.name === 'IterationContext' ? domainSize(source, domain) : 1;
            total += product;
          }
        } else walk(c, product);
      }
      return;
    }
    for (let c = node.firstChild; c; c = c.nextSibling) walk(c, outer);
  };
  walk(tree.topNode, 1);
  return total;
}
