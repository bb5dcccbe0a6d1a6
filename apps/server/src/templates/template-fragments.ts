/**
 * Merges a bundle's fragments (`template.d/*.json`, in file-name order) into its `template.json`.
 *
 * Why: several capabilities (models, campaigns, journeys, privacy, …) each add content to the same
 * pack; one fragment per capability keeps their additions apart instead of every change editing one
 * large file. The merged bundle is what installs, upgrades and fingerprints see — fragments are a
 * way of writing a bundle, not a second kind of bundle.
 *
 * Rules: a top-level array is appended to; an entry of `objects` whose `key` matches an existing
 * object appends its `fields` (a field key already present is an error) and overrides the other
 * properties it gives; an entry of `roles` whose `key` matches appends its `permissions` and unions
 * its `platform` rights; any other key present in both (e.g. an entry of `reports` with an existing
 * key) is an error, as is a scalar (`key`, `version`, …) or a plain object given twice — a fragment
 * never silently replaces what another part declared.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

type Json = Record<string, unknown>;

export const FRAGMENTS_DIR = 'template.d';

/** The fragments of the bundle in `dir`, in file-name order (empty when it has none). */
export function readFragments(dir: string): { name: string; fragment: Json }[] {
  const folder = path.join(dir, FRAGMENTS_DIR);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((name) => {
      let fragment: unknown;
      try {
        fragment = JSON.parse(readFileSync(path.join(folder, name), 'utf8'));
      } catch (e) {
        throw new Error(`template fragment ${name} is not valid JSON: ${(e as Error).message}`, { cause: e });
      }
      if (!fragment || typeof fragment !== 'object' || Array.isArray(fragment)) throw new Error(`template fragment ${name} must be a JSON object`);
      return { name, fragment: fragment as Json };
    });
}

const keyOf = (v: unknown): string | undefined => (v && typeof v === 'object' && typeof (v as Json).key === 'string' ? ((v as Json).key as string) : undefined);

function mergeObjectEntry(into: Json, add: Json, where: string): void {
  const fields = (into.fields as Json[] | undefined) ?? [];
  const have = new Set(fields.map(keyOf));
  for (const f of (add.fields as Json[] | undefined) ?? []) {
    if (have.has(keyOf(f))) throw new Error(`${where}: field ${String(keyOf(f))} of object ${String(into.key)} is declared twice`);
    fields.push(f);
  }
  for (const [k, v] of Object.entries(add)) if (k !== 'fields' && k !== 'key') into[k] = v;
  into.fields = fields;
}

function mergeRoleEntry(into: Json, add: Json): void {
  into.permissions = [...((into.permissions as unknown[]) ?? []), ...((add.permissions as unknown[]) ?? [])];
  into.platform = [...new Set([...((into.platform as string[]) ?? []), ...((add.platform as string[]) ?? [])])];
}

/** The bundle with every fragment merged in (the base object is not modified). */
export function mergeFragments<B extends object>(base: B, fragments: { name: string; fragment: Json }[]): B {
  if (fragments.length === 0) return base;
  const out = structuredClone(base) as unknown as Json;
  for (const { name, fragment } of fragments) {
    const where = `template fragment ${name}`;
    for (const [k, v] of Object.entries(fragment)) {
      const current = out[k];
      if (current === undefined) {
        out[k] = structuredClone(v);
        continue;
      }
      if (!Array.isArray(current) || !Array.isArray(v)) throw new Error(`${where}: "${k}" is already declared (only lists can be extended)`);
      for (const entry of v as unknown[]) {
        const key = keyOf(entry);
        const existing = key === undefined ? undefined : (current as unknown[]).find((c) => keyOf(c) === key);
        if (existing === undefined) current.push(structuredClone(entry));
        else if (k === 'objects') mergeObjectEntry(existing as Json, structuredClone(entry) as Json, where);
        else if (k === 'roles') mergeRoleEntry(existing as Json, entry as Json);
        else throw new Error(`${where}: ${k} entry "${key}" is already declared`);
      }
    }
  }
  return out as unknown as B;
}
