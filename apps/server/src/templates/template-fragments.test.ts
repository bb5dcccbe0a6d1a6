/** A bundle's template.d fragments merge into its template.json by the documented rules, and refuse to overwrite. */
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadTemplateFrom } from './template-loader.js';
import { mergeFragments } from './template-fragments.js';

const base = {
  key: 'demo', version: '1.0.0', name: 'Demo', objects: [{ key: 'customer', label: '客户', fields: [{ key: 'name', label: '姓名', type: 'text' }] }],
  forms: [], roles: [{ key: 'rm', name: 'RM', platform: ['designer'], permissions: [{ object: 'customer', actions: ['read'], scope: 'own' }] }],
  records: [], decisions: [], processes: [], triggers: [], reports: [{ key: 'aum' }],
};

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function bundleDir(fragments: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bundle-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'template.json'), JSON.stringify(base));
  mkdirSync(path.join(dir, 'template.d'));
  for (const [name, body] of Object.entries(fragments)) writeFileSync(path.join(dir, 'template.d', name), typeof body === 'string' ? body : JSON.stringify(body));
  return dir;
}

describe('template fragments', () => {
  it('appends lists, extends a matching object and role, in file-name order', () => {
    const dir = bundleDir({
      'b-second.json': { reports: [{ key: 'b' }] },
      'a-first.json': {
        objects: [{ key: 'customer', fields: [{ key: 'churn_score', label: '流失评分', type: 'decimal' }], titleField: 'name' }, { key: 'campaign', label: '营销活动', fields: [] }],
        roles: [{ key: 'rm', permissions: [{ object: 'campaign', actions: ['read'], scope: 'own' }], platform: ['designer', 'marketing.manage'] }],
        reports: [{ key: 'a' }],
        models: [{ key: 'churn' }],
      },
    });
    const { bundle } = loadTemplateFrom(dir);
    const b = bundle as unknown as typeof base & { models: unknown[] };
    expect(b.objects.map((o) => o.key)).toEqual(['customer', 'campaign']);
    expect(b.objects[0]!.fields.map((f) => f.key)).toEqual(['name', 'churn_score']);
    expect((b.objects[0] as Record<string, unknown>).titleField).toBe('name');
    expect(b.roles[0]!.permissions.map((p) => p.object)).toEqual(['customer', 'campaign']);
    expect(b.roles[0]!.platform).toEqual(['designer', 'marketing.manage']);
    expect(b.reports.map((r) => r.key)).toEqual(['aum', 'a', 'b']);
    expect(b.models).toEqual([{ key: 'churn' }]);
  });

  it('leaves a bundle without fragments exactly as written and never modifies the base', () => {
    const copy = structuredClone(base);
    expect(mergeFragments(base, [])).toBe(base);
    mergeFragments(base, [{ name: 'x.json', fragment: { reports: [{ key: 'x' }] } }]);
    expect(base).toEqual(copy);
  });

  it('refuses a fragment that would overwrite instead of extend', () => {
    expect(() => loadTemplateFrom(bundleDir({ 'x.json': { version: '9.9.9' } }))).toThrow(/"version" is already declared/);
    expect(() => loadTemplateFrom(bundleDir({ 'x.json': { reports: [{ key: 'aum' }] } }))).toThrow(/reports entry "aum" is already declared/);
    expect(() => loadTemplateFrom(bundleDir({ 'x.json': { objects: [{ key: 'customer', fields: [{ key: 'name', type: 'text' }] }] } }))).toThrow(/field name of object customer is declared twice/);
    expect(() => loadTemplateFrom(bundleDir({ 'x.json': '{ not json' }))).toThrow(/template fragment x.json is not valid JSON/);
    expect(() => loadTemplateFrom(bundleDir({ 'x.json': '[1]' }))).toThrow(/must be a JSON object/);
  });
});
