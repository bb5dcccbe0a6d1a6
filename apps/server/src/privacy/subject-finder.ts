/**
 * Finding everything about a data subject (PIPL art. 45): from a customer record, through the relation
 * fields that metadata declares, to every record that belongs to them — with no code per object. An
 * object declares once (`subjectField`, in the object designer) which relation field makes its records
 * the subject's; a declaration may point at the subject object itself or at another declared object
 * (a follow-up of a complaint belongs to the complaint's customer), and the walk follows those chains.
 * Every relation field of a declared object that names a found record counts (a relationship's
 * `to_customer` as well as its `from_customer`). Reads are named system reads, bounded per object.
 * Also found: the records' attachments, process instances whose business data names them, and audit
 * entries about them; and the legal holds on what was found.
 */
import { Inject, Injectable } from '@nestjs/common';
import { maskValue, type FieldDef } from '@crm/form-engine';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { MetadataService } from '../metadata/metadata.service.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import { hashColumn, isEncrypted } from '../metadata/field-types.js';
import type { FieldCrypto } from '../crypto/field-crypto.js';
import { decodeRow, hashInput } from '../records/record-codec.js';
import { systemRead, systemRecordsByKey, systemRowsReferring } from '../records/system-reads.js';
import { FilesService } from '../files/files.service.js';
import { AuditService } from '../audit/audit.service.js';
import { ProcessInstancesService } from '../workflow/process-instances.service.js';
import { evaluateHolds, holdRules, type Hold } from './retention-policy.js';
import './privacy.messages.js';

/** The object whose records are data subjects. */
export const SUBJECT_OBJECT = 'customer';
/** At most this many records of one object are collected for one subject (a bound on every read). */
export const PER_OBJECT_LIMIT = 5000;
const WALK_DEPTH = 4;

export interface FoundRecord {
  object: string;
  id: string;
  title: string;
  /** The stored record, decrypted: for the server's own work (export, anonymisation), never sent as is. */
  row: Record<string, unknown>;
}

