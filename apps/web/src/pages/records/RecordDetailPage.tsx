import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Empty, Popconfirm, Space, Tabs, Tag, Timeline, Typography } from 'antd';
import { DeleteOutlined, EditOutlined, SaveOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import dayjs from 'dayjs';
import { ApiError, type Field, type ObjectDefinition, type ProcessInstanceSummary, type PublishedForm, type RecordData } from '@crm/shared';
import { api } from '../../lib/api';
import { useFormDraft } from '../../lib/useFormDraft';
import { useL, useLang, useT } from '../../lib/i18n';
import { useObject } from '../../lib/meta';
import { useCan } from '../../lib/rights';
import { useProcessName } from '../../lib/processNames';
import { displayText } from '../../lib/display';
import { DefinitionErrors, ErrorAlert, Loading, PageHeader } from '../../components/common';
import { ResponsiveTable } from '../../components/ResponsiveTable';
import { AUDIT_ACTIONS } from '../admin/AuditPage';
import { FormController } from '../../components/form/controller';
import { FormRenderer, defaultLayout, layoutFieldKeys } from '../../components/form/FormRenderer';
import { StartForRecordButton } from './RecordProcesses';
import { packRecordLinks } from '../../packs/registry';
import { FillCard, usePublishedForm } from '../forms/FormFillPage';

export function RecordDetailPage({ create }: { create?: boolean }) {
  const { object = '', id = '' } = useParams();
  const obj = useObject(object);
  if (obj.isLoading) return <Loading />;
  if (obj.error) return <ErrorAlert error={obj.error} />;
  if (create && obj.data!.defaultForms?.create) return <RecordCreateWithForm obj={obj.data!} formKey={obj.data!.defaultForms.create} />;
  return create ? <RecordCreate obj={obj.data!} /> : <RecordView obj={obj.data!} id={id} />;
}

/** 新建 with the object's default create form: submitted as that form (its rules, its triggers). */
function RecordCreateWithForm({ obj, formKey }: { obj: ObjectDefinition; formKey: string }) {
  const t = useT();
  const l = useL();
  const nav = useNavigate();
  const qc = useQueryClient();
  const lang = useLang((s) => s.lang);
  const q = usePublishedForm(formKey);
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorAlert error={q.error} />;
  return (
    <div>
      <PageHeader title={`${t('新建', 'New')} · ${l(obj.label, obj.key)}`} />
      <FillCard key={lang} form={q.data!.form} fields={q.data!.fields} onDone={(rec) => { qc.invalidateQueries({ queryKey: ['records', obj.key] }); nav(`/records/${obj.key}/${rec.id}`, { replace: true }); }} />
    </div>
  );
}

function editableFields(obj: ObjectDefinition): Field[] {
  return obj.fields ?? [];
}

function RecordCreate({ obj }: { obj: ObjectDefinition }) {
  const t = useT();
  const l = useL();
  const lang = useLang((s) => s.lang);
  const nav = useNavigate();
  const qc = useQueryClient();
  const fields = editableFields(obj);
  const form = useMemo(() => ({ key: `${obj.key}__default`, object: obj.key, title: obj.label, layout: defaultLayout(fields) }), [obj, fields]);
  const ctrl = useMemo(() => new FormController(fields, form, lang), [fields, form, lang]);
  const draft = useFormDraft(ctrl, `record:${obj.key}:new`);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setError(null);
    await ctrl.ready;
    const r = ctrl.validateAll();
    if (ctrl.hasBlockingErrors(r)) { const u = ctrl.unplacedErrors(r); if (u.length) setError(new Error(u.join('；'))); return; }
    setBusy(true);
    try {
      const rec = await api.records.create(obj.key, ctrl.submitValues());
      draft.clear();
      qc.invalidateQueries({ queryKey: ['records', obj.key] });
      nav(`/records/${obj.key}/${rec.id}`, { replace: true });
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && e.fieldErrors.length) { ctrl.setServerErrors(e.fieldErrors); if (ctrl.formErrors.length) setError(e); }
      else { setError(e); window.scrollTo({ top: 0, behavior: 'smooth' }); }
    } finally { setBusy(false); }
  };
  return (
    <div>
      <PageHeader title={`${t('新建', 'New')} · ${l(obj.label, obj.key)}`} />
      <Card style={{ maxWidth: 1000 }}>
        {draft.banner}
        <ErrorAlert error={error} />
        <DefinitionErrors issues={ctrl.definitionErrors} />
        <FormRenderer ctrl={ctrl} layout={form.layout} lang={lang} />
        <Space><Button type="primary" loading={busy} onClick={submit} icon={<SaveOutlined />} data-testid="create-record">{t('保存', 'Save')}</Button><Button onClick={() => nav(-1)}>{t('取消', 'Cancel')}</Button></Space>
      </Card>
    </div>
  );
}

