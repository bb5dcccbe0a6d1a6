/**
 * Segments of the bank pack: saved filters over customers (or another target object), their counts
 * and members as the caller may see them, and a process started once per member.
 */
import type { Items, Page, RecordData, SegmentWithCount } from '@crm/shared';
import { Injectable } from '@nestjs/common';
import { AppError } from '../../../common/app-error.js';
import type { Principal } from '../../../auth/principal.js';
import { RecordsService } from '../../../records/records.service.js';
import { ProcessInstancesService } from '../../../workflow/process-instances.service.js';
import { packConfig } from './bank-pack.js';
import { SegmentDefinitions } from './segment-definitions.js';

@Injectable()
export class SegmentsService {
  constructor(
    private readonly records: RecordsService,
    private readonly instances: ProcessInstancesService,
    private readonly segmentDefs: SegmentDefinitions,
  ) {}

  async segments(p: Principal): Promise<Items<SegmentWithCount>> {
    const cfg = packConfig();
    const page = await this.records.query(cfg.segment.object, { sort: 'code', limit: 200 }, p);
    const items: SegmentWithCount[] = [];
    for (const s of page.items) items.push({ ...(await this.segmentDefs.forReader(s, p)), ...(await this.count(s, p)) });
    return { items };
  }

  private async segment(code: string, p: Principal): Promise<RecordData> {
    const cfg = packConfig();
    const page = await this.records.query(cfg.segment.object, { filter: { code }, limit: 1 }, p);
    const s = page.items[0];
    if (!s) throw new AppError(404, 'customers.segment_not_found', { code });
    return s;
  }

  private async count(s: Record<string, unknown>, p: Principal): Promise<{ count: number | null; error?: string }> {
    try {
      const r = await this.records.query(String(s.target_object ?? packConfig().customer), { filter: s.filter, limit: 1, total: true }, p);
      return { count: r.total ?? 0 };
    } catch (err) {
      if (err instanceof AppError) return { count: null, error: err.code };
      throw err;
    }
  }

  async segmentWithCount(code: string, p: Principal): Promise<SegmentWithCount> {
    const s = await this.segment(code, p);
    return { ...(await this.segmentDefs.forReader(s, p)), ...(await this.count(s, p)) };
  }

  async members(code: string, p: Principal, q: { limit: number; cursor?: string }): Promise<Page<RecordData>> {
    const s = await this.segment(code, p);
    return this.records.query(String(s.target_object ?? packConfig().customer), { filter: s.filter, limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}), total: true }, p);
  }

  /** Starts a process once per member of a segment (a campaign or review run), up to `max`, as the caller. */
  async startForSegment(code: string, p: Principal, processKey: string, max: number): Promise<{ started: number; instances: string[] }> {
    const s = await this.segment(code, p);
    const object = String(s.target_object ?? packConfig().customer);
    const instances: string[] = [];
    let cursor: string | undefined;
    while (instances.length < max) {
      const page = await this.records.query(object, { filter: s.filter, limit: Math.min(200, max - instances.length), ...(cursor ? { cursor } : {}) }, p);
      for (const m of page.items) {
        const inst = await this.instances.start(p, processKey, { variables: { customer: m.id, customerId: m.id, segment: code }, businessKey: String(m.id) });
        instances.push(String(inst.id));
      }
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return { started: instances.length, instances };
  }
}
