import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Empty, Input, List, Result, Row, Segmented, Space, Tag, Typography } from 'antd';
import { ArrowLeftOutlined, CheckOutlined, ClockCircleOutlined, ExportOutlined, LockOutlined, NodeIndexOutlined, UserAddOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import dayjs from 'dayjs';
import { ApiError, type Field, type PublishedForm, type Task, type TaskDetail, type TaskOutcome, type TaskScope } from '@crm/shared';
import { api, useAuth } from '../../lib/api';
import { useL, useLang, useT } from '../../lib/i18n';
import { useObject } from '../../lib/meta';
import { contextTitle, isNegative, outcomeLabel } from '../../lib/tasks';
import { formatValue } from '../../components/form/FieldInput';
import { packRecordLinks } from '../../packs/registry';
import { ErrorAlert, Loading, PageHeader } from '../../components/common';
import { useNarrow } from '../../components/ResponsiveTable';
import { FormController } from '../../components/form/controller';
import { FormRenderer } from '../../components/form/FormRenderer';
import { usePublishedForm } from '../forms/FormFillPage';
import { useFormDraft } from '../../lib/useFormDraft';

export function TaskInboxPage() {
  const t = useT();
  const l = useL();
  const [params, setParams] = useSearchParams();
  const narrow = useNarrow();
  const scope = (params.get('scope') as TaskScope) || 'mine';
  const selectedId = params.get('task');
  const q = useQuery({ queryKey: ['tasks', scope], queryFn: () => api.tasks.list(scope), refetchInterval: 15_000 });
  const tasks = q.data?.items ?? [];
  const defs = useQuery({ queryKey: ['process-definitions'], queryFn: () => api.processes.list() });
  const procName = (task: Task) => String(defs.data?.find((d) => d.key === task.processDefinitionKey)?.name ?? task.processDefinitionKey);
  // A completed task leaves the list on the next refetch; keep it so its "completed" panel stays up.
  const [completed, setCompleted] = useState<Task | null>(null);
  // A task selected but not in this list (claimed from another scope, opened by link) is read on its own.
  const listed = tasks.find((x) => x.id === selectedId) ?? (completed && completed.id === selectedId ? completed : null);
  const lone = useQuery({ queryKey: ['task', selectedId, 'lone'], queryFn: () => api.tasks.get(selectedId!), enabled: !!selectedId && !listed && !q.isLoading, retry: false });
  const selected: Task | null = listed ?? lone.data ?? null;
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
      {/* On a phone the list and the task take turns: an open task fills the screen, with a way back. */}
      {narrow && selectedId && (
        <Button icon={<ArrowLeftOutlined />} onClick={() => select(null)} style={{ marginBottom: 12 }} data-testid="task-back">{t('返回任务列表', 'Back to the list')}</Button>
      )}
      <div className="task-inbox" style={{ display: 'flex', gap: 16, alignItems: 'flex-start', flexWrap: 'wrap' }}>
        <Card size="small" className="task-list" style={{ flex: '1 1 300px', maxWidth: narrow ? undefined : 380, display: narrow && selectedId ? 'none' : undefined }}
          styles={{ body: { padding: 0, maxHeight: narrow ? undefined : 'calc(100vh - 200px)', overflow: 'auto' } }}>
          <List
            loading={q.isLoading}
            dataSource={tasks}
            locale={{ emptyText: <Empty description={t('没有任务', 'No tasks')} image={Empty.PRESENTED_IMAGE_SIMPLE} /> }}
            renderItem={(task) => {
              const overdue = task.dueAt && dayjs(task.dueAt).isBefore(dayjs());
              const about = contextTitle(task.context, t);
              return (
                <List.Item onClick={() => select(task.id)} data-task={task.id} data-task-name={task.name}
                  style={{ cursor: 'pointer', padding: '10px 14px', background: task.id === selectedId ? '#eef4fb' : undefined, borderLeft: task.id === selectedId ? '3px solid #1f5aa6' : '3px solid transparent' }}>
                  <List.Item.Meta
                    title={<span>{task.name || procName(task)} {task.assignee ? null : <Tag color="gold">{t('待认领', 'To claim')}</Tag>}</span>}
                    description={
                      <div style={{ fontSize: 12 }}>
                        {about !== null && (
                          <div data-testid="task-row-context" style={{ color: task.context?.restricted ? '#8c8c8c' : '#262626' }}>
                            {task.context?.restricted ? <LockOutlined /> : null} {l(task.context?.objectLabel, task.context?.object)}：{about}
                          </div>
                        )}
                        <Space size={4} split="·" wrap>
                          <span>{procName(task)}</span>
                          {task.dueAt ? <span style={{ color: overdue ? '#cf1322' : undefined }} data-testid="task-row-due"><ClockCircleOutlined /> {t('到期', 'Due')} {dayjs(task.dueAt).format('MM-DD HH:mm')}</span> : null}
                          {task.assignee ? <span>{t('处理人', 'Assignee')} {task.assignee}</span> : null}
                        </Space>
                      </div>
                    }
                  />
                </List.Item>
              );
            }}
          />
        </Card>
        <div style={{ flex: narrow ? '1 1 100%' : '999 1 480px', minWidth: 0, display: narrow && !selectedId ? 'none' : undefined }}>
          <ErrorAlert error={lone.error} />
          {selected ? <TaskPanel key={selected.id} task={selected} onClaimed={() => select(selected.id, 'mine')} onCompleted={() => setCompleted(selected)} onDone={() => select(null)} /> : <Card><Empty description={t('从左侧选择一个任务', 'Choose a task on the left')} /></Card>}
        </div>
      </div>
    </div>
  );
}

