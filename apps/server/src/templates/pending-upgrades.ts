/**
 * At start-up, the packs whose installed version is older than the one this release bundles: their
 * new migration steps are left to the upgrade itself, so the steps and the parts commit or roll back
 * together (a failed upgrade leaves the database as it was).
 */
import type pg from 'pg';
import { templateKeys } from '../packs/pack-registry.js';
import { isDowngrade } from './pack-version.js';
import { loadTemplate } from './template-loader.js';

export async function packsUpgradedAtStart(pool: pg.Pool): Promise<Set<string>> {
  const keys = templateKeys();
  if (!keys.length) return new Set();
  const { rows } = await pool.query<{ key: string; version: string }>(
    `SELECT substr(key, 10) AS key, value->>'version' AS version FROM crm.settings WHERE key = ANY($1)`,
    [keys.map((k) => `template:${k}`)],
  );
  const out = new Set<string>();
  for (const r of rows) {
    const bundled = loadTemplate(r.key).bundle.version;
    if (r.version !== bundled && !isDowngrade(r.version, bundled)) out.add(r.key);
  }
  return out;
}
