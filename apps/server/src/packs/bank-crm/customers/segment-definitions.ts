/**
 * Saving and showing segment definitions without keeping sensitive values. A segment whose filter
 * names an encrypted field (an ID number) is stored with that value's keyed search hash, which the
 * filter compiler compares with the field's hash column, so the segment still selects the same
 * customers; readers see the filter through their own field rights (masked for a customer manager).
 * The generic records path may not store such a value in clear: that write is refused.
 */
import { Injectable } from '@nestjs/common';
import type { FieldDef, Lang } from '@crm/form-engine';
import { AccessService } from '../../../access/access.service.js';
import type { Principal } from '../../../auth/principal.js';
import { AppError } from '../../../common/app-error.js';
import { registerMessages } from '../../../common/i18n.js';
import { MetadataService } from '../../../metadata/metadata.service.js';
import { quoteIdent, tableOf } from '../../../metadata/field-types.js';
import { Db } from '../../../database/db.js';
import { AuditService } from '../../../audit/audit.service.js';
import { filterForReader, hasClearSecrets, protectFilter } from '../../../records/filter-secrets.js';
import { hashInput } from '../../../records/record-codec.js';
import { RecordsService } from '../../../records/records.service.js';
import { packConfig, packObject } from './bank-pack.js';
import type { RecordData, SegmentChange, SegmentInput } from '@crm/shared';

registerMessages({
  'customers.segment_clear_secret': {
    'zh-CN': '客群条件含有敏感字段的明文值，请通过 /api/segments 保存（敏感值只以密钥哈希保存）',
    en: 'The segment filter holds a sensitive value in clear; save it through /api/segments (sensitive values are kept only as keyed hashes)',
  },
});


@Injectable()
export class SegmentDefinitions {
  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly records: RecordsService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  private async fieldsOf(object: string): Promise<Map<string, FieldDef>> {
    return (await this.meta.current()).objects.get(object)?.byKey ?? new Map();
  }

  /**
   * The filter as it will be stored. It is first run as the caller (one row), so a filter on a field
   * they may not filter by, or on an object they may not read, is refused like any query of theirs.
   */
  private async storable(target: string, filter: Record<string, unknown>, p: Principal): Promise<unknown> {
    await this.records.query(target, { filter, limit: 1 }, p);
    return protectFilter(filter, await this.fieldsOf(target), (v) => this.records.crypto.searchHash(hashInput(v)));
  }

  async create(p: Principal, input: SegmentInput, lang: Lang): Promise<RecordData> {
    const cfg = packConfig();
    await packObject(this.meta, cfg.segment.object);
    const target = input.targetObject ?? cfg.customer;
    const values = { code: input.code, name: input.name, target_object: target, filter: await this.storable(target, input.filter, p), description: input.description };
    return this.forReader(await this.records.create(cfg.segment.object, values, p, { lang }), p);
  }

  async update(p: Principal, code: string, change: SegmentChange, lang: Lang): Promise<RecordData> {
    const cfg = packConfig();
    await packObject(this.meta, cfg.segment.object);
    const found = (await this.records.query(cfg.segment.object, { filter: { code }, limit: 1 }, p)).items[0];
    if (!found) throw new AppError(404, 'customers.segment_not_found', { code });
    const values: Record<string, unknown> = { version: change.version };
    if (change.name !== undefined) values.name = change.name;
    if (change.description !== undefined) values.description = change.description;
    if (change.filter !== undefined) values.filter = await this.storable(String(found.target_object ?? cfg.customer), change.filter, p);
    return this.forReader(await this.records.patch(cfg.segment.object, String(found.id), values, p, { lang }), p);
  }

  /** A segment as the reader may see its filter (values on fields they may not read in clear masked). */
  async forReader(s: RecordData, p: Principal): Promise<RecordData> {
    if (s.filter === undefined || s.filter === null) return s;
    const target = String(s.target_object ?? packConfig().customer);
    const acc = await this.access.forObject(p, target);
    return { ...s, filter: filterForReader(s.filter, await this.fieldsOf(target), (k) => acc.fieldMode(k), acc.unmask) };
  }

  /** For writes through the records API (in the writer's transaction): refuses a sensitive value in clear. */
  async assertStorable(record: Record<string, unknown>): Promise<void> {
    const target = String(record.target_object ?? packConfig().customer);
    if (hasClearSecrets(record.filter, await this.fieldsOf(target))) throw new AppError(400, 'customers.segment_clear_secret');
  }

  /**
   * Segments saved before sensitive values were hashed: their filters are rewritten in place (the
   * platform's own write, like derived columns: a records update would copy the clear value into
   * the audit entry's "before"). Returns how many were rewritten; the audit entry names them only.
   */
  async protectStored(): Promise<number> {
    const cfg = packConfig();
    const seg = (await this.meta.current()).objects.get(cfg.segment.object);
    if (!seg?.byKey.has('filter')) return 0;
    const page = await this.records.query(seg.key, { sort: 'code', limit: 500 }, null);
    const ids: string[] = [];
    await this.db.tx(async (c) => {
      for (const s of page.items) {
        const fields = await this.fieldsOf(String(s.target_object ?? cfg.customer));
        if (!hasClearSecrets(s.filter, fields)) continue;
        const filter = protectFilter(s.filter, fields, (v) => this.records.crypto.searchHash(hashInput(v)));
        await c.query(`UPDATE ${tableOf(seg.key)} SET ${quoteIdent('filter')} = $2::jsonb, version = version + 1, updated_at = now() WHERE id = $1::uuid`, [s.id, JSON.stringify(filter)]);
        ids.push(String(s.id));
      }
      if (ids.length) await this.audit.record({ action: 'customers.segments_protected', object: seg.key, actorId: null, data: { ids } }, c);
    });
    return ids.length;
  }
}
