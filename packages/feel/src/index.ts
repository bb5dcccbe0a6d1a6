/**
 * FEEL for the whole platform: one place that compiles an expression once and evaluates it many
 * times. `feelin` (patched to expose its execution tree) does all parsing and evaluation; this module
 * adds the cache, the leading "=" convention of Camunda/Zeebe, error shaping and input discovery.
 */
import { compileExpression, compileUnaryTests, EvaluationBudgetExceeded, parseExpression } from 'feelin';
import { budgetText, estimateIterations, feelBudget } from './budget.js';
import { UnsafePatternError, unsafeLiteralPattern } from './regex-guard.js';
import { isFeelDecimal, plainIfExact } from './decimal.js';

export { FeelDecimal, feelNumber, isFeelDecimal, toScaledDecimal } from './decimal.js';
export { configureFeelBudget, DEFAULT_FEEL_BUDGET, estimateIterations, feelBudget, type FeelBudget } from './budget.js';

export interface CompiledFeel {
  /** The expression as written, without a leading "=". */
  readonly source: string;
  /** Names of the variables the expression reads (first path segment), for change tracking. */
  readonly inputs: readonly string[];
  evaluate(context?: Record<string, unknown>): unknown;
}

export interface CompiledUnaryTests {
  readonly source: string;
  test(value: unknown, context?: Record<string, unknown>): boolean | null;
}

/** A FEEL expression that does not parse; `position` is the character offset of the problem. */
export class FeelSyntaxError extends Error {
  constructor(
    readonly expression: string,
    message: string,
    readonly position?: number,
  ) {
    super(message);
    this.name = 'FeelSyntaxError';
  }
}

/** A FEEL expression that parsed but failed while running (feelin throws rarely; most errors yield null). */
export class FeelEvaluationError extends Error {
  constructor(
    readonly expression: string,
    message: string,
  ) {
    super(message);
    this.name = 'FeelEvaluationError';
  }
}

/** Saving an expression whose static shape certainly exceeds the iteration budget (a kind of syntax error: refused wherever FEEL is checked). */
export class FeelShapeError extends FeelSyntaxError {
  constructor(
    expression: string,
    readonly estimate: number,
    readonly limit: number,
    /** Set when what is refused is a regular expression that could backtrack without end. */
    readonly pattern?: string,
  ) {
    super(expression, pattern === undefined ? budgetText('shape', limit, 'en', estimate) : budgetText('pattern', 0, 'en', undefined, pattern));
    this.name = 'FeelShapeError';
  }

  localized(lang: 'zh-CN' | 'en'): string {
    return this.pattern === undefined ? budgetText('shape', this.limit, lang, this.estimate) : budgetText('pattern', 0, lang, undefined, this.pattern);
  }
}

/** An evaluation stopped by its iteration or time budget: that evaluation fails, nothing else. */
export class FeelBudgetError extends FeelEvaluationError {
  constructor(
    expression: string,
    readonly kind: 'iterations' | 'time' | 'pattern',
    readonly limit: number,
    readonly pattern?: string,
  ) {
    super(expression, budgetText(kind, limit, 'en', undefined, pattern));
    this.name = 'FeelBudgetError';
  }

  localized(lang: 'zh-CN' | 'en'): string {
    return budgetText(this.kind, this.limit, lang, undefined, this.pattern);
  }
}

/** Budget errors keep their kind; any other failure becomes a FeelEvaluationError. */
function evaluationError(source: string, err: unknown): FeelEvaluationError {
  if (err instanceof EvaluationBudgetExceeded) return new FeelBudgetError(source, err.kind, err.limit);
  if (err instanceof UnsafePatternError) return new FeelBudgetError(source, 'pattern', 0, err.pattern);
  return new FeelEvaluationError(source, (err as Error).message ?? String(err));
}

function limits(): { maxSteps: number; maxMs: number } {
  const b = feelBudget();
  return { maxSteps: b.maxIterations, maxMs: b.maxMs };
}

const MAX_CACHE = 5000;
const exprCache = new Map<string, CompiledFeel>();
const testCache = new Map<string, CompiledUnaryTests>();

/** Names of the variables an expression reads (it must parse). */
export function feelInputs(expression: string): readonly string[] {
  return compileFeel(expression).inputs;
}

/** Strips the optional leading "=" used by BPMN attributes (`crm:assignee="=initiator"`). */
export function stripEquals(expression: string): string {
  const t = expression.trim();
  return t.startsWith('=') ? t.slice(1).trim() : t;
}

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= MAX_CACHE) {
    // Drop the oldest entry: Map iterates in insertion order.
    const first = cache.keys().next().value;
    if (first !== undefined) cache.delete(first);
  }
  cache.set(key, value);
  return value;
}

function syntaxError(source: string, err: unknown): FeelSyntaxError {
  const e = err as { message?: string; position?: { from?: number } };
  return new FeelSyntaxError(source, e.message ?? String(err), e.position?.from);
}

/**
 * Compiles (or returns the cached) expression. Throws FeelSyntaxError when it does not parse, and
 * FeelShapeError when its loops over literal ranges certainly exceed the iteration budget.
 */