/** The detail page follows the object's page form: its fields first, in its order, then the others. */
function inFormOrder(fields: Field[], form: PublishedForm | undefined): Field[] {
  if (!form) return fields;
  const order = [...layoutFieldKeys(form.layout)];
  const at = (k: string) => { const i = order.indexOf(k); return i < 0 ? order.length : i; };
  return [...fields].sort((a, b) => at(a.key) - at(b.key));
}

/** The record's name: its object's title field, else its first text; never its bare id (a short one after the object's name). */
function titleOf(r: RecordData | undefined, fields: Field[], obj: ObjectDefinition, objectLabel: string): string {
  if (!r) return '';
  const titled = obj.titleField && r[obj.titleField] !== null && r[obj.titleField] !== undefined && typeof r[obj.titleField] !== 'object' ? String(r[obj.titleField]) : '';
  if (titled) return titled;
  const first = fields.find((f) => (f.type === 'text' || f.type === 'auto_number') && r[f.key]);
  return first ? String(r[first.key]) : `${objectLabel} #${r.id.slice(0, 8)}`;
}

function RecordView({ obj, id }: { obj: ObjectDefinition; id: string }) {
  const t = useT();
  const canUpdate = useCan(obj.key, 'update');
  const canDelete = useCan(obj.key, 'delete');
  const l = useL();
  const lang = useLang((s) => s.lang);
  const nav = useNavigate();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const rec = useQuery({ queryKey: ['records', obj.key, 'one', id], queryFn: () => api.records.get(obj.key, id, { display: true }) });
  const pageForm = usePublishedForm(obj.defaultForms?.edit ?? obj.defaultForms?.create);
  const [editing, setEditing] = useState(false);
  const remove = useMutation({
    mutationFn: () => api.records.delete(obj.key, id),
    onSuccess: () => { message.success(t('已删除', 'Deleted')); qc.invalidateQueries({ queryKey: ['records', obj.key] }); nav(`/records/${obj.key}`); },
    onError: (e) => message.error((e as Error).message),
  });
  if (rec.isLoading) return <Loading />;
  if (rec.error) return <ErrorAlert error={rec.error} />;
  const r = rec.data!;
  const fields = inFormOrder(obj.fields ?? [], pageForm.data?.form);
  return (
    <div>
      <PageHeader
        title={<span>{titleOf(r, fields, obj, l(obj.label, obj.key))} <Tag>{l(obj.label, obj.key)}</Tag></span>}
        sub={<span>{t('版本', 'Version')} {r.version} · {t('更新于', 'Updated')} {r.updated_at ? dayjs(r.updated_at).format('YYYY-MM-DD HH:mm') : '—'}</span>}
        extra={
          <>
            {packRecordLinks(obj.key).map((k) => <Link key={k.to(id)} to={k.to(id)}><Button icon={k.icon}>{t(k.label['zh-CN'], k.label.en)}</Button></Link>)}
            <StartForRecordButton object={obj.key} id={id} />
            {canUpdate && !editing && <Button icon={<EditOutlined />} type="primary" onClick={() => setEditing(true)} data-testid="edit-record">{t('编辑', 'Edit')}</Button>}
            {canDelete && (
              <Popconfirm title={t('确定删除这条记录？', 'Delete this record?')} onConfirm={() => remove.mutate()}>
                <Button danger icon={<DeleteOutlined />} data-testid="delete-record">{t('删除', 'Delete')}</Button>
              </Popconfirm>
            )}
          </>
        }
      />
      <Tabs
        items={[
          {
            key: 'detail',
            label: t('详情', 'Details'),
            children: editing ? (
              <RecordEdit obj={obj} record={r} onDone={(saved) => { setEditing(false); if (saved) { qc.invalidateQueries({ queryKey: ['records', obj.key, 'one', id] }); qc.invalidateQueries({ queryKey: ['records', obj.key, 'list'] }); message.success(t('已保存', 'Saved')); } }} onReload={() => rec.refetch()} />
            ) : (
              <Card>
                <Descriptions column={{ xs: 1, sm: 2 }} bordered size="small" items={fields.map((f) => ({ key: f.key, label: l(f.label, f.key), children: <span data-field={f.key}>{displayText(f, r, f.key, lang) || <Typography.Text type="secondary">—</Typography.Text>}</span> }))} />
              </Card>
            ),
          },
          { key: 'history', label: t('变更历史', 'History'), children: <History recordId={id} /> },
          { key: 'processes', label: t('相关流程', 'Processes'), children: <RelatedProcesses recordId={id} /> },
        ]}
      />
    </div>
  );
}

