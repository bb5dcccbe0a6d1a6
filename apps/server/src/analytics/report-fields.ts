/**
 * What type a field path has on an object, from the metadata alone (no scope): whether a dashboard
 * filter or a cross filter can apply to a widget's report, and how a date bound is written for it.
 * The run itself still resolves the path for the caller (their field modes and row scope).
 */
import type { MetadataService } from '../metadata/metadata.service.js';
import type { ReportSourceRegistry } from './report-source-registry.js';

const SYSTEM_TYPES: Record<string, string> = {
  id: 'id', created_at: 'datetime', updated_at: 'datetime', created_by: 'user', owner_id: 'user', org_unit_id: 'org_unit',
};

/** The field type at the end of `path` (`customer.branch`) from `object`, or null when there is no such field. */
export async function fieldTypeOf(meta: MetadataService, object: string, path: string, registry?: ReportSourceRegistry): Promise<string | null> {
  const objects = (await meta.current()).objects;
  let o = objects.get(object) ?? registry?.get(object)?.meta();
  const parts = path.split('.');
  for (const [i, part] of parts.entries()) {
    if (!o) return null;
    const last = i === parts.length - 1;
    if (last && SYSTEM_TYPES[part]) return SYSTEM_TYPES[part]!;
    const f = o.byKey.get(part);
    if (!f) return null;
    if (last) return f.type;
    if (f.type !== 'relation' || !f.target) return null;
    o = objects.get(f.target);
  }
  return null;
}

export const isDateType = (t: string | null): boolean => t === 'date' || t === 'datetime';
