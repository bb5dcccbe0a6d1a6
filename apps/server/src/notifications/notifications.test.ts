/**
 * The notification store on a real PostgreSQL: who a new or handed-over task notifies (assignee,
 * candidates by role and by org unit above them, never an excluded or disabled user, not on a claim),
 * the SLA sweep at an injected time (once near, once over), the latest 200 kept per user (trimmed every 32nd insert), and stream
 * tickets (single use, expiring by the injected clock).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Logger } from 'pino';
import { scratchDatabase, type ScratchDatabase } from '../database/scratch-database.test-util.js';
import { NotificationsService, SLA_WARN_MS, TICKET_TTL_MS } from './notifications.service.js';

const silent = { warn: () => undefined } as unknown as Logger;

describe('notifications', () => {
  let scratch: ScratchDatabase;
  let now = new Date('2026-03-02T09:00:00Z');
  let store: NotificationsService;
  const users: Record<string, string> = {};
  let instance = '';
  let n = 0;

  const kinds = async (who: string) =>
    (await scratch.db.query<{ kind: string; ref: string }>('SELECT kind, ref FROM crm.notifications WHERE user_id = $1 ORDER BY seq', [users[who]])).map((r) => `${r.kind}:${r.ref}`);
  const task = async (cols: { assignee?: string; groups?: string[]; units?: string[]; exclude?: string[]; due?: Date }) => {
    const id = `task-${++n}`;
    await scratch.db.query(
      `INSERT INTO crm.wf_tasks (id, instance_id, definition_key, activity_id, name, assignee, candidate_groups, candidate_org_units, exclude_users, due_at, created_at)
       VALUES ($1, $2, 'p', 'a', '审批', $3, $4, $5, $6, $7, now())`,
      [id, instance, cols.assignee ?? null, cols.groups ?? [], cols.units ?? [], cols.exclude ?? [], cols.due ?? null],
    );
    return id;
  };

  beforeAll(async () => {
    scratch = await scratchDatabase('notify', 4);
    store = new NotificationsService(scratch.db, () => now, silent);
    const [branch] = await scratch.db.query<{ id: string }>(`INSERT INTO crm.org_units (name, code, path) VALUES ('分行', 'BR1', '{}') RETURNING id`);
    await scratch.db.query('UPDATE crm.org_units SET path = ARRAY[id] WHERE id = $1', [branch!.id]);
    const [team] = await scratch.db.query<{ id: string }>(`INSERT INTO crm.org_units (name, parent_id, path) VALUES ('团队', $1, ARRAY[$1::uuid]) RETURNING id`, [branch!.id]);
    await scratch.db.query('UPDATE crm.org_units SET path = path || id WHERE id = $1', [team!.id]);
    for (const [name, roles, unit, disabled] of [
      ['rm1', ['rm'], team!.id, false], ['rm2', ['rm'], null, false], ['gone', ['rm'], null, true], ['mgr', ['manager'], null, false], ['teller', ['teller'], team!.id, false],
    ] as const) {
      const [u] = await scratch.db.query<{ id: string }>(
        `INSERT INTO crm.users (username, password_hash, roles, org_unit_id, disabled) VALUES ($1, 'x', $2, $3, $4) RETURNING id`, [name, roles, unit, disabled]);
      users[name] = u!.id;
    }
    const [def] = await scratch.db.query<{ id: string }>(`INSERT INTO crm.wf_definitions (key, version, xml, model) VALUES ('p', 1, '<x/>', '{}') RETURNING id`);
    instance = '00000000-0000-4000-8000-000000000001';
    await scratch.db.query(`INSERT INTO crm.wf_instances (id, definition_id, definition_key, version, status, state, started_at, updated_at) VALUES ($1, $2, 'p', 1, 'active', '{}', now(), now())`, [instance, def!.id]);
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  it('notifies the people a new task waits for, and a handover, not a claim', async () => {
    const byRole = await task({ groups: ['rm'], exclude: ['rm2'] });
    expect(await kinds('rm1')).toEqual([`task.candidate:${byRole}`]);
    expect(await kinds('rm2')).toEqual([]);
    expect(await kinds('gone')).toEqual([]);
    expect(await kinds('mgr')).toEqual([]);
    // A candidate org unit reaches the users of that unit and of the units below it, by code or id.
    const byUnit = await task({ units: ['BR1'] });
    expect(await kinds('teller')).toEqual([`task.candidate:${byUnit}`]);
    const named = await task({ assignee: 'mgr' });
    expect(await kinds('mgr')).toEqual([`task.assigned:${named}`]);
    // rm1 claims the role task: nothing new; the manager hands it over to rm2: rm2 hears of it.
    await scratch.db.query(`UPDATE crm.wf_tasks SET assignee = 'rm1', claimed_at = now() WHERE id = $1`, [byRole]);
    expect(await kinds('rm1')).toHaveLength(2);
    await scratch.db.query(`UPDATE crm.wf_tasks SET assignee = $2 WHERE id = $1`, [byRole, users.rm2]);
    expect(await kinds('rm2')).toEqual([`task.assigned:${byRole}`]);
  });

  it('warns once when a task comes near its due time and once when it is over', async () => {
    const due = new Date(now.getTime() + SLA_WARN_MS / 2);
    const late = await task({ assignee: 'rm2', due });
    const far = await task({ assignee: 'rm2', due: new Date(now.getTime() + SLA_WARN_MS * 3) });
    expect(await store.sweepSla(now)).toBe(1);
    expect(await store.sweepSla(now)).toBe(0);
    expect((await kinds('rm2')).filter((k) => k.startsWith('task.sla'))).toEqual([`task.sla_near:${late}`]);
    expect(await store.sweepSla(new Date(due.getTime() + 60_000))).toBe(1);
    expect(await store.sweepSla(new Date(due.getTime() + 120_000))).toBe(0);
    expect((await kinds('rm2')).filter((k) => k.startsWith('task.sla'))).toEqual([`task.sla_near:${late}`, `task.sla_over:${late}`]);
    // A finished task is not warned about.
    await scratch.db.query(`UPDATE crm.wf_tasks SET status = 'completed' WHERE id = $1`, [far]);
    expect(await store.sweepSla(new Date(now.getTime() + SLA_WARN_MS * 4))).toBe(0);
  });

  it('keeps the latest 200 per user', async () => {
    await scratch.db.query(`INSERT INTO crm.notifications (user_id, kind, ref, title) SELECT $1, 'job.done', 'j' || g, 'x' FROM generate_series(1, 205) g`, [users.mgr]);
    const left = await scratch.db.query<{ ref: string }>('SELECT ref FROM crm.notifications WHERE user_id = $1 ORDER BY seq', [users.mgr]);
    expect(left).toHaveLength(200);
    expect(left[0]!.ref).toBe('j6');
    // One at a time, as tasks arrive: one insert in 32 trims back to the latest 200; other users keep theirs.
    const others = await kinds('rm1');
    for (let i = 1; i <= 40; i++) await scratch.db.query(`INSERT INTO crm.notifications (user_id, kind, ref, title) VALUES ($1, 'job.done', $2, 'x')`, [users.mgr, `k${i}`]);
    const after = (await scratch.db.query<{ ref: string }>('SELECT ref FROM crm.notifications WHERE user_id = $1 ORDER BY seq', [users.mgr])).map((r) => r.ref);
    expect(after.length).toBeGreaterThanOrEqual(200);
    expect(after.length).toBeLessThan(232);
    const all = [...Array.from({ length: 205 }, (_, i) => `j${i + 1}`), ...Array.from({ length: 40 }, (_, i) => `k${i + 1}`)];
    expect(after).toEqual(all.slice(all.length - after.length));
    expect(await kinds('rm1')).toEqual(others);
  });

  it('a stream ticket opens one stream, within its time, for an active user', async () => {
    const p = { id: users.rm1!, username: 'rm1', displayName: null, roles: ['rm'], orgUnitId: null, via: 'token' as const };
    const once = await store.issueTicket(p);
    expect(await store.redeemTicket(String(once.ticket))).toBe(users.rm1);
    expect(await store.redeemTicket(String(once.ticket))).toBeNull();
    const late = await store.issueTicket(p);
    now = new Date(now.getTime() + TICKET_TTL_MS + 1);
    expect(await store.redeemTicket(String(late.ticket))).toBeNull();
    const off = await store.issueTicket({ ...p, id: users.gone! });
    expect(await store.redeemTicket(String(off.ticket))).toBeNull();
    expect(await store.redeemTicket('no-such-ticket-at-all-0000000000')).toBeNull();
  });
});