function TaskPanel({ task, onClaimed, onCompleted, onDone }: { task: Task; onClaimed(): void; onCompleted(): void; onDone(): void }) {
  const t = useT();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const user = useAuth((s) => s.user);
  const [done, setDone] = useState(false);
  // A claimed task moves from 可认领 to 我的任务: the inbox follows it there, so it stays in view.
  const claim = useMutation({
    mutationFn: () => api.tasks.claim(task.id),
    onSuccess: () => { message.success(t('已认领，任务已移至“我的任务”', 'Claimed: the task is now under Mine')); qc.invalidateQueries({ queryKey: ['tasks'] }); qc.invalidateQueries({ queryKey: ['task', task.id] }); onClaimed(); },
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
  const d = detail.data;
  const work = (
    <Card
      size="small"
      title={<span>{task.name || task.activityId}</span>}
      extra={<Link to={`/instances/${task.processInstanceId}`}><NodeIndexOutlined /> {t('流程图', 'Diagram')}</Link>}
      data-testid="task-panel"
    >
      <Descriptions size="small" column={{ xs: 1, sm: 2 }} style={{ marginBottom: 16 }}
        items={[
          { key: 'a', label: t('处理人', 'Assignee'), children: task.assignee ?? <Tag color="gold">{t('待认领', 'To claim')}</Tag> },
          { key: 'd', label: t('到期', 'Due'), children: task.dueAt ? dayjs(task.dueAt).format('YYYY-MM-DD HH:mm') : '—' },
        ]} />
      <ErrorAlert error={claim.error} />
      {!mine && (
        <Alert type="info" showIcon style={{ marginBottom: 16 }} title={task.assignee ? t(`该任务由 ${task.assignee} 处理`, `Assigned to ${task.assignee}`) : t('认领后由您办理', 'Claim it to work on it')}
          action={!task.assignee ? <Button type="primary" icon={<UserAddOutlined />} loading={claim.isPending} onClick={() => claim.mutate()} data-testid="claim-task">{t('认领', 'Claim')}</Button> : undefined} />
      )}
      <ErrorAlert error={detail.error} />
      {!d ? (detail.isLoading ? <Loading /> : null) : d.formKey ? <TaskForm task={d} onCompleted={finish} /> : d.outcomes.length ? <OutcomeButtons task={d} onCompleted={finish} /> : <PlainComplete task={d} onCompleted={finish} />}
    </Card>
  );
  if (!d?.context) return work;
  // The record the task is about beside the work on it (stacked on a narrow screen).
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={12}><ContextRecord task={d} /></Col>
      <Col xs={24} xl={12}>{work}</Col>
    </Row>
  );
}

/**
 * The record the task's process runs for, as the caller may see it (the server read it through the
 * scoped reader): its fields with the titles of what they point at, and a link to it. A record the
 * caller may not read shows 「受限」 and nothing of it.
 */
function ContextRecord({ task }: { task: TaskDetail }) {
  const t = useT();
  const l = useL();
  const lang = useLang((s) => s.lang);
  const c = task.context!;
  const obj = useObject(c.restricted ? undefined : c.object);
  const objLabel = l(c.objectLabel, c.object);
  if (c.restricted || !task.record) {
    return (
      <Card size="small" title={<span>{objLabel}：<Typography.Text type="secondary"><LockOutlined /> {t('受限', 'Restricted')}</Typography.Text></span>} data-testid="task-record">
        <Typography.Text type="secondary">{t('您无权查看该业务记录，只能按任务办理。', 'You may not read this record; work the task as it stands.')}</Typography.Text>
      </Card>
    );
  }
  const values = task.record.values;
  const display = task.record.display;
  const fields = (obj.data?.fields ?? []).filter((f) => f.key in values && f.type !== 'json');
  const show = (key: string, type: string) => {
    const v = values[key];
    const dv = display[key];
    if (dv) return dv.restricted ? <Typography.Text type="secondary"><LockOutlined /> {t('受限', 'Restricted')}</Typography.Text> : (dv.title ?? t('（无标题）', '(untitled)'));
    if (type === 'relation' || type === 'user' || type === 'org_unit') return v ? t('受限', 'Restricted') : '—';
    return formatValue(fields.find((f) => f.key === key), v, lang) || '—';
  };
  return (
    <Card size="small" data-testid="task-record"
      title={<span>{objLabel}：{c.title ?? t('（无标题）', '(untitled)')}</span>}
      extra={
        <Space size={12} wrap>
          {packRecordLinks(c.object).map((k) => <Link key={k.to(c.recordId)} to={k.to(c.recordId)}>{k.icon} {t(k.label['zh-CN'], k.label.en)}</Link>)}
          <Link to={`/records/${c.object}/${c.recordId}`} data-testid="task-record-link"><ExportOutlined /> {t('打开记录', 'Open the record')}</Link>
        </Space>
      }>
      {obj.isLoading ? <Loading /> : (
        <Descriptions size="small" column={1} bordered
          items={fields.map((f) => ({ key: f.key, label: l(f.label, f.key), children: <span data-field={f.key}>{show(f.key, f.type)}</span> }))} />
      )}
    </Card>
  );
}

/** The choices the process makes after this task (named outgoing flows), each a button, with a comment. */
function OutcomeButtons({ task, onCompleted }: { task: TaskDetail; onCompleted(): void }) {
  const t = useT();
  const [comment, setComment] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const choose = async (o: TaskOutcome) => {
    setError(null);
    setBusy(String(o.value));
    try {
      await api.tasks.complete(task.id, { variables: { [o.variable]: o.value, ...(comment && task.outputs.includes('comment') ? { comment } : {}) } });
      onCompleted();
    } catch (e) { setError(completeError(e, t)); } finally { setBusy(null); }
  };
  return (
    <div data-testid="task-outcomes">
      <ErrorAlert error={error} />
      <Typography.Paragraph type="secondary">{t('请选择办理结果，流程将按所选结果继续流转。', 'Choose the outcome: the process goes on the way you choose.')}</Typography.Paragraph>
      {task.outputs.includes('comment') && (
        <Input.TextArea rows={3} placeholder={t('办理意见（选填）', 'Comment (optional)')} value={comment} onChange={(e) => setComment(e.target.value)} style={{ marginBottom: 12 }} data-testid="task-comment" maxLength={2000} />
      )}
      <Space wrap>
        {task.outcomes.map((o) => (
          <Button key={String(o.value)} type={isNegative(o) ? 'default' : 'primary'} danger={isNegative(o)} icon={isNegative(o) ? undefined : <CheckOutlined />}
            loading={busy === String(o.value)} disabled={!task.canComplete || (busy !== null && busy !== String(o.value))} onClick={() => choose(o)} data-outcome={String(o.value)}>
            {outcomeLabel(o, t)}
          </Button>
        ))}
      </Space>
    </div>
  );
}

function completeError(e: unknown, t: (zh: string, en: string) => string): unknown {
  if (e instanceof ApiError && e.status === 409) return new ApiError(409, e.code, t('该任务已被处理', 'This task was already completed') + ` — ${e.message}`);
  if (e instanceof ApiError && e.status === 403) return new ApiError(403, e.code, t('您无权办理该任务', 'You may not complete this task') + ` — ${e.message}`);
  return e;
}

function TaskForm({ task, onCompleted }: { task: TaskDetail; onCompleted(): void }) {
  const q = usePublishedForm(task.formKey);
  if (q.isLoading) return <Loading />;
  if (q.error || !q.data) return <ErrorAlert error={q.error} />;
  return <TaskFormFill task={task} fields={q.data.fields} form={q.data.form} onCompleted={onCompleted} />;
}

/** The task's form, its typing kept as a local draft of this task (offered back after a reload, dropped on completion). */
function TaskFormFill({ task, fields, form, onCompleted }: { task: TaskDetail; fields: Field[]; form: PublishedForm; onCompleted(): void }) {
  const t = useT();
  const lang = useLang((s) => s.lang);
  // The form starts from the process's values of its own fields (never the engine's, such as initiator).
  const initial = useMemo(() => Object.fromEntries(fields.filter((f) => f.key in task.variables).map((f) => [f.key, task.variables[f.key]])), [fields, task.variables]);
  const ctrl = useMemo(() => new FormController(fields, form, lang, initial), [fields, form, lang, initial]);
  const draft = useFormDraft(ctrl, `task:${task.id}`);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async () => {
    setError(null);
    await ctrl.ready;
    const r = ctrl.validateAll();
    if (ctrl.hasBlockingErrors(r)) { const u = ctrl.unplacedErrors(r); if (u.length) setError(new Error(u.join('；'))); return; }
    setBusy(true);
    try {
      await api.tasks.complete(task.id, { variables: ctrl.submitValues() });
      draft.clear();
      onCompleted();
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && e.fieldErrors.length) { ctrl.setServerErrors(e.fieldErrors); if (ctrl.formErrors.length) setError(e); }
      else setError(completeError(e, t));
    } finally { setBusy(false); }
  };
  return (
    <div data-testid="task-form">
      {draft.banner}
      <ErrorAlert error={error} />
      <FormRenderer ctrl={ctrl} layout={form.layout} lang={lang} idPrefix="task" />
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
