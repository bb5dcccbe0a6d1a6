/**
 * Call-centre screen pop: the customer behind an incoming mobile number (or an ID number) in
 * milliseconds, through the keyed search hash of the encrypted field, as the caller may see them
 * (their row scope and masks; the number asked for is never echoed in clear), with a short 360°
 * summary. A single match logs the call as an interaction when the caller may create interactions.
 * The lookup itself is audited with the number masked.
 */
import type { CustomerLookupResult } from '@crm/shared';
import { Injectable } from '@nestjs/common';
import { maskValue } from '@crm/form-engine';
import { AccessService } from '../../../access/access.service.js';
import { AuditService } from '../../../audit/audit.service.js';
import type { Principal } from '../../../auth/principal.js';
import { MetadataService } from '../../../metadata/metadata.service.js';
import { RecordsService } from '../../../records/records.service.js';
import { ScopedReader } from '../../../records/scoped-reader.js';
import { hashInput } from '../../../records/record-codec.js';
import { hashColumn, quoteIdent } from '../../../metadata/field-types.js';
import { Db } from '../../../database/db.js';
import { packConfig, packObject } from './bank-pack.js';

/** What a screen pop shows of a customer (each field only as the caller may read it). */
const SUMMARY_FIELDS = ['customer_no', 'name', 'customer_type', 'mobile', 'segment', 'aum', 'risk_level', 'kyc_status', 'tags', 'rule_tags', 'in_guarantee_circle'];
const MAX_MATCHES = 5;

/** A mobile number as stored: digits only, without the +86 / 0086 country prefix. */
export function normalizedMobile(raw: string): string {
  const digits = raw.replace(/[^0-9]/g, '');
  return digits.replace(/^(0086|86)(?=1\d{10}$)/, '');
}

@Injectable()
export class CustomerLookupService {
  constructor(
    private readonly meta: MetadataService,
    private readonly db: Db,
    private readonly records: RecordsService,
    private readonly reader: ScopedReader,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  async lookup(q: { phone?: string; idNumber?: string; log: '0' | '1' }, p: Principal): Promise<CustomerLookupResult> {
    const cfg = packConfig();
    const cust = await packObject(this.meta, cfg.customer, ['mobile', 'id_number']);
    const [field, value] = q.phone !== undefined ? ['mobile', normalizedMobile(q.phone)] : ['id_number', q.idNumber!.toUpperCase()];
    // An exact-number search inside the caller's row scope only, on the keyed search hash of the
    // encrypted field (a customer manager sees the number masked, so the list filter would refuse
    // it); every hit is then read through the scoped reader as the caller may see it.
    const params: unknown[] = [this.records.crypto.searchHash(hashInput(value)), MAX_MATCHES];
    const scoped = await this.reader.source(cust.key, p, 'read', params);
    const ids = await this.db.query<{ id: string }>(`SELECT t.id::text AS id FROM ${scoped.sql} WHERE t.${quoteIdent(hashColumn(field))} = $1 ORDER BY t.id LIMIT $2`, params);
    const items: CustomerLookupResult['items'] = [];
    for (const { id } of ids) {
      const c = await this.reader.get(cust.key, id, p);
      const out: CustomerLookupResult['items'][number] = { id: c.id };
      for (const k of SUMMARY_FIELDS) if (k in c) out[k] = c[k];
      items.push(out);
    }
    const def = cust.byKey.get(field)!;
    await this.audit.record({ action: 'customers.lookup', object: cust.key, data: { by: field, value: maskValue(def, value), matches: items.length } });
    let interactionId: string | null = null;
    if (q.log === '1' && items.length === 1 && (await this.access.forObject(p, cfg.interaction.object)).can('create')) {
      const made = await this.records.create(
        cfg.interaction.object,
        { [cfg.interaction.customer]: items[0]!.id, kind: 'call', subject: '来电弹屏 / Incoming call', [cfg.interaction.at]: new Date().toISOString() },
        p,
        { lang: 'zh-CN' },
      );
      interactionId = String(made.id);
    }
    return { items, interactionId };
  }
}
