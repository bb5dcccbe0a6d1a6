import { useQuery } from '@tanstack/react-query';
import type { Task, TaskContext, TaskOutcome } from '@crm/shared';
import { api } from './api';

/**
 * The caller's open work: tasks assigned to them and tasks they may claim. The badge and the
 * workbench count both (a candidate task is work waiting for the caller too).
 */
export function useOpenTasks(refetchInterval?: number) {
  const mine = useQuery({ queryKey: ['tasks', 'mine'], queryFn: () => api.tasks.list('mine'), ...(refetchInterval ? { refetchInterval } : {}) });
  const candidate = useQuery({ queryKey: ['tasks', 'candidate'], queryFn: () => api.tasks.list('candidate'), ...(refetchInterval ? { refetchInterval } : {}) });
  const items: Task[] = [...(mine.data?.items ?? []), ...(candidate.data?.items ?? []).filter((c) => !mine.data?.items.some((m) => m.id === c.id))];
  return {
    items,
    mine: mine.data?.items.length,
    candidate: candidate.data?.items.length,
    count: mine.data && candidate.data ? items.length : undefined,
    error: mine.error ?? candidate.error,
    isLoading: mine.isLoading || candidate.isLoading,
  };
}

/** What the inbox shows of a task's record: its title, or 「受限」 when the caller may not read it. */
export function contextTitle(c: TaskContext | null | undefined, t: (zh: string, en: string) => string): string | null {
  if (!c) return null;
  if (c.restricted) return t('受限', 'Restricted');
  return c.title ?? t('（无标题）', '(untitled)');
}

const OUTCOME_LABELS: Record<string, [string, string]> = {
  approve: ['同意', 'Approve'],
  approved: ['同意', 'Approve'],
  true: ['同意', 'Approve'],
  reject: ['驳回', 'Reject'],
  rejected: ['驳回', 'Reject'],
  false: ['驳回', 'Reject'],
  confirm: ['确认', 'Confirm'],
  clear: ['排除命中，继续办理', 'Clear the hit, go on'],
  escalate: ['升级处理', 'Escalate'],
  return: ['退回', 'Send back'],
  no: ['否', 'No'],
  yes: ['是', 'Yes'],
  other: ['其他', 'Other'],
};

/** An outcome button's label: the flow's name in the model, else the usual word for its value. */
export function outcomeLabel(o: TaskOutcome, t: (zh: string, en: string) => string): string {
  if (o.label) return o.label;
  const known = OUTCOME_LABELS[String(o.value)];
  return known ? t(known[0], known[1]) : String(o.value);
}

/** Whether an outcome turns the process away (drawn as a danger button). */
export function isNegative(o: TaskOutcome): boolean {
  return o.value === false || ['reject', 'rejected', 'no', 'return'].includes(String(o.value)) || /驳回|拒绝|退回/.test(o.label ?? '');
}