function RecordEdit({ obj, record, onDone, onReload }: { obj: ObjectDefinition; record: RecordData; onDone(saved: RecordData | null): void; onReload(): void }) {
  const pageForm = usePublishedForm(obj.defaultForms?.edit);
  if (pageForm.isLoading) return <Loading />;
  return <RecordEditForm obj={obj} record={record} onDone={onDone} onReload={onReload} pageForm={pageForm.data?.form} />;
}

/** 编辑 with the object's default edit form (its layout and rules) when it has one, else the generic form; only the fields it shows are saved. */
function RecordEditForm({ obj, record, onDone, onReload, pageForm }: { obj: ObjectDefinition; record: RecordData; onDone(saved: RecordData | null): void; onReload(): void; pageForm?: PublishedForm }) {
  const t = useT();
  const lang = useLang((s) => s.lang);
  const all = editableFields(obj);
  const form = useMemo(() => pageForm ?? { key: `${obj.key}__default`, object: obj.key, title: obj.label, layout: defaultLayout(all) }, [obj, all, pageForm]);
  const fields = useMemo(() => { const on = layoutFieldKeys(form.layout); return all.filter((f) => on.has(f.key)); }, [all, form]);
  const initial = useMemo(() => Object.fromEntries(all.map((f) => [f.key, record[f.key]]).filter(([, v]) => v !== null && v !== undefined)), [all, record]);
  const ctrl = useMemo(() => new FormController(all, form, lang, initial), [all, form, lang, initial]);
  const draft = useFormDraft(ctrl, `record:${obj.key}:${record.id}`);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const save = async () => {
    setError(null);
    await ctrl.ready;
    const r = ctrl.validateAll();
    if (ctrl.hasBlockingErrors(r)) { const u = ctrl.unplacedErrors(r); if (u.length) setError(new Error(u.join('；'))); return; }
    const values = ctrl.submitValues();
    const changes: Record<string, unknown> = {};
    for (const f of fields) {
      if (f.type === 'computed' || f.type === 'auto_number') continue;
      const before = record[f.key] ?? undefined;
      const after = values[f.key];
      if (JSON.stringify(before) !== JSON.stringify(after)) changes[f.key] = after === undefined ? null : after;
    }
    setBusy(true);
    try {
      const saved = await api.records.update(obj.key, record.id, { ...changes, version: record.version });
      draft.clear();
      onDone(saved);
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && e.fieldErrors.length) { ctrl.setServerErrors(e.fieldErrors); if (ctrl.formErrors.length) setError(e); }
      else { setError(e); window.scrollTo({ top: 0, behavior: 'smooth' }); }
    } finally { setBusy(false); }
  };
  const conflict = error instanceof ApiError && error.status === 409;
  return (
    <Card>
      {conflict ? (
        <Alert type="warning" showIcon style={{ marginBottom: 16 }} title={t('这条记录已被他人修改', 'Someone else changed this record')}
          description={t('请刷新后重新编辑，您的修改尚未保存。', 'Reload it and edit again; your changes were not saved.')}
          action={<Button size="small" onClick={() => { onReload(); onDone(null); }}>{t('刷新', 'Reload')}</Button>} />
      ) : <ErrorAlert error={error} />}
      {draft.banner}
      <DefinitionErrors issues={ctrl.definitionErrors} />
      <FormRenderer ctrl={ctrl} layout={form.layout} lang={lang} idPrefix="edit" />
      <Space><Button type="primary" loading={busy} icon={<SaveOutlined />} onClick={save} data-testid="save-record">{t('保存', 'Save')}</Button><Button onClick={() => onDone(null)}>{t('取消', 'Cancel')}</Button></Space>
    </Card>
  );
}

