/**
 * Regular expressions in FEEL (`matches`, `replace`, `split`). A JavaScript regex cannot be stopped
 * once it runs, so the evaluation budget cannot bound it: a pattern whose matching time can grow
 * exponentially (nested quantifiers such as `(a+)+`, as judged by safe-regex2) is refused instead —
 * when the expression is saved if the pattern is written in it, and before it runs otherwise.
 */
import type { SyntaxNodeRef } from '@lezer/common';
import { compileExpression, parseExpression, setRegexGuard } from 'feelin';
import safeRegex from 'safe-regex2';

/** A pattern refused by the guard (thrown through feelin, turned into a FeelBudgetError by the caller). */
export class UnsafePatternError extends Error {
  constructor(readonly pattern: string) {
    super(`unsafe regular expression: ${pattern}`);
    this.name = 'UnsafePatternError';
  }
}

const verdicts = new Map<string, boolean>();

export function isSafePattern(pattern: string): boolean {
  let ok = verdicts.get(pattern);
  if (ok === undefined) {
    ok = safeRegex(pattern);
    if (verdicts.size < 5000) verdicts.set(pattern, ok);
  }
  return ok;
}

setRegexGuard((pattern) => {
  if (!isSafePattern(pattern)) throw new UnsafePatternError(pattern);
});

const REGEX_FUNCTIONS = new Set(['matches', 'replace', 'split']);

/** The first pattern written as a string literal in a call of `matches`/`replace`/`split` that is not safe. */
export function unsafeLiteralPattern(source: string): string | null {
  let found: string | null = null;
  parseExpression(source, {}, undefined).iterate({
    enter(ref: SyntaxNodeRef) {
      if (found !== null || ref.name !== 'FunctionInvocation') return;
      const callee = ref.node.firstChild;
      if (!callee || !REGEX_FUNCTIONS.has(source.slice(callee.from, callee.to).trim())) return;
      const params = ref.node.getChild('PositionalParameters');
      const pattern = params?.firstChild?.nextSibling;
      if (pattern?.name !== 'StringLiteral') return;
      const value = compileExpression(source.slice(pattern.from, pattern.to)).evaluate({});
      if (typeof value === 'string' && !isSafePattern(value)) found = value;
    },
  });
  return found;
}
