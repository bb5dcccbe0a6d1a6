/**
 * Reads a solution template bundle (`template.json`, its `template.d/` fragments, and the BPMN / DMN files it names) from its
 * folder, with parameters substituted. Bundles come from the installed solution packs.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../common/app-error.js';
import { registerMessages } from '../common/i18n.js';
import { packByKey } from '../packs/pack-registry.js';
import type { TemplateBundle } from './template.types.js';
import { mergeFragments, readFragments } from './template-fragments.js';

registerMessages({
  'template.not_found': { 'zh-CN': '模板不存在：{key}', en: 'No such template: {key}' },
  'template.bad_parameter': { 'zh-CN': '模板参数无效：{name}', en: 'Invalid template parameter: {name}' },
});

export interface LoadedTemplate<B extends TemplateBundle = TemplateBundle> {
  bundle: B;
  /** Bundle-relative path → file text (BPMN, DMN), with parameters substituted. */
  files: Map<string, string>;
  parameters: Record<string, string>;
}

/** The bundle of the installed pack `key`; 404 when no pack of that key is in this build. */
/** `env`: the values of the variables the bundle's parameters name (AppConfig.packParameters); unset ones take the default. */
export function loadTemplate(key: string, env: Readonly<Record<string, string | undefined>> = {}): LoadedTemplate {
  const pack = /^[a-z][a-z0-9-]{0,62}$/.test(key) ? packByKey(key) : undefined;
  if (!pack || !existsSync(path.join(pack.bundleDir, 'template.json'))) throw new AppError(404, 'template.not_found', { key });
  const loaded = loadTemplateFrom(pack.bundleDir, env);
  // A pack folder replaced by one of another pack would install under the wrong key.
  if (loaded.bundle.key !== key) throw new Error(`the bundle in the ${key} pack's folder is the ${String(loaded.bundle.key)} pack`);
  return loaded;
}

export function loadTemplateFrom<B extends TemplateBundle = TemplateBundle>(dir: string, env: Readonly<Record<string, string | undefined>> = {}): LoadedTemplate<B> {
  // template.json plus its fragments (template.d/*.json), merged: see template-fragments.ts.
  const bundle = mergeFragments(JSON.parse(readFileSync(path.join(dir, 'template.json'), 'utf8')) as B, readFragments(dir));
  const parameters: Record<string, string> = {};
  for (const [name, p] of Object.entries(bundle.parameters ?? {})) {
    const value = (p.env ? env[p.env]?.trim() : undefined) || p.default;
    if (p.pattern && !new RegExp(p.pattern).test(value)) throw new AppError(400, 'template.bad_parameter', { name });
    parameters[name] = value;
  }
  const files = new Map<string, string>();
  for (const rel of [...bundle.decisions, ...bundle.processes.map((p) => p.file)]) {
    const file = path.resolve(dir, rel);
    if (!file.startsWith(dir + path.sep)) throw new Error(`template file outside the bundle: ${rel}`);
    files.set(rel, readFileSync(file, 'utf8').replace(/\{\{([a-zA-Z][a-zA-Z0-9]*)\}\}/g, (m, n: string) => parameters[n] ?? m));
  }
  return { bundle, files, parameters };
}
