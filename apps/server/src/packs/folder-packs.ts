/**
 * Declarative solution packs from folders (CRM_PACK_DIRS): a bank's own configuration, or a
 * vendor's, shipped as `template.json` with its BPMN / DMN files and `migrations/<id>.sql` steps for
 * its own tables — no code. The folder is read at each install, so replacing it with a newer
 * version and installing again upgrades the pack in place (its new SQL steps run in the upgrade's
 * transaction).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Module } from '@nestjs/common';
import type { PackMigration, SolutionPack } from './solution-pack.js';

/** A folder pack brings no Nest providers. */
@Module({})
export class FolderPackModule {}

const STEP_FILE = /^([0-9]{4}-[a-z0-9-]{1,60})\.sql$/;

/** The folder's SQL steps, as they are on disk now, in id order. */
function sqlSteps(dir: string): PackMigration[] {
  const folder = path.join(dir, 'migrations');
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .map((name) => STEP_FILE.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ id: m[1]!, up: async (client) => void (await client.query(readFileSync(path.join(folder, m[0]), 'utf8'))) }));
}

export function folderPack(dir: string): SolutionPack {
  const file = path.join(dir, 'template.json');
  let key: unknown;
  try {
    key = (JSON.parse(readFileSync(file, 'utf8')) as { key?: unknown }).key;
  } catch (err) {
    throw new Error(`CRM_PACK_DIRS: cannot read the pack in ${dir}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (typeof key !== 'string' || !/^[a-z][a-z0-9-]{0,62}$/.test(key)) throw new Error(`CRM_PACK_DIRS: the pack in ${dir} has no valid key (a-z, 0-9, -)`);
  return {
    key,
    bundleDir: path.resolve(dir),
    module: FolderPackModule,
    get migrations() {
      return sqlSteps(dir);
    },
  };
}
