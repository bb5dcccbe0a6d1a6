import { useEffect, useMemo, useState } from 'react';
import {
  App, Button, Card, Checkbox, Col, Drawer, Form, Input, InputNumber, Modal, Popconfirm, Row, Select, Space, Table, Tag, Typography,
} from 'antd';
import { DeleteOutlined, EditOutlined, FormOutlined, MinusCircleOutlined, PlusOutlined, UnorderedListOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormInstance } from 'antd';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, type Field, type FieldType, type ObjectDefinition } from '@crm/shared';
import { fieldTypeNames } from '@crm/form-engine';
import { checkFeel } from '@crm/feel';
import { api } from '../../lib/api';
import { useL, useT } from '../../lib/i18n';
import { groupByApp, useObject, useObjects, appOf } from '../../lib/meta';
import { hasProperty, SENSITIVITY_LABELS, typeLabel } from '../../lib/fieldTypes';
import { ErrorAlert, Loading, PageHeader } from '../../components/common';
import { ObjectRulesCard } from './ObjectRules';
import { RecordTriggersCard, RoleAccessCard } from './ObjectBindings';
import { keyFollowsLabel } from '../../lib/keys';

const KEY_RE = /^[a-z][a-z0-9_]{0,62}$/;

/** Maps the server's error details (`path` like `/options/choices/0/value`, `fields.0.key` or `key`) onto form fields. */
 
export type ErrorTarget = FormInstance<any>;

