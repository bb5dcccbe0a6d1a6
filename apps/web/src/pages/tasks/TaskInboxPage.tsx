import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Empty, Input, List, Result, Segmented, Space, Tag, Typography } from 'antd';
import { CheckOutlined, ClockCircleOutlined, NodeIndexOutlined, UserAddOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import dayjs from 'dayjs';
import { ApiError, type Task, type TaskDetail, type TaskScope } from '@crm/shared';
import { api, useAuth } from '../../lib/api';
import { useLang, useT } from '../../lib/i18n';
import { ErrorAlert, Loading, PageHeader } from '../../components/common';
import { FormController } from '../../components/form/controller';
import { FormRenderer } from '../../components/form/FormRenderer';
import { usePublishedForm } from '../forms/FormFillPage';

export function TaskInboxPage() {
  const t = useT();
  const [params, setParams] = useSearchParams();
  const scope = (params.get('scope') as TaskScope) || 'mine';
  const selectedId = params.get('task');
  const q = useQuery({ queryKey: ['tasks', scope], queryFn: () => api.tasks.list(scope), refetchInterval: 15_000 });
  const tasks = q.data?.items ?? [];
  const defs = useQuery({ queryKey: ['process-definitions'], queryFn: () => api.processes.list() });
  const procName = (task: Task) => String(defs.data?.find((d) => d.key === task.processDefinitionKey)?.name ?? task.processDefinitionKey);
  // A completed task leaves the list on the next refetch; keep it so its "completed" panel stays up.
  const [completed, setCompleted] = useState<Task | null>(null);
  const selected = tasks.find((x) => x.id === selectedId) ?? (completed && completed.id === selectedId ? completed : null);
  const select = (id: string | null, s: TaskScope = scope) => {
    const p = new URLSearchParams();
    p.set('scope', s);
    if (id) p.set('task', id);
    setParams(p);
  };
  return (
    <div>
      <PageHeader
        title={t('我的待办', 'Task inbox')}
        sub={t('需要您处理或可以认领的任务', 'Tasks for you, or that you may claim')}
        extra={
          <Segmented value={scope} onChange={(v) => select(null, v as TaskScope)} data-testid="task-scope"
            options={[{ value: 'mine', label: t('我的任务', 'Mine') }, { value: 'candidate', label: t('可认领', 'To claim') }, { value: 'all', label: t('全部（团队）', 'All (team)') }]} />
        }
      />
      <ErrorAlert error={q.error} />
      <div style={{ display: 'flex', gap: 16, alignItems: 'flex-start' }}>
        <Card size="small" style={{ width: 380, flex: 'none' }} styles={{ body: { padding: 0, maxHeight: 'calc(100vh - 200px)', overflow: 'auto' } }}>
          <List
            loading={q.isLoading}
            dataSource={tasks}
            locale={{ emptyText: <Empty description={t('没有任务', 'No tasks')} image={Empty.PRESENTED_IMAGE_SIMPLE} /> }}
            renderItem={(task) => {
              const overdue = task.dueAt && dayjs(task.dueAt).isBefore(dayjs());
              return (
                <List.Item onClick={() => select(task.id)} data-task={task.id} data-task-name={task.name}
                  style={{ cursor: 'pointer', padding: '10px 14px', background: task.id === selectedId ? '#eef4fb' : undefined, borderLeft: task.id === selectedId ? '3px solid #1f5aa6' : '3px solid transparent' }}>
                  <List.Item.Meta
                    title={<span>{task.name || task.activityId} {task.assignee ? null : <Tag color="gold">{t('待认领', 'unclaimed')}</Tag>}</span>}
                    description={
                      <span style={{ fontSize: 12 }}>
                        {procName(task)} {task.dueAt ? <span style={{ color: overdue ? '#cf1322' : undefined }}><ClockCircleOutlined /> {dayjs(task.dueAt).format('MM-DD HH:mm')}</span> : null}
                        {[procName(task) ? '' : null, task.assignee ?? (task.candidateGroups?.length ? task.candidateGroups.join('、') : null)].filter((x) => x !== null).join(' · ') || null}
                      </span>
                    }
                  />
                </List.Item>
              );
            }}
          />
        </Card>
        <div style={{ flex: 1, minWidth: 0 }}>
          {selected ? <TaskPanel key={selected.id} task={selected} onCompleted={() => setCompleted(selected)} onDone={() => select(null)} /> : <Card><Empty description={t('从左侧选择一个任务', 'Choose a task on the left')} /></Card>}
        </div>
      </div>
    </div>
  );
}

function TaskPanel({ task, onCompleted, onDone }: { task: Task; onCompleted(): void; onDone(): void }) {
  const t = useT();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const user = useAuth((s) => s.user);
  const [done, setDone] = useState(false);
  const claim = useMutation({
    mutationFn: () => api.tasks.claim(task.id),
    onSuccess: () => { message.success(t('已认领', 'Claimed')); qc.invalidateQueries({ queryKey: ['tasks'] }); },
  });
  const mine = task.assignee && (task.assignee === user?.username || task.assignee === user?.id);
  // The list carries no variables nor outputs: working a task needs its detail.
  const detail = useQuery({ queryKey: ['task', task.id, task.assignee], queryFn: () => api.tasks.get(task.id), enabled: !done });
  if (done) {
    return (
      <Card>
        <Result status="success" title={t('任务已完成', 'Task completed')} data-testid="task-done"
          extra={[<Link key="i" to={`/instances/${task.processInstanceId}`}><Button icon={<NodeIndexOutlined />}>{t('查看流程', 'View the process')}</Button></Link>, <Button key="b" onClick={onDone}>{t('返回待办', 'Back to the inbox')}</Button>]} />
      </Card>
    );
  }
  const finish = () => { setDone(true); onCompleted(); qc.invalidateQueries({ queryKey: ['tasks'] }); qc.invalidateQueries({ queryKey: ['instance', task.processInstanceId] }); };
  return (
    <Card
      title={<span>{task.name || task.activityId}</span>}
      extra={<Link to={`/instances/${task.processInstanceId}`}><NodeIndexOutlined /> {t('流程图', 'Diagram')}</Link>}
    >
      <Descriptions size="small" column={3} style={{ marginBottom: 16 }}
        items={[
          { key: 'a', label: t('处理人', 'Assignee'), children: task.assignee ?? <Tag color="gold">{t('待认领', 'unclaimed')}</Tag> },
          { key: 'c', label: t('候选角色', 'Candidates'), children: (task.candidateGroups ?? []).join('、') || '—' },
          { key: 'd', label: t('到期', 'Due'), children: task.dueAt ? dayjs(task.dueAt).format('YYYY-MM-DD HH:mm') : '—' },
        ]} />
      <ErrorAlert error={claim.error} />
      {!mine && (
        <Alert type="info" showIcon style={{ marginBottom: 16 }} title={task.assignee ? t(`该任务由 ${task.assignee} 处理`, `Assigned to ${task.assignee}`) : t('认领后由您办理', 'Claim it to work on it')}
          action={!task.assignee ? <Button type="primary" icon={<UserAddOutlined />} loading={claim.isPending} onClick={() => claim.mutate()} data-testid="claim-task">{t('认领', 'Claim')}</Button> : undefined} />
      )}
      <ErrorAlert error={detail.error} />
      {!detail.data ? (detail.isLoading ? <Loading /> : null) : detail.data.formKey ? <TaskForm task={detail.data} onCompleted={finish} /> : <PlainComplete task={detail.data} onCompleted={finish} />}
    </Card>
  );
}

function completeError(e: unknown, t: (zh: string, en: string) => string): unknown {
  if (e instanceof ApiError && e.status === 409) return new ApiError(409, e.code, t('该任务已被处理', 'This task was already completed') + ` — ${e.message}`);
  if (e instanceof ApiError && e.status === 403) return new ApiError(403, e.code, t('您无权办理该任务', 'You may not complete this task') + ` — ${e.message}`);
  return e;
}

function TaskForm({ task, onCompleted }: { task: TaskDetail; onCompleted(): void }) {
  const t = useT();
  const lang = useLang((s) => s.lang);
  const q = usePublishedForm(task.formKey);
  const initial = useMemo(() => ({ ...task.variables }), [task.variables]);
  const ctrl = useMemo(() => (q.data ? new FormController(q.data.fields, q.data.form, lang, initial) : null), [q.data, lang, initial]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorAlert error={q.error} />;
  const submit = async () => {
    setError(null);
    await ctrl!.ready;
    const r = ctrl!.validateAll();
    if (ctrl!.hasBlockingErrors(r)) { const u = ctrl!.unplacedErrors(r); if (u.length) setError(new Error(u.join('；'))); return; }
    setBusy(true);
    try {
      await api.tasks.complete(task.id, { variables: ctrl!.submitValues() });
      onCompleted();
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && e.fieldErrors.length) { ctrl!.setServerErrors(e.fieldErrors); if (ctrl!.formErrors.length) setError(e); }
      else setError(completeError(e, t));
    } finally { setBusy(false); }
  };
  return (
    <div data-testid="task-form">
      <ErrorAlert error={error} />
      <FormRenderer ctrl={ctrl!} layout={q.data!.form.layout} lang={lang} idPrefix="task" />
      <Button type="primary" icon={<CheckOutlined />} loading={busy} onClick={submit} data-testid="complete-task">{t('提交并完成', 'Submit and complete')}</Button>
    </div>
  );
}

function PlainComplete({ task, onCompleted }: { task: TaskDetail; onCompleted(): void }) {
  const t = useT();
  const [comment, setComment] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const complete = async (approved: boolean | null) => {
    setError(null);
    setBusy(String(approved));
    try {
      const variables: Record<string, unknown> = {};
      if (approved !== null) variables.approved = approved;
      if (comment) variables.comment = comment;
      await api.tasks.complete(task.id, { variables });
      onCompleted();
    } catch (e) { setError(completeError(e, t)); } finally { setBusy(null); }
  };
  // The server accepts only the variables the task declares (crm:outputs): offer just those.
  const outputs = task.outputs;
  return (
    <div>
      <ErrorAlert error={error} />
      <Typography.Paragraph type="secondary">{t('该任务没有配置表单。', 'This task has no form.')}</Typography.Paragraph>
      {outputs.includes('comment') && <Input.TextArea rows={3} placeholder={t('办理意见', 'Comment')} value={comment} onChange={(e) => setComment(e.target.value)} style={{ marginBottom: 12 }} />}
      <Space>
        <Button type="primary" icon={<CheckOutlined />} loading={busy === 'null'} onClick={() => complete(null)} data-testid="complete-task">{t('完成', 'Complete')}</Button>
        {outputs.includes('approved') && <Button loading={busy === 'true'} onClick={() => complete(true)}>{t('同意', 'Approve')}</Button>}
        {outputs.includes('approved') && <Button danger loading={busy === 'false'} onClick={() => complete(false)}>{t('驳回', 'Reject')}</Button>}
      </Space>
    </div>
  );
}
