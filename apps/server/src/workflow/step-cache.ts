/**
 * The instances this process moved last by an optimistic step, with their open tasks: completing
 * such a task needs no read at all, so the step is one round trip. Nothing here is trusted: the
 * step's one statement is guarded by the instance's rev and the task's status and assignee, so a
 * change made since by another process, a claim or a locked step undoes the statement, the entry is
 * forgotten, and the step reads afresh. Bounded; the least recently moved instance goes first.
 */
import type { InstanceRow, StepWrite, TaskRow } from './workflow.repository.js';

const DEFAULT_LIMIT = 2000;

interface Entry {
  row: InstanceRow;
  tasks: Map<string, TaskRow>;
}

export class StepCache {
  private readonly instances = new Map<string, Entry>();
  private readonly taskInstance = new Map<string, string>();

  constructor(private readonly limit = DEFAULT_LIMIT) {}

  /** Copies of the task and its instance as this process last wrote them (the step replaces, never mutates, what it reads). */
  task(taskId: string): { row: InstanceRow; task: TaskRow } | undefined {
    const instanceId = this.taskInstance.get(taskId);
    const entry = instanceId ? this.instances.get(instanceId) : undefined;
    const task = entry?.tasks.get(taskId);
    if (!entry || !task) return undefined;
    return { row: { ...entry.row }, task: { ...task } };
  }

  /** After the step's statement committed: the row as the step left it and the tasks it opened and closed. */
  remember(row: InstanceRow, w: StepWrite): void {
    const prior = this.instances.get(row.id);
    this.forget(row.id);
    if (row.status !== 'active') return;
    const tasks = prior?.tasks ?? new Map<string, TaskRow>();
    for (const c of w.closeTasks) tasks.delete(c.id);
    for (const { t, definitionKey, status } of w.newTasks) {
      if (status !== 'open') continue;
      tasks.set(t.taskId, {
        id: t.taskId, instance_id: row.id, definition_key: definitionKey, activity_id: t.activityId, name: t.name ?? null, assignee: t.assignee ?? null,
        candidate_groups: t.candidateGroups, candidate_org_units: t.candidateOrgUnits, exclude_users: t.excludeUsers, form_key: t.formKey ?? null,
        due_at: t.dueAt ? new Date(t.dueAt) : null, status: 'open', created_at: new Date(w.now), claimed_at: null, ended_at: null, completed_by: null,
      });
    }
    this.instances.set(row.id, { row: { ...row }, tasks });
    for (const id of tasks.keys()) this.taskInstance.set(id, row.id);
    while (this.instances.size > this.limit) this.forget(this.instances.keys().next().value!);
  }

  forget(instanceId: string): void {
    const entry = this.instances.get(instanceId);
    if (!entry) return;
    for (const id of entry.tasks.keys()) this.taskInstance.delete(id);
    this.instances.delete(instanceId);
  }

  forgetTask(taskId: string): void {
    const instanceId = this.taskInstance.get(taskId);
    if (instanceId) this.forget(instanceId);
  }
}
