/** Look-ups over the installed solution packs. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { INSTALLED_PACKS } from './installed-packs.js';
import type { SolutionPack } from './solution-pack.js';
import { folderPack } from './folder-packs.js';

/** The packs of CRM_PACK_DIRS, set once at start-up before the app's modules are put together. */
let folderPacks: readonly SolutionPack[] = [];

export function useFolderPacks(dirs: readonly string[]): void {
  const packs = dirs.map(folderPack);
  const keys = [...INSTALLED_PACKS, ...packs].map((p) => p.key);
  const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
  if (twice.length) throw new Error(`CRM_PACK_DIRS: more than one pack has the key ${twice.join(', ')}`);
  folderPacks = packs;
}

export function solutionPacks(): readonly SolutionPack[] {
  return folderPacks.length ? [...INSTALLED_PACKS, ...folderPacks] : INSTALLED_PACKS;
}

export function packByKey(key: string): SolutionPack | undefined {
  return solutionPacks().find((p) => p.key === key);
}

/** Keys of the packs whose template bundle is present in this build. */
export function templateKeys(): string[] {
  return solutionPacks().filter((p) => existsSync(path.join(p.bundleDir, 'template.json'))).map((p) => p.key);
}
