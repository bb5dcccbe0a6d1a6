#!/usr/bin/env node
// `pnpm build`: every package, incrementally. One `tsc -b` over the project references compiles
// only what changed since the last build (tsbuildinfo in each dist/), the server's assets are
// copied, and the web app is rebuilt only when its inputs changed (apps/web/scripts/build-if-changed.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const step = (file, args = []) => {
  const res = spawnSync(process.execPath, [file, ...args], { cwd: repo, stdio: 'inherit' });
  if (res.status !== 0) process.exit(res.status ?? 1);
};

step(path.join(repo, 'scripts/check-node.cjs'));
const projects = ['packages', 'apps'].flatMap((group) =>
  readdirSync(path.join(repo, group))
    .map((name) => path.join(group, name, 'tsconfig.build.json'))
    .filter((p) => existsSync(path.join(repo, p))),
);
step(createRequire(import.meta.url).resolve('typescript/bin/tsc'), ['-b', ...projects]);
step(path.join(repo, 'apps/server/scripts/copy-assets.mjs'));
step(path.join(repo, 'apps/web/scripts/build-if-changed.mjs'), process.argv.slice(2));
