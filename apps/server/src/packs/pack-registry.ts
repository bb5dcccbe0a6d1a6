/** Look-ups over the installed solution packs. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { INSTALLED_PACKS } from './installed-packs.js';
import type { SolutionPack } from './solution-pack.js';

export function solutionPacks(): readonly SolutionPack[] {
  return INSTALLED_PACKS;
}

export function packByKey(key: string): SolutionPack | undefined {
  return INSTALLED_PACKS.find((p) => p.key === key);
}

/** Keys of the packs whose template bundle is present in this build. */
export function templateKeys(): string[] {
  return INSTALLED_PACKS.filter((p) => existsSync(path.join(p.bundleDir, 'template.json'))).map((p) => p.key);
}