export function compileFeel(expression: string): CompiledFeel {
  const source = stripEquals(expression);
  const hit = exprCache.get(source);
  if (hit) return hit;
  if (source === '') throw new FeelSyntaxError(source, 'empty expression');
  let compiled: ReturnType<typeof compileExpression>;
  try {
    compiled = compileExpression(source);
  } catch (err) {
    throw syntaxError(source, err);
  }
  const estimate = estimateIterations(source);
  const { maxIterations } = feelBudget();
  if (estimate > maxIterations) throw new FeelShapeError(source, estimate, maxIterations);
  const unsafe = unsafeLiteralPattern(source);
  if (unsafe !== null) throw new FeelShapeError(source, estimate, maxIterations, unsafe);
  const inputs = collectInputs(source);
  const result: CompiledFeel = {
    source,
    inputs,
    evaluate(context = {}) {
      try {
        return normalize(compiled.evaluate(context, limits()));
      } catch (err) {
        throw evaluationError(source, err);
      }
    },
  };
  return remember(exprCache, source, result);
}

/** Compiles FEEL unary tests (the cells of a DMN decision table input column). */
export function compileFeelUnaryTests(expression: string): CompiledUnaryTests {
  const source = expression.trim() === '' ? '-' : expression.trim();
  const hit = testCache.get(source);
  if (hit) return hit;
  let compiled: ReturnType<typeof compileUnaryTests>;
  try {
    compiled = compileUnaryTests(source);
  } catch (err) {
    throw syntaxError(source, err);
  }
  const result: CompiledUnaryTests = {
    source,
    test(value, context = {}) {
      try {
        return compiled.test(value, context, limits());
      } catch (err) {
        throw evaluationError(source, err);
      }
    },
  };
  return remember(testCache, source, result);
}

/** One line for a model's problem list (BPMN, DMN): why an expression cannot be saved. */
export function feelProblem(err: FeelSyntaxError): string {
  return err instanceof FeelShapeError ? `${err.localized('zh-CN')} (${err.message})` : `FEEL does not parse (${err.message})`;
}

/** Evaluates once (cached compile). */
export function evaluateFeel(expression: string, context: Record<string, unknown> = {}): unknown {
  return compileFeel(expression).evaluate(context);
}

/** Returns null when the expression parses, otherwise the syntax error (for "checked as you type"). */
export function checkFeel(expression: string): FeelSyntaxError | null {
  try {
    compileFeel(expression);
    return null;
  } catch (err) {
    if (err instanceof FeelSyntaxError) return err;
    throw err;
  }
}

/** FEEL truthiness for conditions: only boolean true counts (null and non-booleans are false). */
export function isTrue(value: unknown): boolean {
  return value === true;
}

// FEEL temporal values come back as wrapper objects; give callers plain JSON-friendly values.
// A decimal comes back as a plain number only when a double holds it unchanged (see decimal.ts).
function normalize(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object') return value;
  if (isFeelDecimal(value)) return plainIfExact(value);
  if (Array.isArray(value)) return value.map(normalize);
  const v = value as { toString?: () => string; constructor?: { name?: string } };
  const ctor = v.constructor?.name ?? '';
  if (/^Feel(Date|Time|DateTime|Duration)$/.test(ctor) && typeof v.toString === 'function') {
    return v.toString();
  }
  if (ctor === 'Object') {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(value as Record<string, unknown>)) out[k] = normalize(val);
    return out;
  }
  return value;
}

const builtinNames = new Map<string, boolean>();

/** Whether a name is one of FEEL's built-in functions (`count`, `sum`, `string length` …) when nothing shadows it. */
export function isBuiltinFeelFunction(name: string): boolean {
  return isBuiltinFunction(name);
}

function isBuiltinFunction(name: string): boolean {
  let known = builtinNames.get(name);
  if (known === undefined) {
    try {
      known = typeof compileExpression(name).evaluate({}) === 'function';
    } catch {
      known = false;
    }
    if (builtinNames.size < MAX_CACHE) builtinNames.set(name, known);
  }
  return known;
}

/**
 * Variable names read by an expression: the first segment of every VariableName outside a path tail.
 * A built-in function named in a call is not a variable: passing it as one (null) would hide the function.
 */
function collectInputs(source: string): string[] {
  const names = new Set<string>();
  const tree = parseExpression(source, {}, undefined);
  const locals = new Set<string>();
  tree.iterate({
    enter(node) {
      // Names bound inside the expression (for/some/every/function parameters) are not inputs.
      if (node.name === 'Name' && node.node.parent?.name && /InExpression|FormalParameter/.test(node.node.parent.name)) {
        locals.add(source.slice(node.from, node.to).trim());
      }
      if (node.name === 'VariableName') {
        const parent = node.node.parent;
        // In `a.b`, only `a` is an input; the `b` of a PathExpression is a key, not a variable.
        if (parent?.name === 'PathExpression' && parent.firstChild && parent.firstChild.from !== node.from) return;
        const name = source.slice(node.from, node.to).trim();
        if (parent?.name === 'FunctionInvocation' && parent.firstChild?.from === node.from && isBuiltinFunction(name)) return;
        names.add(name);
      }
    },
  });
  for (const l of locals) names.delete(l);
  return [...names];
}

export { analyzeFeel, isFeelFunction, type FeelIssue, type FeelIssueCode, type FeelName, type FeelScope, type FeelValueKind } from './semantic.js';
