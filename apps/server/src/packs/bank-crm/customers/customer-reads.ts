/** Reads the customer routes share: the customer as the caller may see it, and the active tag definitions. */
import type { RecordData } from '@crm/shared';
import { AppError } from '../../../common/app-error.js';
import type { Principal } from '../../../auth/principal.js';
import type { MetadataService } from '../../../metadata/metadata.service.js';
import type { RecordsService } from '../../../records/records.service.js';
import { packConfig } from './bank-pack.js';

export type TagDefinition = { name: string; color: string | null; kind: string; rule: string | null };

/** The customer through the caller's scope and masks; 404 alike for "missing" and "not yours". */
export async function customerOrFail(records: RecordsService, id: string, p: Principal): Promise<RecordData> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError(404, 'customers.not_found');
  try {
    return await records.get(packConfig().customer, id, p);
  } catch (err) {
    if (err instanceof AppError && (err.status === 404 || err.status === 403)) throw new AppError(404, 'customers.not_found');
    throw err;
  }
}

/** Active tags by code (the platform's read: rule tags are computed for every customer). */
export async function tagDefinitions(meta: MetadataService, records: RecordsService): Promise<Map<string, TagDefinition>> {
  const cfg = packConfig();
  const out = new Map<string, TagDefinition>();
  const o = (await meta.current()).objects.get(cfg.tags.object);
  if (!o) return out;
  const page = await records.query(cfg.tags.object, { filter: { active: true }, limit: 500 }, null);
  for (const t of page.items) out.set(String(t.code), { name: String(t.name), color: (t.color as string) ?? null, kind: String(t.kind), rule: (t.rule as string) ?? null });
  return out;
}
