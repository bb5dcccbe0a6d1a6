/**
 * PIPL requests. A request is a row of crm.privacy_requests (the platform's ledger: status, deadline,
 * the one-time package) run by the pack's BPMN process (`bank_pipl_request`: received → identity
 * verified → [deletions: approved by a second person] → fulfilled → answered; a timer on the statutory
 * deadline escalates), and mirrored into the pack's `pipl_request` record, on which the DPO's reports
 * run. The deadline is CRM_PRIVACY_DEADLINE_DAYS (15) working days of the bank's holiday calendar.
 * The process calls back through service tasks: `privacy-status`, `privacy-fulfil`, `privacy-escalate`.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { PrivacyCorrection, PrivacyHoliday, PrivacyRequest, PrivacyRequestCreated, PrivacyRequestInput, PrivacyRight, PrivacyStatus, RecordData } from '@crm/shared';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { RequestContext } from '../common/request-context.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { RecordsService } from '../records/records.service.js';
import { FilesService } from '../files/files.service.js';
import { DefinitionsService } from '../workflow/definitions.service.js';
import { WorkflowRuntime } from '../workflow/runtime.service.js';
import { SubjectFinder, SUBJECT_OBJECT, type SubjectFindings } from './subject-finder.js';
import { HOLD_REASON_TEXT, type Hold } from './retention-policy.js';
import { addWorkingDays, workingDaysBetween, type Calendar } from './working-days.js';
import { anonymise } from './anonymiser.js';
import { JobsService } from '../jobs/jobs.service.js';
import { EXPORT_JOB } from './privacy-export.job.js';

/** The pack's process and record object for requests. */
export const REQUEST_PROCESS = 'bank_pipl_request';
export const REQUEST_OBJECT = 'pipl_request';
export const CONSENT_OBJECT = 'consent';

interface RequestRow {
  id: string;
  subject_id: string;
  right: PrivacyRight;
  channel: string;
  status: PrivacyStatus;
  escalated_at: Date | null;
  due_at: Date;
  process_instance_id: string | null;
  requested_by: string | null;
  requested_by_name: string | null;
  result: Record<string, unknown> | null;
  package_file: string | null;
  package_downloaded_at: Date | null;
  created_at: Date;
  answered_at: Date | null;
}

const REQUEST_SELECT = `SELECT r.id, r.subject_id, r."right", r.channel, r.status, r.escalated_at, r.due_at, r.process_instance_id, r.requested_by,
    u.username AS requested_by_name, r.result, r.package_file, r.package_downloaded_at, r.created_at, r.answered_at
  FROM crm.privacy_requests r LEFT JOIN crm.users u ON u.id = r.requested_by`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function lang(): 'zh-CN' | 'en' {
  return RequestContext.current()?.lang === 'en' ? 'en' : 'zh-CN';
}

export function holdView(h: Hold, l: 'zh-CN' | 'en' = lang()) {
  return { object: h.object, id: h.id, reason: h.reason, reasonText: HOLD_REASON_TEXT[h.reason][l], until: h.until };
}