export function applyServerErrors(form: ErrorTarget, e: unknown, known: string[][]): boolean {
  if (!(e instanceof ApiError)) return false;
  const byName = new Map<string, string[]>();
  // Errors about the key itself come without details: put them at the key.
  if (!e.fieldErrors.length && /(_exists|duplicate|conflict)$/.test(e.code) && known.some((n) => n.length === 1 && n[0] === 'key')) {
    form.setFields([{ name: ['key'], errors: [e.message] }]);
    return true;
  }
  for (const d of e.fieldErrors) {
    const segs = String(d.path ?? '').replace(/^\//, '').split(/[./]/).filter(Boolean);
    if (!segs.length) continue;
    // Longest known name that is a prefix of the error path.
    let hit: string[] | undefined;
    for (const n of known) {
      if (n.length <= segs.length && n.every((s, i) => s === segs[i]) && (!hit || n.length > hit.length)) hit = n;
    }
    const name = hit ?? [segs[0]!];
    const k = name.join('.');
    byName.set(k, [...(byName.get(k) ?? []), d.message ?? d.code ?? e.message]);
  }
  if (!byName.size) return false;
  form.setFields([...byName.entries()].map(([k, errors]) => ({ name: k.split('.'), errors })));
  return true;
}

export function ObjectListPage() {
  const t = useT();
  const l = useL();
  const nav = useNavigate();
  const qc = useQueryClient();
  const objects = useObjects();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm();
  const create = useMutation({
    mutationFn: (v: { key: string; zh: string; en?: string; app?: string }) =>
      api.meta.createObject({ key: v.key, label: { 'zh-CN': v.zh, en: v.en || v.zh }, app: v.app || undefined, fields: [] }),
    onSuccess: (o) => {
      qc.invalidateQueries({ queryKey: ['meta'] });
      setOpen(false);
      // A new object is usable by nobody yet: its designer opens with the prompt to grant roles.
      nav(`/design/objects/${o.key}`);
    },
    onError: (e) => {
      applyServerErrors(form, e, [['key'], ['label'], ['app']]);
    },
  });
  const apps = groupByApp(objects.data ?? []);

  return (
    <div>
      <PageHeader
        title={t('对象设计', 'Object designer')}
        sub={t('定义业务对象与字段：每个对象是一张真实的数据表，每个字段一列。', 'Define business objects and their fields: each object is a real table, each field a column.')}
        extra={<Button type="primary" icon={<PlusOutlined />} onClick={() => { form.resetFields(); create.reset(); setOpen(true); }} data-testid="new-object">{t('新建对象', 'New object')}</Button>}
      />
      <ErrorAlert error={objects.error} />
      <Card>
        <Table<ObjectDefinition>
          rowKey="key"
          loading={objects.isLoading}
          dataSource={objects.data ?? []}
          pagination={false}
          onRow={(o) => ({ onClick: () => nav(`/design/objects/${o.key}`), style: { cursor: 'pointer' } })}
          columns={[
            { title: t('对象名称', 'Name'), render: (_, o) => <Typography.Text strong>{l(o.label, o.key)}</Typography.Text> },
            { title: t('标识', 'Key'), dataIndex: 'key', render: (k) => <code>{k}</code> },
            { title: t('所属应用', 'Application'), render: (_, o) => <Tag>{l(appOf(o).label)}</Tag> },
            { title: t('字段数', 'Fields'), render: (_, o) => o.fields?.length ?? 0 },
            {
              title: t('操作', 'Actions'),
              render: (_, o) => (
                <Space onClick={(e) => e.stopPropagation()}>
                  <Link to={`/design/objects/${o.key}`}><EditOutlined /> {t('字段', 'Fields')}</Link>
                  <Link to={`/records/${o.key}`}><UnorderedListOutlined /> {t('数据', 'Records')}</Link>
                </Space>
              ),
            },
          ]}
        />
      </Card>
      <Modal
        open={open}
        title={t('新建业务对象', 'New business object')}
        onCancel={() => setOpen(false)}
        onOk={() => form.submit()}
        confirmLoading={create.isPending}
        okText={t('创建', 'Create')}
        destroyOnHidden
      >
        {create.error && !(create.error instanceof ApiError && create.error.fieldErrors.length) ? <ErrorAlert error={create.error} /> : null}
        <Form form={form} layout="vertical" onFinish={(v) => create.mutate(v)} preserve={false} onValuesChange={keyFollowsLabel(form)}>
          <Form.Item name="zh" label={t('中文名称', 'Chinese name')} rules={[{ required: true, message: t('请填写中文名称', 'Enter a Chinese name') }]}>
            <Input placeholder={t('如：客户投诉', 'e.g. 客户投诉')} id="object-label" />
          </Form.Item>
          <Form.Item name="en" label={t('英文名称', 'English name')}>
            <Input placeholder="Complaint" />
          </Form.Item>
          <Form.Item
            name="key"
            label={t('标识（英文小写）', 'Key (lower case)')}
            extra={t('以小写字母开头，只含小写字母、数字、下划线；创建后不可修改。', 'Starts with a lower-case letter; letters, digits, underscores; cannot change later.')}
            rules={[{ required: true, message: t('请填写标识', 'Enter a key') }, { pattern: KEY_RE, message: t('格式不正确', 'Invalid format') }]}
          >
            <Input placeholder="complaint" id="object-key" />
          </Form.Item>
          <Form.Item name="app" label={t('所属应用', 'Application')}>
            <Select allowClear showSearch mode={undefined} placeholder={t('默认：业务数据', 'Default: business data')} options={[
              ...new Map([...apps.map((a) => [a.key, l(a.label)] as const), ['crm', t('客户管理', 'Customers')], ['service', t('客户服务', 'Service')], ['sales', t('营销管理', 'Sales')], ['risk', t('风险合规', 'Risk & compliance')]]).entries(),
            ].filter(([k]) => k !== '_default').map(([value, label]) => ({ value, label }))} />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}

export function ObjectDesignerPage() {
  const { object = '' } = useParams();
  const t = useT();
  const l = useL();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const obj = useObject(object);
  const [editing, setEditing] = useState<Field | 'new' | null>(null);
  const remove = useMutation({
    mutationFn: (key: string) => api.meta.deleteField(object, key),
    onSuccess: () => { message.success(t('字段已删除', 'Field deleted')); qc.invalidateQueries({ queryKey: ['meta'] }); },
    onError: (e) => message.error((e as Error).message),
  });
  if (obj.isLoading) return <Loading />;
  if (obj.error) return <ErrorAlert error={obj.error} />;
  const o = obj.data!;
  return (
    <div>
      <PageHeader
        title={<span>{l(o.label, o.key)} <Typography.Text type="secondary" style={{ fontSize: 14 }}><code>{o.key}</code></Typography.Text></span>}
        sub={t('字段列表 · 新增字段会立即在数据表中添加对应的列', 'Fields · adding a field adds its column at once')}
        extra={
          <>
            <Link to={`/design/forms?object=${o.key}`}><Button icon={<FormOutlined />}>{t('设计表单', 'Design a form')}</Button></Link>
            <Link to={`/records/${o.key}`}><Button icon={<UnorderedListOutlined />}>{t('查看数据', 'Records')}</Button></Link>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="add-field">{t('新增字段', 'Add field')}</Button>
          </>
        }
      />
      <RoleAccessCard key={o.key} obj={o} />
      <SubjectDeclaration object={o} />
      <Card>
        <Table<Field>
          rowKey="key"
          dataSource={o.fields ?? []}
          pagination={false}
          columns={[
            { title: t('字段名称', 'Label'), render: (_, f) => l(f.label, f.key) },
            { title: t('标识', 'Key'), dataIndex: 'key', render: (k) => <code>{k}</code> },
            { title: t('类型', 'Type'), dataIndex: 'type', render: (ty: FieldType) => <Tag color="geekblue">{t(...typeLabel(ty))}</Tag> },
            { title: t('必填', 'Required'), dataIndex: 'required', render: (v) => (v ? <Tag color="red">{t('必填', 'Required')}</Tag> : null) },
            { title: t('唯一', 'Unique'), dataIndex: 'unique', render: (v) => (v ? <Tag>{t('唯一', 'Unique')}</Tag> : null) },
            { title: t('敏感级别', 'Sensitivity'), dataIndex: 'sensitivity', render: (v?: number) => (v ? <Tag color={v >= 3 ? 'volcano' : 'default'}>{t(...SENSITIVITY_LABELS[v]!)}</Tag> : null) },
            {
              title: t('操作', 'Actions'),
              render: (_, f) => (
                <Space>
                  <Button size="small" type="link" icon={<EditOutlined />} onClick={() => setEditing(f)}>{t('编辑', 'Edit')}</Button>
                  <Popconfirm title={t('删除字段会删除这一列的全部数据，确定？', 'Deleting the field drops its column and data. Sure?')} onConfirm={() => remove.mutate(f.key)}>
                    <Button size="small" type="link" danger icon={<DeleteOutlined />}>{t('删除', 'Delete')}</Button>
                  </Popconfirm>
                </Space>
              ),
            },
          ]}
        />
      </Card>
      <ObjectRulesCard key={`${o.key}:${JSON.stringify(o.defaultForms ?? {})}`} obj={o} />
      <RecordTriggersCard obj={o} />
      <FieldEditor
        object={o}
        field={editing === 'new' ? null : editing}
        open={editing !== null}
        onClose={() => setEditing(null)}
        onSaved={() => { setEditing(null); qc.invalidateQueries({ queryKey: ['meta'] }); message.success(t('字段已保存', 'Field saved')); }}
      />
    </div>
  );
}

/**
 * PIPL: which relation field makes this object's records belong to a data subject (a customer). Declared
 * once here, the privacy service finds, copies and anonymises the object's records without code.
 */
function SubjectDeclaration({ object }: { object: ObjectDefinition }) {
  const t = useT();
  const l = useL();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const save = useMutation({
    mutationFn: (subjectField: string | null) => api.meta.updateObject(object.key, { subjectField }),
    onSuccess: () => { message.success(t('已保存', 'Saved')); void qc.invalidateQueries({ queryKey: ['meta'] }); },
    onError: (e) => message.error((e as Error).message),
  });
  const relations = (object.fields ?? []).filter((f) => f.type === 'relation');
  if (!relations.length) return null;
  return (
    <Card size="small" style={{ marginBottom: 12 }}>
      <Space wrap>
        <Typography.Text strong>{t('个人信息主体', 'Data subject (PIPL)')}</Typography.Text>
        <Typography.Text type="secondary">{t('本对象的记录属于哪个关联字段所指的客户：', 'Records of this object belong to the customer named by:')}</Typography.Text>
        <Select
          style={{ width: 220 }}
          allowClear
          data-testid="subject-field"
          value={object.subjectField ?? undefined}
          loading={save.isPending}
          placeholder={t('不属于任何数据主体', 'Not personal data of a subject')}
          options={relations.map((f) => ({ value: f.key, label: `${l(f.label, f.key)}（${f.target}）` }))}
          onChange={(v?: string) => save.mutate(v ?? null)}
        />
      </Space>
    </Card>
  );
}

interface FieldFormValues {
  key: string;
  zh: string;
  en?: string;
  type: FieldType;
  required?: boolean;
  unique?: boolean;
  sensitivity?: number;
  target?: string;
  default?: string;
  options?: { choices?: { value: string; zh: string; en?: string }[]; precision?: number; scale?: number; maxLength?: number; pattern?: string; expression?: string };
}

function toField(v: FieldFormValues): Field {
  const f: Field = { key: v.key, label: { 'zh-CN': v.zh, en: v.en || v.zh }, type: v.type };
  if (v.required) f.required = true;
  if (v.unique) f.unique = true;
  if (v.sensitivity) f.sensitivity = v.sensitivity as Field['sensitivity'];
  if (hasProperty(v.type, 'target')) f.target = v.target;
  if (v.default !== undefined && v.default !== '') f.default = v.default;
  const o = v.options ?? {};
  // Only the options the type's designer properties edit (field-type registry, web descriptor).
  const has = (p: Parameters<typeof hasProperty>[1]) => hasProperty(v.type, p);
  if (has('choices')) f.options = { choices: (o.choices ?? []).map((c) => ({ value: c.value, label: { 'zh-CN': c.zh, en: c.en || c.zh } })) };
  if (has('precision')) f.options = { precision: o.precision ?? 18, scale: o.scale ?? 2 };
  if (has('text_limits') && (o.maxLength || o.pattern)) f.options = { ...(o.maxLength ? { maxLength: o.maxLength } : {}), ...(o.pattern ? { pattern: o.pattern } : {}) };
  if (has('number_pattern')) f.options = { pattern: o.pattern || 'NO{yyyyMMdd}{seq:6}' };
  if (has('expression')) f.options = { expression: o.expression ?? '' };
  return f;
}

function fromField(f: Field): FieldFormValues {
  const label = typeof f.label === 'string' ? { 'zh-CN': f.label } : f.label;
  return {
    key: f.key,
    zh: label['zh-CN'] ?? '',
    en: label.en,
    type: f.type,
    required: f.required,
    unique: f.unique,
    sensitivity: f.sensitivity,
    target: f.target,
    default: f.default == null ? undefined : String(f.default),
    options: {
      ...f.options,
      choices: f.options?.choices?.map((c) => {
        const cl = typeof c.label === 'string' ? { 'zh-CN': c.label } : c.label;
        return { value: c.value, zh: cl['zh-CN'] ?? c.value, en: cl.en };
      }),
    },
  };
}

function FieldEditor({ object, field, open, onClose, onSaved }: { object: ObjectDefinition; field: Field | null; open: boolean; onClose(): void; onSaved(): void }) {
  const t = useT();
  const l = useL();
  const [form] = Form.useForm<FieldFormValues>();
  const objects = useObjects();
  const type = Form.useWatch('type', form);
  const expression = Form.useWatch(['options', 'expression'], form);
  const feelError = useMemo(() => (hasProperty(type, 'expression') && expression ? checkFeel(expression) : null), [type, expression]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!open) return;
    setError(null);
    form.resetFields();
    form.setFieldsValue(field ? fromField(field) : { type: 'text', options: { choices: [{ value: '', zh: '' }] } } as FieldFormValues);
  }, [open, field, form]);
  const save = useMutation({
    mutationFn: (v: FieldFormValues) => {
      const f = toField(v);
      if (field) {
        const { key: _k, ...patch } = f;
        return api.meta.updateField(object.key, field.key, patch);
      }
      return api.meta.addField(object.key, f);
    },
    onSuccess: onSaved,
    onError: (e) => {
      const mapped = applyServerErrors(form, e, [['key'], ['label'], ['type'], ['target'], ['options', 'choices'], ['options', 'expression'], ['options', 'pattern'], ['options', 'precision'], ['options', 'scale'], ['options', 'maxLength'], ['sensitivity'], ['default'], ['unique'], ['required']]);
      // Details whose path names no field of this form (and errors without details) show above the form.
      setError(mapped ? null : e);
    },
  });
  return (
    <Drawer
      open={open}
      onClose={onClose}
      size={520}
      title={field ? t('编辑字段', 'Edit field') : t('新增字段', 'Add field')}
      destroyOnHidden
      extra={<Space><Button onClick={onClose}>{t('取消', 'Cancel')}</Button><Button type="primary" loading={save.isPending} onClick={() => form.submit()} data-testid="save-field">{t('保存', 'Save')}</Button></Space>}
    >
      <ErrorAlert error={error} />
      <Form form={form} layout="vertical" onFinish={(v) => save.mutate(v)} onValuesChange={field ? undefined : keyFollowsLabel(form)}>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="zh" label={t('中文名称', 'Chinese label')} rules={[{ required: true, message: t('请填写名称', 'Enter a label') }]}><Input id="field-label" /></Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="en" label={t('英文名称', 'English label')}><Input /></Form.Item>
          </Col>
        </Row>
        <Form.Item name="key" label={t('标识', 'Key')} rules={[{ required: true, message: t('请填写标识', 'Enter a key') }, { pattern: KEY_RE, message: t('以小写字母开头，只含小写字母、数字、下划线', 'Lower-case letter first; letters, digits, underscores') }]}>
          <Input disabled={!!field} id="field-key" />
        </Form.Item>
        <Form.Item name="type" label={t('字段类型', 'Type')} rules={[{ required: true }]}>
          <Select
            disabled={!!field}
            showSearch
            optionFilterProp="label"
            id="field-type"
            options={fieldTypeNames().map((ty) => ({ value: ty, label: `${t(...typeLabel(ty))} · ${ty}` }))}
          />
        </Form.Item>
        <Space size="large">
          <Form.Item name="required" valuePropName="checked"><Checkbox>{t('必填', 'Required')}</Checkbox></Form.Item>
          <Form.Item name="unique" valuePropName="checked"><Checkbox>{t('唯一', 'Unique')}</Checkbox></Form.Item>
        </Space>
        <Form.Item name="sensitivity" label={t('数据敏感级别（JR/T 0197）', 'Sensitivity (JR/T 0197)')} extra={t('3级及以上默认脱敏显示并加密存储。', 'Level 3 and up are masked and encrypted at rest.')}>
          <Select allowClear options={[1, 2, 3, 4, 5].map((n) => ({ value: n, label: t(...SENSITIVITY_LABELS[n]!) }))} />
        </Form.Item>

        {hasProperty(type, 'choices') && (
          <Card size="small" title={t('选项', 'Choices')} style={{ marginBottom: 16 }}>
            <Form.List name={['options', 'choices']}>
              {(items, { add, remove }) => (
                <>
                  {items.map((it) => (
                    <Space key={it.key} align="baseline" style={{ display: 'flex' }}>
                      <Form.Item name={[it.name, 'value']} rules={[{ required: true, message: t('值', 'Value') }]}><Input placeholder={t('值', 'Value')} style={{ width: 110 }} /></Form.Item>
                      <Form.Item name={[it.name, 'zh']} rules={[{ required: true, message: t('中文', 'Chinese') }]}><Input placeholder={t('中文显示', 'Chinese')} style={{ width: 130 }} /></Form.Item>
                      <Form.Item name={[it.name, 'en']}><Input placeholder="English" style={{ width: 120 }} /></Form.Item>
                      <MinusCircleOutlined onClick={() => remove(it.name)} />
                    </Space>
                  ))}
                  <Button type="dashed" block icon={<PlusOutlined />} onClick={() => add({ value: '', zh: '' })}>{t('添加选项', 'Add choice')}</Button>
                </>
              )}
            </Form.List>
          </Card>
        )}
        {hasProperty(type, 'precision') && (
          <Space>
            <Form.Item name={['options', 'precision']} label={t('总位数', 'Precision')} initialValue={18}><InputNumber min={1} max={38} /></Form.Item>
            <Form.Item name={['options', 'scale']} label={t('小数位', 'Scale')} initialValue={2}><InputNumber min={0} max={12} /></Form.Item>
          </Space>
        )}
        {hasProperty(type, 'text_limits') && (
          <Row gutter={12}>
            <Col span={10}><Form.Item name={['options', 'maxLength']} label={t('最大长度', 'Max length')}><InputNumber min={1} style={{ width: '100%' }} /></Form.Item></Col>
            <Col span={14}><Form.Item name={['options', 'pattern']} label={t('格式（正则）', 'Pattern (regex)')}><Input placeholder="^[A-Z]{2}\d+$" /></Form.Item></Col>
          </Row>
        )}
        {hasProperty(type, 'target') && (
          <Form.Item name="target" label={t('关联对象', 'Target object')} rules={[{ required: true, message: t('请选择关联对象', 'Choose the target object') }]}>
            <Select options={(objects.data ?? []).map((o) => ({ value: o.key, label: `${l(o.label, o.key)} (${o.key})` }))} />
          </Form.Item>
        )}
        {hasProperty(type, 'number_pattern') && (
          <Form.Item name={['options', 'pattern']} label={t('编号规则', 'Numbering pattern')} extra={t('如 TS{yyyyMMdd}{seq:6} → TS20260101000001', 'e.g. TS{yyyyMMdd}{seq:6} → TS20260101000001')}>
            <Input placeholder="TS{yyyyMMdd}{seq:6}" />
          </Form.Item>
        )}
        {hasProperty(type, 'expression') && (
          <Form.Item
            name={['options', 'expression']}
            label={t('计算公式（FEEL）', 'Expression (FEEL)')}
            validateStatus={feelError ? 'error' : expression ? 'success' : undefined}
            help={feelError ? `${t('表达式有误：', 'Invalid expression: ')}${feelError.message}` : undefined}
            rules={[{ required: true, message: t('请填写公式', 'Enter an expression') }]}
          >
            <Input.TextArea rows={3} placeholder="amount * rate" style={{ fontFamily: 'monospace' }} />
          </Form.Item>
        )}
        {hasProperty(type, 'default') && (
          <Form.Item name="default" label={t('默认值', 'Default value')}><Input /></Form.Item>
        )}
      </Form>
    </Drawer>
  );
}