const ACTION_LABELS: Record<string, [string, string]> = {
  create: ['创建', 'Created'], update: ['修改', 'Updated'], delete: ['删除', 'Deleted'], read: ['查看', 'Read'], unmask: ['查看明文', 'Unmasked'], export: ['导出', 'Exported'],
};

function History({ recordId }: { recordId: string }) {
  const t = useT();
  const q = useQuery({ queryKey: ['audit', 'record', recordId], queryFn: () => api.audit.list({ recordId, limit: 100 }) });
  if (q.isLoading) return <Loading />;
  if (q.error) {
    if (q.error instanceof ApiError && q.error.status === 403) return <Empty description={t('您没有查看审计记录的权限', 'You may not read the audit trail')} />;
    return <ErrorAlert error={q.error} />;
  }
  const items = q.data?.items ?? [];
  if (!items.length) return <Empty description={t('暂无变更记录', 'No history yet')} />;
  return (
    <Card>
      <Timeline
        items={items.map((a) => ({
          color: a.action.includes('delete') ? 'red' : a.action.includes('create') ? 'green' : 'blue',
          content: (
            <div>
              <b>{t(...(AUDIT_ACTIONS[a.action] ?? ACTION_LABELS[a.action.split('.').pop() ?? ''] ?? [a.action, a.action]))}</b> · {a.actorName ?? ''} · {dayjs(a.at).format('YYYY-MM-DD HH:mm:ss')}
              {a.data && typeof a.data === 'object' && Object.keys(a.data).length ? <pre style={{ fontSize: 11, background: '#fafafa', padding: 6, margin: '4px 0 0', whiteSpace: 'pre-wrap' }}>{JSON.stringify(a.data, null, 1)}</pre> : null}
            </div>
          ),
        }))}
      />
    </Card>
  );
}

export const STATE_TAGS: Record<string, { color: string; label: [string, string] }> = {
  active: { color: 'processing', label: ['进行中', 'Active'] },
  completed: { color: 'success', label: ['已完成', 'Completed'] },
  terminated: { color: 'default', label: ['已终止', 'Terminated'] },
  incident: { color: 'error', label: ['异常', 'Incident'] },
};

function RelatedProcesses({ recordId }: { recordId: string }) {
  const t = useT();
  const q = useQuery({ queryKey: ['instances', 'business', recordId], queryFn: () => api.instances.list({ businessKey: recordId }) });
  const procName = useProcessName();
  if (q.error) return <ErrorAlert error={q.error} />;
  const rows = q.data ?? [];
  return (
    <Card>
      <ResponsiveTable<ProcessInstanceSummary>
        card={{ status: 'state' }}
        rowKey="id"
        loading={q.isLoading}
        dataSource={rows}
        pagination={false}
        locale={{ emptyText: t('没有涉及这条记录的流程', 'No process involves this record') }}
        columns={[
          { title: t('流程', 'Process'), render: (_, i) => <Link to={`/instances/${i.id}`}>{procName(i.definitionKey)}</Link> },
          { title: t('状态', 'State'), key: 'state', render: (_, i) => <Tag color={STATE_TAGS[i.state]?.color}>{t(...(STATE_TAGS[i.state]?.label ?? [i.state, i.state]))}</Tag> },
          { title: t('发起时间', 'Started'), render: (_, i) => (i.startedAt ? dayjs(i.startedAt).format('YYYY-MM-DD HH:mm') : '') },
        ]}
      />
    </Card>
  );
}
