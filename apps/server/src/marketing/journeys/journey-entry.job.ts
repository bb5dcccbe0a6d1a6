/**
 * Segment entry as a background job (`journey.enter`): the segment's members, read page by page as
 * the user who started the job (their row scope: a branch's designer enters their branch's
 * customers), enter the journey in batches. A batch's instances, entries and the job's checkpoint (the
 * last member id) commit in one transaction, so a killed server resumes after the last whole batch
 * and nobody enters twice; the re-entry rule is applied per member as for any other entry.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Principal } from '../../auth/principal.js';
import { AppError } from '../../common/app-error.js';
import { RequestContext } from '../../common/request-context.js';
import { Db } from '../../database/db.js';
import { AuditService } from '../../audit/audit.service.js';
import { JobRegistry, type JobContext } from '../../jobs/job-registry.js';
import { JobsService } from '../../jobs/jobs.service.js';
import { ScopedReader } from '../../records/scoped-reader.js';
import { WorkflowRuntime } from '../../workflow/runtime.service.js';
import { JourneysService } from './journeys.service.js';

const KIND = 'journey.enter';
/** Members entered per transaction (one page of the scoped reader). */
const BATCH = 500;
const SEGMENT_OBJECT = 'segment';

interface Params {
  journey: string;
}

interface Cursor {
  page: string | null;
  done: number;
  entered: number;
}

@Injectable()
export class JourneyEntryJob implements OnModuleInit {
  constructor(
    private readonly db: Db,
    private readonly jobs: JobsService,
    private readonly registry: JobRegistry,
    private readonly journeys: JourneysService,
    private readonly reader: ScopedReader,
    private readonly runtime: WorkflowRuntime,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.registry.register({ kind: KIND, run: (ctx) => this.run(ctx) });
  }

  /** 202 `{ jobId }`; one unfinished entry job per journey (409 `job.already_running`). */
  async start(p: Principal, key: string): Promise<{ jobId: string }> {
    const j = await this.journeys.row(this.db.q, key);
    if (j.entry.kind !== 'segment') throw new AppError(400, 'journeys.not_segment_entry');
    if (j.status !== 'active') throw new AppError(409, 'journeys.not_active');
    await this.segmentFilter(p, j.entry.segment);
    const out = await this.jobs.enqueue(KIND, { journey: key } satisfies Params, { createdBy: p.id, dedupeKey: `${KIND}:${key}` });
    await this.audit.record({ action: 'journey.enter_segment', object: 'journey', recordId: key, data: { jobId: out.jobId, segment: j.entry.segment } });
    return out;
  }

  /** The segment's target object and filter, as the user may see the segment (404 when they may not). */
  private async segmentFilter(p: Principal, code: string): Promise<{ object: string; filter: unknown }> {
    let page;
    try {
      page = await this.reader.query(SEGMENT_OBJECT, { filter: { code }, limit: 1 }, p);
    } catch (err) {
      if (err instanceof AppError && err.status < 500) throw new AppError(404, 'journeys.segment_not_found', { segment: code });
      throw err;
    }
    const s = page.items[0];
    if (!s) throw new AppError(404, 'journeys.segment_not_found', { segment: code });
    return { object: typeof s.target_object === 'string' && s.target_object ? s.target_object : 'customer', filter: s.filter ?? {} };
  }

  private async principalOf(id: string | null): Promise<Principal | null> {
    if (!id) return null;
    const u = await this.db.one<{ id: string; username: string; display_name: string | null; roles: string[]; org_unit_id: string | null }>(
      'SELECT id::text AS id, username, display_name, roles, org_unit_id::text AS org_unit_id FROM crm.users WHERE id = $1::uuid AND NOT disabled',
      [id],
    );
    return u ? { id: u.id, username: u.username, displayName: u.display_name, roles: u.roles, orgUnitId: u.org_unit_id, via: 'token' } : null;
  }

  private async run(ctx: JobContext): Promise<Record<string, unknown>> {
    const { journey } = ctx.params as Params;
    const p = await this.principalOf(ctx.createdBy);
    if (!p) throw new AppError(403, 'common.forbidden');
    return RequestContext.run({ requestId: `job-${ctx.id}`, ip: null, lang: 'zh-CN', principal: p }, async () => {
      const j = await this.journeys.row(this.db.q, journey);
      if (j.entry.kind !== 'segment') throw new AppError(400, 'journeys.not_segment_entry');
      if (j.status !== 'active') throw new AppError(409, 'journeys.not_active');
      const { object, filter } = await this.segmentFilter(p, j.entry.segment);
      const cur: Cursor = (ctx.cursor as Cursor | null) ?? { page: null, done: 0, entered: 0 };
      let total: number | undefined;
      for (;;) {
        if (ctx.signal.aborted) return { entered: cur.entered, members: cur.done, stopped: true };
        // Keyset by id alone: a timestamp key would be cut to milliseconds in the cursor and skip rows written in the same statement.
        const page = await this.reader.query(object, { filter, sort: 'id', limit: BATCH, fields: [], total: total === undefined, ...(cur.page ? { cursor: cur.page } : {}) }, p);
        if (total === undefined) total = page.total;
        if (!page.items.length) break;
        const ids = page.items.map((m) => String(m.id));
        const entered = await this.runtime.tx(async (tx) => {
          const n = await this.journeys.enterMany(tx, j, ids, 'segment');
          const next: Cursor = { page: page.nextCursor, done: cur.done + ids.length, entered: cur.entered + n };
          await ctx.progress({ done: next.done, ...(total !== undefined ? { total } : {}), cursor: next }, tx.client);
          return n;
        });
        cur.done += ids.length;
        cur.entered += entered;
        cur.page = page.nextCursor;
        if (!page.nextCursor) break;
      }
      return { entered: cur.entered, members: cur.done };
    });
  }
}
