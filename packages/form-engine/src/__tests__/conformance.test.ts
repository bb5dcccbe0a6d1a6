/**
 * Runs every conformance case of engine-specs/forms/cases (format: engine-specs/forms/README.md).
 * Errors must match exactly: every expected issue present, no other issue reported.
 */
import { describe, it, expect } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileForm, validateFieldDefinition, validateFormDefinition } from '../index.js';
import type { FieldDef, FormDefinition, Lang, ValidationIssue } from '../index.js';

const casesDir = fileURLToPath(new URL('../../../../engine-specs/forms/cases/', import.meta.url));

interface ExpectedIssue { path: string; code?: string; message?: string }
interface Submission {
  input: Record<string, unknown>;
  previous?: Record<string, unknown>;
  lang?: Lang;
  now?: string;
  expect: { ok: boolean; value?: Record<string, unknown>; errors?: ExpectedIssue[]; state?: Partial<Record<'hidden' | 'required' | 'readOnly', string[]>> };
}
interface Case {
  name: string;
  description: string;
  fields?: FieldDef[];
  field?: unknown;
  form?: FormDefinition | null;
  submissions?: Submission[];
  expectDefinitionErrors?: ExpectedIssue[];
  expectFieldErrors?: ExpectedIssue[];
}

const files = readdirSync(casesDir).filter((f) => f.endsWith('.json')).sort();
const cases = files.map((f) => ({ file: f, c: JSON.parse(readFileSync(casesDir + f, 'utf8')) as Case }));

/**
 * Compares issue lists as sets. An expected issue always gives `path`; `code` and `message` are
 * compared when the expectation for that path gives them.
 */
function expectIssues(actual: ValidationIssue[], expected: ExpectedIssue[]): void {
  const like = (a: ValidationIssue) =>
    expected.find((e) => e.path === a.path && (e.code === undefined || e.code === a.code)) ?? { path: a.path, code: a.code };
  const actualKeys = actual.map((a) => {
    const e = like(a);
    return JSON.stringify({ path: a.path, code: e.code === undefined ? undefined : a.code, message: e.message === undefined ? undefined : a.message });
  });
  const expectedKeys = expected.map((e) => JSON.stringify({ path: e.path, code: e.code, message: e.message }));
  expect(actualKeys.sort()).toEqual(expectedKeys.sort());
}

describe('form conformance cases', () => {
  it('has at least 45 cases, each with a name and description', () => {
    expect(cases.length).toBeGreaterThanOrEqual(45);
    for (const { c } of cases) {
      expect(typeof c.name).toBe('string');
      expect(typeof c.description).toBe('string');
    }
  });

  for (const { file, c } of cases) {
    describe(`${file}: ${c.description}`, () => {
      if (c.expectFieldErrors) {
        it('reports exactly the expected field-definition issues', () => {
          const issues = c.field !== undefined
            ? validateFieldDefinition(c.field)
            : (c.fields ?? []).flatMap((f, i) => validateFieldDefinition(f).map((x) => ({ ...x, path: `/fields/${i}${x.path}` })));
          expectIssues(issues, c.expectFieldErrors!);
          for (const i of issues) expect(i.message.length).toBeGreaterThan(0);
        });
        return;
      }
      for (const f of c.fields ?? []) {
        it(`field ${f.key} is a valid definition`, () => expect(validateFieldDefinition(f)).toEqual([]));
      }
      if (c.expectDefinitionErrors) {
        it('reports exactly the expected definition issues, in both languages', () => {
          const zh = validateFormDefinition(c.form, c.fields ?? []);
          expectIssues(zh, c.expectDefinitionErrors!);
          const en = validateFormDefinition(c.form, c.fields ?? [], 'en');
          expect(en.map((i) => i.path)).toEqual(zh.map((i) => i.path));
          for (const i of zh) expect(i.message).toMatch(/\S/);
          expect(() => compileForm(c.fields ?? [], c.form as FormDefinition)).toThrow();
        });
        return;
      }
      if (c.form) it('the form definition is valid', () => expect(validateFormDefinition(c.form, c.fields ?? [])).toEqual([]));
      (c.submissions ?? []).forEach((s, n) => {
        it(`submission ${n}: ${s.expect.ok ? 'accepted' : 'rejected'}`, () => {
          const compiled = compileForm(c.fields ?? [], c.form ?? null, { cacheKey: `conformance:${file}` });
          const result = compiled.process(s.input, { lang: s.lang, previous: s.previous, now: s.now ? new Date(s.now) : undefined });
          if (s.expect.errors) expectIssues(result.errors, s.expect.errors);
          expect(result.ok).toBe(s.expect.ok);
          expect(result.ok).toBe(result.errors.length === 0);
          if (s.expect.value) expect(result.value).toEqual(s.expect.value);
          for (const [k, list] of Object.entries(s.expect.state ?? {})) {
            expect([...result.state[k as 'hidden']].sort()).toEqual([...list].sort());
          }
        });
      });
    });
  }
});
