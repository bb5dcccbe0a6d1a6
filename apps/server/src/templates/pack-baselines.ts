/**
 * Baselines of pack versions released before installs recorded fingerprints: `<bundle>/baselines/
 * <version>.json` holds the fingerprint of every part that version installed (made with
 * `node apps/server/dist/cli/pack-baseline.js <that version's bundle folder>`). An install of such a
 * version has no rows in crm.pack_parts; its upgrade compares against this file instead, so the bank's
 * changes are still told from the pack's.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';

export interface PackBaselineFile {
  pack: string;
  version: string;
  parts: Record<string, string>;
}

/** The baseline the pack ships for `version`, or an empty map when it ships none. */
export function shippedBaseline(bundleDir: string, pack: string, version: string): Map<string, string> {
  if (!semver.valid(version)) return new Map();
  const file = path.join(bundleDir, 'baselines', `${version}.json`);
  if (!existsSync(file)) return new Map();
  const b = JSON.parse(readFileSync(file, 'utf8')) as PackBaselineFile;
  if (b.pack !== pack || b.version !== version) throw new Error(`${file} is the baseline of ${b.pack} v${b.version}`);
  return new Map(Object.entries(b.parts));
}
