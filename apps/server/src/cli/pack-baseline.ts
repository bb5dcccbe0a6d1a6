/**
 * `node apps/server/dist/cli/pack-baseline.js <bundle folder>` prints the baseline of a pack version
 * (the fingerprint of every part it installs) as JSON, for `<bundle>/baselines/<version>.json` of a
 * later version of the pack (see templates/pack-baselines.ts). Run it on the bundle as that version
 * shipped (e.g. extracted with `git archive <tag>`), with its parameters at their defaults.
 */
import path from 'node:path';
import { loadTemplateFrom } from '../templates/template-loader.js';
import { bundleFingerprints } from '../templates/pack-parts.js';
import type { PackBaselineFile } from '../templates/pack-baselines.js';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir || process.argv.length > 3) {
    process.stderr.write('usage: node apps/server/dist/cli/pack-baseline.js <bundle folder>\n');
    process.exit(2);
  }
  const loaded = loadTemplateFrom(path.resolve(dir));
  const parts = await bundleFingerprints(loaded);
  const out: PackBaselineFile = { pack: loaded.bundle.key, version: loaded.bundle.version, parts: Object.fromEntries(Object.entries(parts).sort(([a], [b]) => a.localeCompare(b))) };
  process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message.split('\n')[0]}\n`);
  process.exit(1);
});
