import { useCallback, useEffect, useMemo, useState } from 'react';
import { DndProvider } from 'react-dnd';
import { HTML5Backend } from 'react-dnd-html5-backend';
import { Alert, App, Badge, Button, Form, Input, Modal, Segmented, Space, Tag, Tooltip } from 'antd';
import { CloudUploadOutlined, EditOutlined, EyeOutlined, RedoOutlined, SaveOutlined, UndoOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { FIELD_TYPES, type Field } from '@crm/shared';
import { api } from '../../../lib/api';
import { useL, useLang, useT } from '../../../lib/i18n';
import { defaultOptions, hasProperty, typeLabel } from '../../../lib/fieldTypes';
import { ErrorAlert, Loading, PageHeader } from '../../../components/common';
import { FormController } from '../../../components/form/controller';
import { FormRenderer } from '../../../components/form/FormRenderer';
import { applyServerErrors } from '../../objects/ObjectDesigner';
import { Canvas, type DropItem, type PaletteItem } from './Canvas';
import { Palette } from './Palette';
import { FormProcessBinding } from './FormProcess';
import { keyFollowsLabel } from '../../../lib/keys';
import { PropsPanel } from './PropsPanel';
import { findNode, locate, newBlock, newId, placedFields, useDesigner, type DNode } from './model';

const KEY_RE = /^[a-z][a-z0-9_]{0,62}$/;

interface Pending { kind: 'field' | 'subfield' | 'group'; type: Field['type']; parent: string | null; index: number }

export function FormDesignerPage() {
  const { key = '' } = useParams();
  const t = useT();
  const l = useL();
  const lang = useLang((s) => s.lang);
  const qc = useQueryClient();
  const { message } = App.useApp();
  const draft = useQuery({ queryKey: ['meta', 'form', key], queryFn: () => api.meta.getForm(key) });
  const objectKey = draft.data?.object;
  const obj = useQuery({ queryKey: ['meta', 'object', objectKey], queryFn: () => api.meta.getObject(objectKey!), enabled: !!objectKey });
  const nodes = useDesigner((s) => s.nodes);
  const meta = useDesigner((s) => s.meta);
  const dirty = useDesigner((s) => s.dirty);
  const canUndo = useDesigner((s) => s.past.length > 0);
  const canRedo = useDesigner((s) => s.future.length > 0);
  const [mode, setMode] = useState<'design' | 'preview'>('design');
  const [pending, setPending] = useState<Pending | null>(null);
  const [published, setPublished] = useState<number | null>(null);
  const [saveError, setSaveError] = useState<unknown>(null);

  useEffect(() => {
    if (draft.data && useDesigner.getState().meta.key !== draft.data.key) useDesigner.getState().load(draft.data);
    if (draft.data) setPublished(draft.data.latestVersion || null);
  }, [draft.data]);
  useEffect(() => () => useDesigner.getState().load({ key: '', object: '', title: '', layout: [] }), []);

  const fields = useMemo(() => new Map((obj.data?.fields ?? []).map((f) => [f.key, f])), [obj.data]);
  const placed = useMemo(() => placedFields(nodes), [nodes]);

  // Undo / redo from the keyboard, outside text inputs.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const tag = (e.target as HTMLElement)?.tagName;
      if (tag === 'INPUT' || tag === 'TEXTAREA') return;
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z' && !e.shiftKey) { e.preventDefault(); useDesigner.getState().undo(); }
      else if ((e.ctrlKey || e.metaKey) && (e.key.toLowerCase() === 'y' || (e.key.toLowerCase() === 'z' && e.shiftKey))) { e.preventDefault(); useDesigner.getState().redo(); }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  /** Puts a palette item at (parent, index); true when it is on the form now (a new field waits for its modal). */
  const place = useCallback((item: PaletteItem, parent: string | null, index: number): boolean => {
    const st = useDesigner.getState();
    const parentKind = parent ? findNode(st.nodes, parent)?.kind ?? null : null;
    if (item.kind === 'existing') {
      if (placedFields(st.nodes).has(item.field)) {
        message.info(t('该字段已在表单中', 'That field is already on the form'));
        return false;
      }
      return st.insert(parent, index, { id: newId(), kind: 'field', field: item.field });
    } else if (item.kind === 'type') {
      setPending({ kind: parentKind === 'group' ? 'subfield' : 'field', type: item.fieldType, parent, index });
    } else if (item.block === 'group') {
      setPending({ kind: 'group', type: 'json', parent, index });
    } else if (st.insert(parent, index, newBlock(item.block, t))) {
      return true;
    } else {
      message.warning(t('这里放不下该元素', 'That cannot go here'));
    }
    return false;
  }, [message, t]);

  const onDrop = useCallback((d: DropItem, parent: string | null, index: number) => {
    if (d.type === 'NODE') useDesigner.getState().move(d.id, parent, index);
    else void place(d.item, parent, index);
  }, [place]);

  /** Keyboard alternative to dragging: add at the selection (into a selected container, after a selected field). */
  const addAtSelection = useCallback((item: PaletteItem) => {
    const st = useDesigner.getState();
    const sel = st.selected ? findNode(st.nodes, st.selected) : null;
    const at = sel ? locate(st.nodes, sel.id) : null;
    const [parent, index]: [string | null, number] =
      sel && sel.children && !(sel.kind === 'tabs' || sel.kind === 'steps') ? [sel.id, sel.children.length]
        : sel && (sel.kind === 'tabs' || sel.kind === 'steps') && sel.children?.[0] ? [sel.children[0].id, sel.children[0].children?.length ?? 0]
          : at ? [at.parent, at.index + 1]
            : [null, st.nodes.length];
    // A double-click or Enter adds without a drag: say where it went.
    if (place(item, parent, index)) {
      message.success(sel ? t('已添加到选中元素之后，可拖动调整位置', 'Added after the selection; drag to move it') : t('已添加到表单末尾，可拖动调整位置', 'Added at the end of the form; drag to move it'));
    }
  }, [place, message, t]);

  const save = useMutation({
    mutationFn: async () => {
      const def = useDesigner.getState().definition();
      return api.meta.saveForm(key, def);
    },
    onSuccess: () => { useDesigner.getState().markSaved(); setSaveError(null); qc.invalidateQueries({ queryKey: ['meta', 'forms'] }); },
    onError: (e) => setSaveError(e),
  });
  const publish = useMutation({
    mutationFn: async () => {
      await api.meta.saveForm(key, useDesigner.getState().definition());
      useDesigner.getState().markSaved();
      return api.meta.publishForm(key);
    },
    onSuccess: (r) => {
      setSaveError(null);
      setPublished(r.version);
      message.success(t(`已发布，版本 v${r.version}`, `Published as version ${r.version}`));
      qc.invalidateQueries({ queryKey: ['meta'] });
    },
    onError: (e) => setSaveError(e),
  });

  if (draft.isLoading) return <Loading />;
  if (draft.error) return <ErrorAlert error={draft.error} />;

  return (
    <DndProvider backend={HTML5Backend}>
      <PageHeader
        title={<span>{l(meta.title, key)} {dirty ? <Badge status="warning" text={<span style={{ fontSize: 12, color: '#888' }}>{t('未保存', 'unsaved')}</span>} /> : null}</span>}
        sub={<span>{t('表单设计', 'Form designer')} · <code>{key}</code> · {t('对象', 'object')} {l(obj.data?.label, objectKey)} {published ? <Tag color="green" data-testid="published-version">{t('已发布', 'Published')} v{published}</Tag> : <Tag>{t('草稿', 'Draft')}</Tag>}</span>}
        extra={
          <Space>
            <Segmented value={mode} onChange={(v) => setMode(v as 'design' | 'preview')} options={[{ value: 'design', label: t('设计', 'Design'), icon: <EditOutlined /> }, { value: 'preview', label: t('预览', 'Preview'), icon: <EyeOutlined /> }]} data-testid="mode" />
            <Tooltip title={t('撤销 (Ctrl+Z)', 'Undo (Ctrl+Z)')}><Button icon={<UndoOutlined />} disabled={!canUndo} onClick={() => useDesigner.getState().undo()} aria-label={t('撤销', 'Undo')} data-testid="undo" /></Tooltip>
            <Tooltip title={t('重做 (Ctrl+Y)', 'Redo (Ctrl+Y)')}><Button icon={<RedoOutlined />} disabled={!canRedo} onClick={() => useDesigner.getState().redo()} aria-label={t('重做', 'Redo')} data-testid="redo" /></Tooltip>
            <Button icon={<SaveOutlined />} loading={save.isPending} onClick={() => save.mutate()} data-testid="save-form">{t('保存草稿', 'Save draft')}</Button>
            <Button type="primary" icon={<CloudUploadOutlined />} loading={publish.isPending} onClick={() => publish.mutate()} data-testid="publish-form">{t('发布', 'Publish')}</Button>
            {published ? <Link to={`/fill/${key}`}><Button data-testid="fill-form">{t('填写表单', 'Fill in')}</Button></Link> : null}
          </Space>
        }
      />
      <ErrorAlert error={saveError} />
      <ErrorAlert error={obj.error} />
      <FormProcessBinding formKey={key} />
      {mode === 'design' ? (
        <div className="fd-root">
          <Palette fields={obj.data?.fields ?? []} placed={placed} onAdd={addAtSelection} />
          <Canvas fields={fields} onDrop={onDrop} />
          <PropsPanel fields={fields} />
        </div>
      ) : (
        <Preview fields={obj.data?.fields ?? []} lang={lang} />
      )}
      <NewFieldModal
        pending={pending}
        objectKey={objectKey ?? ''}
        onCancel={() => setPending(null)}
        onCreated={(node) => {
          const p = pending!;
          setPending(null);
          useDesigner.getState().insert(p.parent, p.index, node);
          qc.invalidateQueries({ queryKey: ['meta', 'object', objectKey] });
        }}
      />
    </DndProvider>
  );
}

function Preview({ fields, lang }: { fields: Field[]; lang: 'zh-CN' | 'en' }) {
  const t = useT();
  const nodes = useDesigner((s) => s.nodes);
  const meta = useDesigner((s) => s.meta);
  const def = useMemo(() => useDesigner.getState().definition(), [nodes, meta]); // eslint-disable-line react-hooks/exhaustive-deps
  const ctrl = useMemo(() => new FormController(fields, def, lang), [fields, def, lang]);
  const [result, setResult] = useState<string | null>(null);
  // The server checks the definition while compiling its validator: show its problems once it answered.
  const [, checked] = useState(0);
  useEffect(() => { let live = true; void ctrl.ready.then(() => { if (live) checked((n) => n + 1); }); return () => { live = false; }; }, [ctrl]);
  return (
    <div style={{ background: '#fff', borderRadius: 8, padding: 24, border: '1px solid #eceef2', maxWidth: 960, margin: '0 auto' }} data-testid="form-preview">
      <div style={{ fontSize: 18, fontWeight: 600, marginBottom: 16 }}>{typeof meta.title === 'string' ? meta.title : meta.title[lang] ?? meta.title['zh-CN']}</div>
      {ctrl.definitionErrors.length > 0 && (
        <Alert type="error" showIcon style={{ marginBottom: 12 }} title={t('表单定义有问题，发布前请修正：', 'The form definition has problems to fix before publishing:')}
          description={<ul style={{ margin: 0, paddingLeft: 18 }}>{ctrl.definitionErrors.map((d, i) => <li key={i}><code>{d.path || '/'}</code> {d.message}</li>)}</ul>} data-testid="definition-errors" />
      )}
      <FormRenderer ctrl={ctrl} layout={def.layout} lang={lang} idPrefix="pv" />
      <Space>
        <Button type="primary" onClick={async () => { await ctrl.ready; const r = ctrl.validateAll(); setResult(ctrl.hasBlockingErrors(r) ? t(`有 ${ctrl.errorCount()} 处需要修改`, `${ctrl.errorCount()} problems to fix`) : t('校验通过（预览不会保存数据）', 'Valid (the preview saves nothing)')); }}>{t('校验', 'Validate')}</Button>
        {result && <span>{result}</span>}
      </Space>
    </div>
  );
}

function NewFieldModal({ pending, objectKey, onCancel, onCreated }: { pending: Pending | null; objectKey: string; onCancel(): void; onCreated(node: DNode): void }) {
  const t = useT();
  const [form] = Form.useForm<{ zh: string; en?: string; key: string; choices?: string }>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => { if (pending) { form.resetFields(); setError(null); } }, [pending, form]);
  const type = pending?.type;
  const submit = async (v: { zh: string; en?: string; key: string; choices?: string }) => {
    if (!pending) return;
    const field: Field = { key: v.key, label: { 'zh-CN': v.zh, en: v.en || v.zh }, type: pending.type };
    const initial = defaultOptions(pending.type);
    if (initial) field.options = initial;
    if (hasProperty(type, 'choices') && v.choices) {
      // `high=高风险` sets the stored value; a bare label gets a generated one.
      field.options = {
        choices: v.choices.split(/[,，\n]/).map((s) => s.trim()).filter(Boolean).map((s, i) => {
          const m = s.match(/^([A-Za-z0-9_]+)\s*[=:：]\s*(.+)$/);
          if (m) return { value: m[1]!, label: m[2]! };
          return { value: /^[A-Za-z0-9_]+$/.test(s) ? s : `o${i + 1}`, label: s };
        }),
      };
    }
    if (pending.kind === 'subfield') {
      onCreated({ id: newId(), kind: 'subfield', def: field });
      return;
    }
    setBusy(true);
    try {
      await api.meta.addField(objectKey, field);
      onCreated(pending.kind === 'group'
        ? { id: newId(), kind: 'group', field: v.key, title: field.label, columns: 3, children: [] }
        : { id: newId(), kind: 'field', field: v.key });
    } catch (e) {
      if (!applyServerErrors(form, e, [['key'], ['label'], ['options', 'choices']])) setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={!!pending}
      title={pending?.kind === 'group' ? t('新建明细（重复组）', 'New repeating group') : `${t('新建字段', 'New field')} · ${type ? t(...typeLabel(type)) : ''}`}
      onCancel={onCancel}
      onOk={() => form.submit()}
      confirmLoading={busy}
      okText={t('创建并放置', 'Create and place')}
      destroyOnHidden
    >
      <ErrorAlert error={error} />
      <div className="fr-help" style={{ marginBottom: 12 }}>
        {pending?.kind === 'subfield' ? t('作为明细的一列，保存在明细数据中。', 'A column of the repeating group, stored in its rows.') : t('字段会立即加入对象（数据表新增一列）。', 'The field is added to the object at once (a new column).')}
      </div>
      <Form form={form} layout="vertical" onFinish={submit} onValuesChange={keyFollowsLabel(form)}>
        <Form.Item name="zh" label={t('中文名称', 'Chinese label')} rules={[{ required: true, message: t('请填写名称', 'Enter a label') }]}><Input id="new-field-label" autoFocus /></Form.Item>
        <Form.Item name="en" label={t('英文名称', 'English label')}><Input /></Form.Item>
        <Form.Item name="key" label={t('标识', 'Key')} rules={[{ required: true, message: t('请填写标识', 'Enter a key') }, { pattern: KEY_RE, message: t('以小写字母开头，只含小写字母、数字、下划线', 'Lower-case letter first; letters, digits, underscores') }]}><Input id="new-field-key" /></Form.Item>
        {hasProperty(type, 'choices') && (
          <Form.Item name="choices" label={t('选项（用逗号分隔）', 'Choices (comma separated)')} rules={[{ required: true, message: t('请填写选项', 'Enter choices') }]}>
            <Input.TextArea rows={2} placeholder={t('low=低, medium=中, high=高', 'low=Low, medium=Medium, high=High')} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

export { FIELD_TYPES };