@Injectable()
export class PrivacyRequests {
  constructor(
    private readonly db: Db,
    private readonly finder: SubjectFinder,
    private readonly meta: MetadataService,
    private readonly records: RecordsService,
    private readonly files: FilesService,
    private readonly audit: AuditService,
    private readonly defs: DefinitionsService,
    private readonly runtime: WorkflowRuntime,
    private readonly jobs: JobsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  // ---------- the holiday calendar ----------

  async calendar(): Promise<Calendar> {
    const rows = await this.db.query<{ day: string; working: boolean }>(`SELECT to_char(day, 'YYYY-MM-DD') AS day, working FROM crm.privacy_holidays ORDER BY day LIMIT 5000`);
    return new Map(rows.map((r) => [r.day, r.working]));
  }

  async holidays(year?: number): Promise<PrivacyHoliday[]> {
    return this.db.query<PrivacyHoliday>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, name, working FROM crm.privacy_holidays
        WHERE $1::int IS NULL OR extract(year FROM day) = $1::int ORDER BY day LIMIT 1000`,
      [year ?? null],
    );
  }

  async setHoliday(day: string, body: { name: string; working: boolean }): Promise<PrivacyHoliday> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
      throw new AppError(400, 'common.validation_failed', {}, [{ path: '/day', code: 'format', message: 'YYYY-MM-DD' }]);
    }
    await this.db.tx(async (c) => {
      await c.query(
        `INSERT INTO crm.privacy_holidays (day, name, working) VALUES ($1::date, $2, $3)
         ON CONFLICT (day) DO UPDATE SET name = EXCLUDED.name, working = EXCLUDED.working`,
        [day, body.name, body.working],
      );
      await this.audit.record({ action: 'privacy.holiday.set', object: 'privacy_holiday', recordId: day, data: body }, c);
    });
    return { day, name: body.name, working: body.working };
  }

  async removeHoliday(day: string): Promise<void> {
    await this.db.tx(async (c) => {
      const r = await c.query(`DELETE FROM crm.privacy_holidays WHERE day::text = $1`, [day]);
      if (!r.rowCount) throw new AppError(404, 'common.not_found');
      await this.audit.record({ action: 'privacy.holiday.delete', object: 'privacy_holiday', recordId: day }, c);
    });
  }

  // ---------- requests ----------

  async create(p: Principal, body: PrivacyRequestInput): Promise<PrivacyRequestCreated> {
    const subject = await this.finder.find(body.subjectId).then((f) => f.subject);
    const now = new Date();
    const dueAt = addWorkingDays(now, this.config.privacyDeadlineDays, await this.calendar());
    const id = randomUUID();
    const instanceId = await this.runtime.tx(async (ctx) => {
      const c = ctx.client as PoolClient;
      await c.query(
        `INSERT INTO crm.privacy_requests (id, subject_object, subject_id, "right", channel, due_at, requested_by, result)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [id, SUBJECT_OBJECT, subject.id, body.right, body.channel, dueAt, p.id, JSON.stringify(body.note ? { note: body.note } : {})],
      );
      await this.audit.record({ action: 'privacy.request.create', object: 'privacy_request', recordId: id, data: { subject: subject.id, right: body.right, channel: body.channel, dueAt: dueAt.toISOString() } }, c);
      const def = await this.defs.latest(c, REQUEST_PROCESS);
      if (!def) throw new AppError(409, 'privacy.process_missing', { key: REQUEST_PROCESS });
      await this.mirror(c, id, { subject: subject.id, right: body.right, channel: body.channel, status: 'received', due_at: dueAt.toISOString() }, true);
      const row = await this.runtime.start(ctx, def, {
        initiator: p.username,
        businessKey: id,
        variables: { requestId: id, subjectId: subject.id, right: body.right, channel: body.channel, requestedBy: p.username, dueAt: dueAt.toISOString() },
      }, { action: 'workflow.start', object: 'process_instance', data: { key: REQUEST_PROCESS, version: def.version } });
      await c.query(`UPDATE crm.privacy_requests SET process_instance_id = $2 WHERE id = $1`, [id, row.id]);
      return row.id;
    }, undefined, { id: p.id, username: p.username });
    return { id, processInstanceId: instanceId, dueAt: dueAt.toISOString() };
  }

  /** The pack's `pipl_request` record of a request (for the DPO's reports), when the pack provides the object. */
  private async mirror(c: PoolClient, id: string, values: Record<string, unknown>, create = false): Promise<void> {
    const o = (await this.meta.current()).objects.get(REQUEST_OBJECT);
    if (!o) return;
    const known = Object.fromEntries(Object.entries(values).filter(([k]) => o.byKey.has(k)));
    if (create) {
      await this.records.create(REQUEST_OBJECT, { request_id: id, ...known }, null, { lang: 'zh-CN', client: c });
      return;
    }
    const rec = await this.recordOf(c, id);
    if (rec) await this.records.patch(REQUEST_OBJECT, rec.id, { ...known, version: rec.version }, null, { lang: 'zh-CN', client: c });
  }

  private async recordOf(c: PoolClient, requestId: string): Promise<{ id: string; version: number } | null> {
    const page = await this.records.query(REQUEST_OBJECT, { filter: { request_id: requestId }, limit: 1 }, null);
    void c;
    const r = page.items[0];
    return r ? { id: String(r.id), version: Number(r.version) } : null;
  }

  private async row(id: string, c?: PoolClient, lock = false): Promise<RequestRow> {
    if (!UUID.test(id)) throw new AppError(404, 'privacy.request_not_found');
    const q = c ?? this.db.pool;
    const { rows } = await q.query<RequestRow>(
      `${REQUEST_SELECT} WHERE r.id = $1${lock ? ' FOR UPDATE OF r' : ''}`,
      [id],
    );
    if (!rows[0]) throw new AppError(404, 'privacy.request_not_found');
    return rows[0];
  }

  private view(r: RequestRow, title: string | null): PrivacyRequest {
    const { packagePath: _p, ...result } = r.result ?? {};
    return {
      id: r.id, subjectId: r.subject_id, subjectTitle: title, right: r.right, channel: r.channel, status: r.status,
      dueAt: r.due_at.toISOString(), overdue: !r.answered_at && r.due_at.getTime() < Date.now(), escalatedAt: r.escalated_at?.toISOString() ?? null,
      processInstanceId: r.process_instance_id, requestedBy: r.requested_by_name, createdAt: r.created_at.toISOString(), answeredAt: r.answered_at?.toISOString() ?? null,
      ...(Object.keys(result).length ? { result } : {}),
      packageReady: !!r.package_file && !r.package_downloaded_at,
    };
  }

  async get(id: string): Promise<PrivacyRequest> {
    const r = await this.row(id);
    const title = await this.finder.find(r.subject_id).then((f) => f.subject.title, () => null);
    return this.view(r, title);
  }

  async list(q: { status?: PrivacyStatus; subjectId?: string; limit: number }): Promise<PrivacyRequest[]> {
    const { rows } = await this.db.pool.query<RequestRow>(
      `${REQUEST_SELECT}
        WHERE ($1::text IS NULL OR r.status = $1) AND ($2::uuid IS NULL OR r.subject_id = $2)
        ORDER BY r.created_at DESC, r.id LIMIT $3`,
      [q.status ?? null, q.subjectId ?? null, q.limit],
    );
    return rows.map((r) => this.view(r, null));
  }

  // ---------- the process's service tasks ----------

  /** `privacy-status`: the process reached a stage (verified, answered, rejected). */
  async setStatus(id: string, status: PrivacyStatus): Promise<Record<string, unknown>> {
    await this.db.tx(async (c) => {
      const r = await this.row(id, c, true);
      const answered = status === 'answered' || status === 'rejected';
      await c.query(`UPDATE crm.privacy_requests SET status = $2, answered_at = CASE WHEN $3 THEN now() ELSE answered_at END WHERE id = $1`, [id, status, answered]);
      await this.audit.record({ action: 'privacy.request.status', object: 'privacy_request', recordId: id, data: { from: r.status, to: status } }, c);
      const values: Record<string, unknown> = { status };
      if (answered) {
        values.answered_at = new Date().toISOString();
        values.days_to_answer = workingDaysBetween(r.created_at, new Date(), await this.calendar());
      }
      await this.mirror(c, id, values);
    });
    return {};
  }

  /** `privacy-escalate`: the statutory deadline passed with the request still open. */
  async escalate(id: string): Promise<Record<string, unknown>> {
    await this.db.tx(async (c) => {
      const r = await this.row(id, c, true);
      if (r.answered_at) return;
      await c.query(`UPDATE crm.privacy_requests SET escalated_at = now() WHERE id = $1 AND escalated_at IS NULL`, [id]);
      await this.audit.record({ action: 'privacy.request.escalated', object: 'privacy_request', recordId: id, data: { dueAt: r.due_at.toISOString() } }, c);
      await this.mirror(c, id, { escalated: true });
    });
    return { escalated: true };
  }

  /** `privacy-fulfil`: does what the right asks; its outcome is the request's `result`. */
  async fulfil(id: string, by: { id: string; username: string } | null): Promise<Record<string, unknown>> {
    const r = await this.row(id);
    if (r.status === 'fulfilled' || r.status === 'answered') return {};
    const findings = await this.finder.find(r.subject_id);
    let result: Record<string, unknown>;
    if (r.right === 'delete') result = await this.erase(r, findings);
    else if (r.right === 'withdraw') result = await this.withdraw(r, findings);
    else if (r.right === 'copy') result = { ...this.summary(findings), package: await this.copy(r) };
    else result = this.summary(findings);
    await this.db.tx(async (c) => {
      await c.query(`UPDATE crm.privacy_requests SET status = 'fulfilled', result = coalesce(result, '{}'::jsonb) || $2::jsonb, handler_id = coalesce(handler_id, $3::uuid) WHERE id = $1`,
        [id, JSON.stringify(result), by?.id ?? null]);
      await this.audit.record({ action: 'privacy.request.fulfilled', object: 'privacy_request', recordId: id, data: { right: r.right, counts: result.counts ?? null } }, c);
      await this.mirror(c, id, { status: 'fulfilled' });
    });
    return { fulfilled: true };
  }

  /** The copy package: built by a background job (its starter is the request's handler), kept for their one download. */
  private async copy(r: RequestRow): Promise<Record<string, unknown>> {
    const { jobId } = await this.jobs.enqueue(EXPORT_JOB, { requestId: r.id, subjectId: r.subject_id }, { createdBy: r.requested_by, dedupeKey: `${EXPORT_JOB}:${r.id}` });
    await this.db.query(`UPDATE crm.privacy_requests SET job_id = $2 WHERE id = $1`, [r.id, jobId]);
    return { jobId };
  }

  /**
   * A correction (art. 46): the ordinary record update, as the caller (their object rights, field modes
   * and validation apply), of a record that belongs to the request's subject — with the request as the
   * audited reason, in the same transaction.
   */
  async correct(p: Principal, id: string, body: PrivacyCorrection): Promise<RecordData> {
    const r = await this.row(id);
    if (r.right !== 'correct') throw new AppError(409, 'privacy.not_correctable');
    if (r.status === 'answered' || r.status === 'rejected') throw new AppError(409, 'privacy.request_closed');
    const findings = await this.finder.find(r.subject_id);
    if (!findings.records.some((x) => x.object === body.object && x.id === body.recordId)) throw new AppError(409, 'privacy.not_correctable');
    return this.db.tx(async (c) => {
      const out = await this.records.patch(body.object, body.recordId, { ...body.changes, version: body.version }, p, { lang: lang(), client: c });
      await this.audit.record({ action: 'privacy.correct', object: body.object, recordId: body.recordId, data: { request: id, fields: Object.keys(body.changes) } }, c);
      await c.query(`UPDATE crm.privacy_requests SET result = coalesce(result, '{}'::jsonb) || jsonb_build_object('corrections', coalesce(result->'corrections', '[]'::jsonb) || $2::jsonb) WHERE id = $1`,
        [id, JSON.stringify([{ object: body.object, id: body.recordId, fields: Object.keys(body.changes) }])]);
      return out;
    });
  }

  /** What was found, by object, and what the holds keep (access; the answer of a copy). */
  summary(f: SubjectFindings): Record<string, unknown> {
    const counts: Record<string, number> = {};
    for (const rec of f.records) counts[rec.object] = (counts[rec.object] ?? 0) + 1;
    return { counts, attachments: f.attachments.length, processes: f.processes.length, auditEntries: f.audit.length, holds: f.holds.map((h) => holdView(h, 'zh-CN')) };
  }

  private async erase(r: RequestRow, findings: SubjectFindings): Promise<Record<string, unknown>> {
    const objects = new Map((await this.meta.objects()).map((o) => [o.key, o]));
    const outcome = await this.db.tx((c) =>
      anonymise(c, findings, objects, this.audit, r.id, (ids) => this.files.erase(ids, { request: r.id }, c)));
    const anonymised: Record<string, number> = {};
    for (const a of outcome.anonymised) anonymised[a.object] = (anonymised[a.object] ?? 0) + 1;
    return { counts: anonymised, anonymised: outcome.anonymised.length, erasedFiles: outcome.erasedFiles, kept: findings.holds.map((h) => holdView(h, 'zh-CN')) };
  }

  /** Consent withdrawal: every consent of the subject not yet withdrawn is marked withdrawn in the ledger, now. */
  private async withdraw(r: RequestRow, findings: SubjectFindings): Promise<Record<string, unknown>> {
    const withdrawn: { id: string; purpose: unknown }[] = [];
    const at = new Date().toISOString();
    await this.db.tx(async (c) => {
      for (const rec of findings.records) {
        if (rec.object !== CONSENT_OBJECT || rec.row.withdrawn === true) continue;
        await this.records.patch(CONSENT_OBJECT, rec.id, { withdrawn: true, withdrawn_at: at, version: rec.row.version }, null, { lang: 'zh-CN', client: c });
        await this.audit.record({ action: 'privacy.consent.withdrawn', object: CONSENT_OBJECT, recordId: rec.id, data: { request: r.id, purpose: rec.row.purpose ?? null } }, c);
        withdrawn.push({ id: rec.id, purpose: rec.row.purpose ?? null });
      }
    });
    return { counts: { [CONSENT_OBJECT]: withdrawn.length }, withdrawn, withdrawnAt: at };
  }
}
