// Copies the non-TypeScript assets of the server (the solution packs' template bundles: JSON, BPMN, DMN) into dist.
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ASSET = /\.(json|bpmn|dmn|xml|md)$/;

function copyAssets(fromDir, toDir) {
  if (!existsSync(fromDir)) return 0;
  let n = 0;
  for (const name of readdirSync(fromDir)) {
    const from = path.join(fromDir, name);
    const to = path.join(toDir, name);
    if (statSync(from).isDirectory()) n += copyAssets(from, to);
    else if (ASSET.test(name)) {
      cpSync(from, to);
      n++;
    }
  }
  return n;
}

const n = copyAssets(path.join(root, 'src/packs'), path.join(root, 'dist/packs'));
if (process.env.CRM_BUILD_VERBOSE) console.log(`copied ${n} template assets`);