export interface SubjectFindings {
  subject: FoundRecord;
  /** The subject's own record first, then every record that belongs to them, by object. */
  records: FoundRecord[];
  attachments: { id: string; name: string; size: number; contentType: string; sha256: string; object: string; recordId: string; field: string }[];
  processes: { id: string; definitionKey: string; status: string; startedAt: string }[];
  audit: { seq: number; at: string; action: string; object: string | null; recordId: string | null }[];
  holds: Hold[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function titleOf(o: ObjectMeta, row: Record<string, unknown>): string {
  const f = o.titleField ? o.byKey.get(o.titleField) : undefined;
  const v = f ? row[f.key] : null;
  if (v === null || v === undefined || v === '') return String(row.id);
  return String(isEncrypted(f!) ? maskValue(f!, v) : v);
}

function attachmentIds(f: FieldDef, v: unknown): string[] {
  if (f.type !== 'attachment' || v === null || v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string' && UUID.test(x));
}

@Injectable()
export class SubjectFinder {
  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly files: FilesService,
    private readonly audit: AuditService,
    private readonly instances: ProcessInstancesService,
    @Inject('FIELD_CRYPTO') private readonly crypto: FieldCrypto,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Objects that declare a subject field, with the relation fields of each that may point at found records. */
  async declared(): Promise<{ o: ObjectMeta; subjectField: FieldDef; relations: FieldDef[] }[]> {
    const out: { o: ObjectMeta; subjectField: FieldDef; relations: FieldDef[] }[] = [];
    for (const o of await this.meta.objects()) {
      const sf = o.subjectField ? o.byKey.get(o.subjectField) : undefined;
      if (!sf || sf.type !== 'relation' || isEncrypted(sf) || o.key === SUBJECT_OBJECT) continue;
      out.push({ o, subjectField: sf, relations: o.fields.filter((f) => f.type === 'relation' && !isEncrypted(f)) });
    }
    return out;
  }

  /** Customers whose ID number or mobile is `value`, through the fields' keyed search hashes (never a clear-text scan). */
  async lookup(by: { idNumber?: string; mobile?: string }): Promise<{ id: string; title: string }[]> {
    const o = await this.meta.object(SUBJECT_OBJECT);
    const wanted: [FieldDef | undefined, string | undefined][] = [
      [o.fields.find((f) => f.type === 'cn_id_number'), by.idNumber],
      [o.fields.find((f) => f.type === 'phone'), by.mobile],
    ];
    const ids = new Set<string>();
    for (const [f, v] of wanted) {
      if (!f || !v) continue;
      const column = isEncrypted(f) ? hashColumn(f.key) : f.key;
      const value = isEncrypted(f) ? this.crypto.searchHash(hashInput(v)) : v;
      for (const r of await systemRecordsByKey(this.db.q, systemRead('privacy: find a data subject by an identifier'), o.key, column, 'text', value)) ids.add(r.id);
    }
    const out: { id: string; title: string }[] = [];
    for (const id of ids) {
      const [row] = await systemRowsReferring(this.db.q, systemRead('privacy: the data subject'), o.key, ['id'], [id], 1);
      if (row) out.push({ id, title: titleOf(o, decodeRow(o.fields, row, this.crypto)) });
    }
    return out;
  }

  async find(customerId: string): Promise<SubjectFindings> {
    const o = await this.meta.object(SUBJECT_OBJECT).catch(() => {
      throw new AppError(404, 'privacy.subject_not_found');
    });
    if (!UUID.test(customerId)) throw new AppError(404, 'privacy.subject_not_found');
    const [raw] = await systemRowsReferring(this.db.q, systemRead('privacy: the data subject'), o.key, ['id'], [customerId], 1);
    if (!raw) throw new AppError(404, 'privacy.subject_not_found');
    const subjectRow = decodeRow(o.fields, raw, this.crypto);
    const subject: FoundRecord = { object: o.key, id: customerId, title: titleOf(o, subjectRow), row: subjectRow };

    // Found ids per object; the walk adds records of declared objects whose relations name found ones.
    const found = new Map<string, Map<string, FoundRecord>>([[o.key, new Map([[customerId, subject]])]]);
    const declared = await this.declared();
    for (let depth = 0; depth < WALK_DEPTH; depth++) {
      let grew = false;
      for (const d of declared) {
        const columns = d.relations.filter((f) => found.has(f.target!)).map((f) => f.key);
        const ids = [...new Set(d.relations.filter((f) => found.has(f.target!)).flatMap((f) => [...found.get(f.target!)!.keys()]))];
        if (!columns.length) continue;
        const rows = await systemRowsReferring(this.db.q, systemRead('privacy: records about a data subject'), d.o.key, columns, ids, PER_OBJECT_LIMIT);
        const mine = found.get(d.o.key) ?? new Map<string, FoundRecord>();
        for (const r of rows) {
          const id = String(r.id);
          if (mine.has(id)) continue;
          // A record belongs to the subject through its subject field; other relations (a relationship's
          // other side) still name them, so it is theirs too.
          const row = decodeRow(d.o.fields, r, this.crypto);
          mine.set(id, { object: d.o.key, id, title: titleOf(d.o, row), row });
          grew = true;
        }
        if (mine.size) found.set(d.o.key, mine);
      }
      if (!grew) break;
    }

    const records: FoundRecord[] = [...found.values()].flatMap((m) => [...m.values()]);
    const objects = new Map((await this.meta.objects()).map((x) => [x.key, x]));
    const attachmentRefs: { id: string; object: string; recordId: string; field: string }[] = [];
    for (const r of records) {
      for (const f of objects.get(r.object)?.fields ?? []) {
        for (const id of attachmentIds(f, r.row[f.key])) attachmentRefs.push({ id, object: r.object, recordId: r.id, field: f.key });
      }
    }
    const described = new Map((await this.files.describe([...new Set(attachmentRefs.map((a) => a.id))])).map((f) => [f.id, f]));
    const attachments = attachmentRefs.filter((a) => described.has(a.id)).map((a) => ({ ...described.get(a.id)!, ...a }));
    const ids = records.map((r) => r.id);
    const processes = await this.instances.about(customerId, ids, 500);
    const audit = await this.audit.about([...ids, ...processes.map((p) => p.id)], 1000);
    const byObject = new Map<string, Record<string, unknown>[]>();
    for (const r of records) byObject.set(r.object, [...(byObject.get(r.object) ?? []), r.row]);
    const holds = evaluateHolds(holdRules(this.config.privacyAmlYears), byObject);
    return { subject, records, attachments, processes, audit, holds };
  }
}
