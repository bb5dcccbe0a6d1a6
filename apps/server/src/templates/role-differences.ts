/**
 * How an existing role differs from what a solution pack would give it. A pack install never changes
 * an existing role (what a role may do is the security administrator's decision, and a designer must
 * not undo it by re-installing); it reports this difference instead, for the security administrator
 * to apply or ignore.
 */
import type { Permission } from '../access/permission.types.js';
import type { RoleDifference } from '@crm/shared';
import type { TemplateRole } from './template.types.js';
import { stable } from './stable-json.js';

/** How an existing role differs from the pack's definition of it (the shared contract's shape). */
export type { RoleDifference };

export function roleDifference(
  pack: TemplateRole,
  existing: { permissions: Permission[] | null; platform: string[] | null },
  packObjects: ReadonlySet<string>,
): RoleDifference | null {
  const have = (existing.permissions ?? []).filter((p) => packObjects.has(p.object));
  const haveKeys = new Set(have.map(stable));
  const wantKeys = new Set(pack.permissions.map(stable));
  const added = pack.permissions.filter((p) => !haveKeys.has(stable(p)));
  const removed = have.filter((p) => !wantKeys.has(stable(p)));
  const platform = new Set(existing.platform ?? []);
  const platformAdded = pack.platform.filter((r) => !platform.has(r)).sort();
  if (!added.length && !removed.length && !platformAdded.length) return null;
  return { role: pack.key, added, removed, platformAdded };
}
