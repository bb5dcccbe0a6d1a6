/**
 * The step cache keeps what an optimistic step left — an active instance and the tasks it opened —
 * hands out copies, drops closed tasks and ended instances, and stays within its bound.
 */
import { describe, expect, it } from '@jest/globals';
import type { InstanceState, TaskInfo } from '@crm/workflow-engine';
import { StepCache } from './step-cache.js';
import { emptyWrite, type InstanceRow, type StepWrite } from './workflow.repository.js';

const NOW = '2026-06-30T12:00:00.000Z';

function row(id: string, status: InstanceRow['status'] = 'active', rev = 2): InstanceRow {
  return {
    id, definition_id: 'd', definition_key: 'p', version: 1, business_key: null, status, state: { status } as unknown as InstanceState, rev,
    initiator: 'rm', parent_id: null, parent_call_id: null, started_at: new Date(NOW), updated_at: new Date(NOW), ended_at: null,
  };
}

function write(instanceId: string, opened: string[], closed: string[] = []): StepWrite {
  const w = emptyWrite({ op: 'update', id: instanceId, state: {} as InstanceState, status: 'active', ended: false, rev: 1 }, NOW);
  w.newTasks = opened.map((taskId) => ({ t: { taskId, activityId: `act-${taskId}`, candidateGroups: ['manager'], candidateOrgUnits: [], excludeUsers: ['rm'] } as unknown as TaskInfo, definitionKey: 'p', status: 'open' as const }));
  w.closeTasks = closed.map((id) => ({ id, status: 'completed' as const, by: 'manager' }));
  return w;
}

describe('the step cache', () => {
  it('answers a task it saw opened, with its instance, as copies', () => {
    const c = new StepCache();
    c.remember(row('i1'), write('i1', ['t1']));
    const hit = c.task('t1')!;
    expect(hit.task).toMatchObject({ id: 't1', instance_id: 'i1', activity_id: 'act-t1', assignee: null, status: 'open', exclude_users: ['rm'], candidate_groups: ['manager'] });
    expect(hit.row.rev).toBe(2);
    hit.row.rev = 99;
    hit.task.assignee = 'someone';
    expect(c.task('t1')!.row.rev).toBe(2);
    expect(c.task('t1')!.task.assignee).toBeNull();
    expect(c.task('nope')).toBeUndefined();
  });

  it('drops a task the next step closed and keeps the instance\'s other open tasks', () => {
    const c = new StepCache();
    c.remember(row('i1'), write('i1', ['a', 'b']));
    c.remember(row('i1', 'active', 3), write('i1', ['c'], ['a']));
    expect(c.task('a')).toBeUndefined();
    expect(c.task('b')!.row.rev).toBe(3);
    expect(c.task('c')!.row.rev).toBe(3);
  });

  it('forgets an instance that is no longer active, on request, and by task', () => {
    const c = new StepCache();
    c.remember(row('i1'), write('i1', ['a']));
    c.remember(row('i1', 'completed', 3), write('i1', [], ['a']));
    expect(c.task('a')).toBeUndefined();
    c.remember(row('i2'), write('i2', ['b', 'x']));
    c.forgetTask('b');
    expect(c.task('x')).toBeUndefined();
    c.remember(row('i3'), write('i3', ['y']));
    c.forget('i3');
    expect(c.task('y')).toBeUndefined();
  });

  it('holds at most its limit of instances, the least recently moved going first', () => {
    const c = new StepCache(2);
    c.remember(row('i1'), write('i1', ['t1']));
    c.remember(row('i2'), write('i2', ['t2']));
    c.remember(row('i1', 'active', 3), write('i1', ['t1b']));
    c.remember(row('i3'), write('i3', ['t3']));
    expect(c.task('t2')).toBeUndefined();
    expect(c.task('t1')).toBeDefined();
    expect(c.task('t3')).toBeDefined();
  });
});
