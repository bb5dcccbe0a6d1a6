#!/usr/bin/env node
// `pnpm bench <name>` runs bench/<name>.mjs (its exported run()). Benchmarks are never part of the tests.
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const name = process.argv[2];
const available = readdirSync(here).filter((f) => f.endsWith('.mjs') && !['run.mjs', 'lib.mjs', 'query-counts.mjs'].includes(f) && !f.endsWith('-memory.mjs')).map((f) => f.replace(/\.mjs$/, ''));
if (!name || !existsSync(path.join(here, `${name}.mjs`))) {
  console.error(`usage: pnpm bench <${available.join('|')}>`);
  process.exit(2);
}
const mod = await import(pathToFileURL(path.join(here, `${name}.mjs`)).href);
await mod.run(process.argv.slice(3));
process.exit(0);
