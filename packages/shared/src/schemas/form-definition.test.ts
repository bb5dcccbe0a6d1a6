/**
 * The contract's form-definition schema and the form engine's JSON Schema
 * (engine-specs/forms/form-definition.schema.json) accept exactly the same definitions: every form and
 * field of the engine's conformance cases, and many variants of each (an unknown property added, each
 * property removed, each value replaced by another of a wrong or edge kind).
 */
import { describe, it, expect } from '@jest/globals';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FormDefinitionSchema, FormDraftSchema, PublishedFormSchema } from './metadata.js';

const specs = new URL('../../../../engine-specs/forms/', import.meta.url);
const jsonSchema = JSON.parse(readFileSync(fileURLToPath(new URL('form-definition.schema.json', specs)), 'utf8')) as object;

// Ajv is the form engine's dependency: load it from there.
const requireFromEngine = createRequire(fileURLToPath(new URL('../../../form-engine/package.json', import.meta.url)));
type Validate = (data: unknown) => boolean;
const { default: Ajv2020 } = requireFromEngine('ajv/dist/2020') as { default: new (o: object) => { compile(s: object): Validate } };
const ajvValid = new Ajv2020({ strict: false, allErrors: false }).compile(jsonSchema);

interface Case { name: string; form?: unknown; fields?: unknown[]; field?: unknown }
const cases: Case[] = readdirSync(fileURLToPath(new URL('cases/', specs)))
  .filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(readFileSync(fileURLToPath(new URL(`cases/${f}`, specs)), 'utf8')) as Case);

/** A form whose only layout item is a repeating group declaring `field` inline. */
const withGroupField = (field: unknown) => ({ key: 'probe', object: 'probe', title: 'probe', layout: [{ type: 'group', field: 'rows', fields: [field] }] });

const REPLACEMENTS: unknown[] = [null, 7, 1.5, '', 'Bad-Key', true, [], {}, ['a', 'a'], { 'zh-CN': '甲' }];

/** The value itself, then every variant made by changing one place inside it. */
function* variants(value: unknown): Generator<unknown> {
  yield value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      for (const v of variants(value[i])) if (v !== value[i]) yield value.map((x, j) => (j === i ? v : x));
    }
    yield [];
    return;
  }
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    yield { ...o, zz_unknown: 1 };
    for (const k of Object.keys(o)) {
      const { [k]: _removed, ...rest } = o;
      yield rest;
      for (const v of variants(o[k])) if (v !== o[k]) yield { ...o, [k]: v };
    }
    return;
  }
  for (const r of REPLACEMENTS) if (r !== value) yield r;
}

function disagreements(candidates: Iterable<unknown>): { count: number; accepted: number; differing: { definition: unknown; ajv: boolean; zod: boolean }[] } {
  let count = 0;
  let accepted = 0;
  const differing: { definition: unknown; ajv: boolean; zod: boolean }[] = [];
  for (const definition of candidates) {
    count++;
    const ajv = ajvValid(definition);
    if (ajv) accepted++;
    const zod = FormDefinitionSchema.safeParse(definition).success;
    if (ajv !== zod && differing.length < 5) differing.push({ definition, ajv, zod });
  }
  return { count, accepted, differing };
}

describe('FormDefinitionSchema agrees with the form-definition JSON Schema', () => {
  const forms = cases.filter((c) => c.form && typeof c.form === 'object');
  it('reads the conformance cases', () => {
    expect(forms.length).toBeGreaterThan(40);
  });
  it.each(forms.map((c) => [c.name, c] as const))('on the form of %s and its variants', (_name, c) => {
    const { count, accepted, differing } = disagreements(variants(c.form));
    expect(count).toBeGreaterThan(20);
    // Both kinds are tried: the variants that change a valid form somewhere harmless stay valid.
    if (ajvValid(c.form)) expect(accepted).toBeGreaterThan(1);
    expect(accepted).toBeLessThan(count);
    expect(differing).toEqual([]);
  });
  it('on every field definition of the cases (declared inline in a repeating group) and its variants', () => {
    const fields = cases.flatMap((c) => [...(c.fields ?? []), ...(c.field === undefined ? [] : [c.field])]);
    expect(fields.length).toBeGreaterThan(50);
    const all = fields.flatMap((f) => [...variants(f)].map(withGroupField));
    const { count, accepted, differing } = disagreements(all);
    expect(accepted).toBeGreaterThan(50);
    expect(accepted).toBeLessThan(count);
    expect(differing).toEqual([]);
  });
  it('accepts every valid conformance form as a draft and as a published version', () => {
    for (const c of cases.filter((x) => x.form && ajvValid(x.form))) {
      const { version: _v, ...def } = c.form as Record<string, unknown>;
      expect(FormDraftSchema.safeParse({ ...def, latestVersion: 0, updatedAt: '2026-01-01T00:00:00.000Z' }).success).toBe(true);
      const published = { ...def, version: 1, schema: { type: 'object' }, fields: c.fields ?? [], publishedAt: '2026-01-01T00:00:00.000Z' };
      expect(PublishedFormSchema.safeParse(published).success).toBe(true);
      expect(PublishedFormSchema.safeParse({ ...published, extra: 1 }).success).toBe(false);
    }
  });
});
