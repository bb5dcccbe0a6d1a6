/**
 * Who may do what in the workflow module: platform rights of the caller's roles and the org units a
 * user belongs to (the unit and its ancestors, by id and code), both cached until a change is notified.
 */
import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.js';
import { ChangeFeed } from '../database/change-feed.js';
import { NotifiedCache } from '../database/notified-cache.js';
import type { Principal } from '../auth/principal.js';
import type { PlatformRight } from '../access/platform-rights.js';
import { AccessService } from '../access/access.service.js';
import { AppError } from '../common/app-error.js';

const TTL_MS = 5000;

export interface TaskAccessRow {
  assignee: string | null;
  candidate_groups: string[];
  candidate_org_units: string[];
  exclude_users: string[];
}

@Injectable()
export class WorkflowAccess {
  private readonly units: NotifiedCache<string[]>;

  constructor(
    private readonly db: Db,
    private readonly access: AccessService,
    feed: ChangeFeed,
  ) {
    this.units = new NotifiedCache(feed, 'org_units', { fallbackMs: TTL_MS, liveMs: 60_000, maxEntries: 10_000 });
  }

  rightsOf(p: Principal): Promise<Set<string>> {
    return this.access.platformRights(p.roles);
  }

  async has(p: Principal, ...any: PlatformRight[]): Promise<boolean> {
    const r = await this.rightsOf(p);
    return any.some((x) => r.has(x));
  }

  async require(p: Principal, ...any: PlatformRight[]): Promise<void> {
    if (!(await this.has(p, ...any))) throw new AppError(403, 'common.forbidden');
  }

  /** Ids and codes of the caller's org unit and every unit above it: a candidate unit matches any of them. */
  async unitKeysOf(p: Principal): Promise<string[]> {
    const unit = p.orgUnitId;
    if (!unit) return [];
    return this.units.get(unit, async () => {
      const rows = await this.db.query<{ id: string; code: string | null }>(
        `SELECT u.id::text AS id, u.code FROM crm.org_units me JOIN crm.org_units u ON u.id = ANY(me.path) WHERE me.id = $1`,
        [unit],
      );
      return rows.flatMap((r) => (r.code ? [r.id, r.code] : [r.id]));
    });
  }

  isMe(p: Principal, user: string | null | undefined): boolean {
    return !!user && (user === p.username || user === p.id);
  }

  /** Assignee, or (unassigned) a candidate by role or org unit. Four-eyes is checked separately. */
  async mayWork(p: Principal, t: TaskAccessRow): Promise<boolean> {
    if (t.assignee) return this.isMe(p, t.assignee);
    return this.isCandidate(p, t);
  }

  /** A candidate by role or org unit, whether or not someone has claimed the task since. */
  async isCandidate(p: Principal, t: TaskAccessRow): Promise<boolean> {
    if (t.candidate_groups.some((g) => p.roles.includes(g))) return true;
    if (t.candidate_org_units.length) {
      const mine = await this.unitKeysOf(p);
      if (t.candidate_org_units.some((u) => mine.includes(u))) return true;
    }
    // A task nobody is named for is left to process administrators.
    if (!t.candidate_groups.length && !t.candidate_org_units.length) return this.has(p, 'process.admin');
    return false;
  }

  /** Whether the caller started the instance, or works or worked one of its tasks. */
  async involved(p: Principal, instance: { id: string; initiator: string | null }): Promise<boolean> {
    if (this.isMe(p, instance.initiator)) return true;
    const tasks = await this.db.query<TaskAccessRow & { completed_by: string | null; status: string }>(
      'SELECT assignee, candidate_groups, candidate_org_units, exclude_users, completed_by, status FROM crm.wf_tasks WHERE instance_id = $1 LIMIT 500',
      [instance.id],
    );
    for (const t of tasks) {
      if (this.isMe(p, t.completed_by)) return true;
      if (t.status === 'open' && (await this.mayWork(p, t))) return true;
    }
    return false;
  }

  excluded(p: Principal, t: TaskAccessRow): boolean {
    return t.exclude_users.some((u) => this.isMe(p, u));
  }
}
