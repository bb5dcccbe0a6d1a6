#!/usr/bin/env node
// Runs `vite build` only when its inputs changed: a SHA-256 over the web sources, the workspace
// sources Vite compiles in (aliases in vite.config.ts), the engine specs and the lockfile is kept
// in dist/.build-hash and compared on the next build. `--force` always builds.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repo = path.resolve(web, '../..');
const INPUTS = [
  'apps/web/src', 'apps/web/index.html', 'apps/web/vite.config.ts', 'apps/web/package.json', 'apps/web/tsconfig.json',
  'packages/shared/src', 'packages/form-engine/src', 'packages/feel/src', 'engine-specs', 'pnpm-lock.yaml',
];
const HASH_FILE = path.join(web, 'dist', '.build-hash');

function files(rel) {
  const abs = path.join(repo, rel);
  if (!existsSync(abs)) return [];
  if (!statSync(abs).isDirectory()) return [rel];
  return readdirSync(abs).sort().flatMap((name) => files(path.join(rel, name)));
}

function inputsHash() {
  const h = createHash('sha256');
  for (const rel of INPUTS.flatMap(files)) {
    h.update(`${rel}\0`);
    h.update(readFileSync(path.join(repo, rel)));
    h.update('\0');
  }
  return h.digest('hex');
}

const hash = inputsHash();
const built = existsSync(path.join(web, 'dist', 'index.html')) && existsSync(HASH_FILE) && readFileSync(HASH_FILE, 'utf8').trim() === hash;
if (built && !process.argv.includes('--force')) {
  console.log('web: sources unchanged since the last build, skipping vite build');
} else {
  const { build } = await import('vite');
  await build({ root: web, configFile: path.join(web, 'vite.config.ts') });
  writeFileSync(HASH_FILE, `${hash}\n`);
}
