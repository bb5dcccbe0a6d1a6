import { useMemo } from 'react';
import { Button, Card, Checkbox, Divider, Empty, Form, Input, InputNumber, Select, Space, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { FeelEditor } from '../../../components/FeelEditor';
import type { Field, FormRule } from '@crm/shared';
import { useL, useT } from '../../../lib/i18n';
import { rowFieldTypes, typeLabel } from '../../../lib/fieldTypes';
import { findNode, newBlock, placedFields, useDesigner, type DNode } from './model';
import { LocalizedInput } from './LocalizedInput';
import { fieldItemAccepts } from '../../../lib/formEngine';

/** A FEEL input of the form designer: completion of the object's fields and the semantic check as you type. */
export function FeelInput({ value, onChange, placeholder, testId, fields }: { value: string; onChange(v: string): void; placeholder?: string; id?: string; testId?: string; fields?: Map<string, Field> }) {
  const list = useMemo(() => (fields ? [...fields.values()] : undefined), [fields]);
  return <FeelEditor value={value} onChange={onChange} placeholder={placeholder} testId={testId} fields={list} />;
}

export function PropsPanel({ fields }: { fields: Map<string, Field> }) {
  const t = useT();
  const selected = useDesigner((s) => s.selected);
  const nodes = useDesigner((s) => s.nodes);
  const node = selected ? findNode(nodes, selected) : null;
  return (
    <div className="fd-props" data-testid="props-panel">
      {node ? <NodeProps node={node} fields={fields} /> : <FormProps fields={fields} />}
      {!node && nodes.length === 0 && <Empty description={t('选中画布上的元素以编辑属性', 'Select an element to edit it')} image={Empty.PRESENTED_IMAGE_SIMPLE} />}
    </div>
  );
}

function NodeProps({ node, fields }: { node: DNode; fields: Map<string, Field> }) {
  const t = useT();
  const l = useL();
  const update = useDesigner((s) => s.update);
  const insert = useDesigner((s) => s.insert);
  const field = node.field ? fields.get(node.field) : undefined;
  return (
    <Form layout="vertical" size="small">
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        {node.kind === 'field' ? t('字段属性', 'Field') : node.kind === 'subfield' ? t('明细列', 'Group column') : t('布局属性', 'Layout block')}
      </Typography.Title>
      {node.kind === 'field' && (
        <>
          <div style={{ marginBottom: 12, fontSize: 12, color: '#6b7280' }}>
            <code>{node.field}</code> · {field ? t(...typeLabel(field.type)) : t('字段不存在', 'missing')} · {l(field?.label)}
          </div>
          <Form.Item label={t('标签（留空用字段名称）', 'Label (blank: the field\'s)')}>
            <LocalizedInput id="prop-label" value={node.label} onChange={(v) => update(node.id, { label: v })} />
          </Form.Item>
          {!(fieldItemAccepts('placeholder') && fieldItemAccepts('help')) && (
            <div className="fr-help" style={{ marginBottom: 8 }}>{t('当前表单定义格式不保存占位提示与帮助说明，它们只在本次设计的预览中生效。', 'The form definition format does not store placeholder and help yet: they apply to this session\'s preview only.')}</div>
          )}
          <Form.Item label={t('占位提示', 'Placeholder')}>
            <LocalizedInput value={node.placeholder} onChange={(v) => update(node.id, { placeholder: v })} />
          </Form.Item>
          <Form.Item label={t('帮助说明', 'Help text')}>
            <LocalizedInput textarea value={node.help} onChange={(v) => update(node.id, { help: v })} />
          </Form.Item>
          <Form.Item>
            <Checkbox checked={!!node.required || !!field?.required} disabled={!!field?.required} onChange={(e) => update(node.id, { required: e.target.checked || undefined })} id="prop-required">
              {t('在此表单中必填', 'Required on this form')}
            </Checkbox>
            {field?.required && <div className="fr-help">{t('该字段在对象上已设为必填。', 'The field is required on the object.')}</div>}
          </Form.Item>
        </>
      )}
      {node.kind === 'subfield' && node.def && (
        <>
          <Form.Item label={t('列名称', 'Label')}>
            <LocalizedInput value={node.def.label} onChange={(v) => update(node.id, { def: { ...node.def!, label: v ?? '' } })} />
          </Form.Item>
          <Form.Item label={t('标识', 'Key')}>
            <Input value={node.def.key} onChange={(e) => update(node.id, { def: { ...node.def!, key: e.target.value } })} />
          </Form.Item>
          <Form.Item label={t('类型', 'Type')}>
            <Select value={node.def.type} onChange={(v) => update(node.id, { def: { ...node.def!, type: v } })} options={rowFieldTypes().map((x) => ({ value: x, label: t(...typeLabel(x)) }))} />
          </Form.Item>
          <Checkbox checked={!!node.def.required} onChange={(e) => update(node.id, { def: { ...node.def!, required: e.target.checked || undefined } })}>{t('必填', 'Required')}</Checkbox>
        </>
      )}
      {node.kind !== 'field' && node.kind !== 'subfield' && (
        <>
          <Form.Item label={t('标题', 'Title')}>
            <LocalizedInput id="prop-title" value={node.title} onChange={(v) => update(node.id, { title: v })} />
          </Form.Item>
          {(node.kind === 'section' || node.kind === 'columns' || node.kind === 'pane' || node.kind === 'group') && (
            <Form.Item label={t('列数', 'Columns')}>
              <InputNumber min={1} max={4} value={node.columns ?? 1} onChange={(v) => update(node.id, { columns: v ?? 1 })} />
            </Form.Item>
          )}
          {(node.kind === 'tabs' || node.kind === 'steps') && (
            <Button icon={<PlusOutlined />} onClick={() => insert(node.id, node.children?.length ?? 0, newBlock('pane', t))}>
              {node.kind === 'tabs' ? t('添加标签页', 'Add tab') : t('添加步骤', 'Add step')}
            </Button>
          )}
          {node.kind === 'group' && (
            <>
              <div style={{ fontSize: 12, color: '#6b7280', marginBottom: 8 }}>{t('数据保存在字段', 'Rows are stored in field')} <code>{node.field}</code></div>
              <Space>
                <Form.Item label={t('最少行数', 'Min rows')}><InputNumber min={0} value={node.minItems} onChange={(v) => update(node.id, { minItems: v ?? undefined })} /></Form.Item>
                <Form.Item label={t('最多行数', 'Max rows')}><InputNumber min={1} value={node.maxItems} onChange={(v) => update(node.id, { maxItems: v ?? undefined })} /></Form.Item>
              </Space>
            </>
          )}
        </>
      )}
    </Form>
  );
}

function FormProps({ fields }: { fields: Map<string, Field> }) {
  const t = useT();
  const l = useL();
  const meta = useDesigner((s) => s.meta);
  const nodes = useDesigner((s) => s.nodes);
  const setMeta = useDesigner((s) => s.setMeta);
  const placed = placedFields(nodes);
  const fieldOptions = [...fields.values()].map((f) => ({ value: f.key, label: `${l(f.label, f.key)}${placed.has(f.key) ? '' : t('（未放置）', ' (not placed)')}` }));
  const setRule = (i: number, patch: Partial<FormRule>) => setMeta({ rules: meta.rules.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  return (
    <Form layout="vertical" size="small">
      <Typography.Title level={5} style={{ marginTop: 0 }}>{t('表单属性', 'Form')}</Typography.Title>
      <Form.Item label={t('表单标题', 'Title')}>
        <LocalizedInput id="form-title" value={meta.title} onChange={(v) => setMeta({ title: v ?? '' })} />
      </Form.Item>
      <div style={{ fontSize: 12, color: '#6b7280' }}>{t('标识', 'Key')} <code>{meta.key}</code> · {t('对象', 'Object')} <code>{meta.object}</code></div>
      <Divider titlePlacement="start" plain style={{ margin: '12px 0' }}>{t('联动规则（FEEL）', 'Rules (FEEL)')}</Divider>
      {meta.rules.map((r, i) => (
        <Card key={i} size="small" style={{ marginBottom: 8 }} data-testid={`rule-${i}`}
          title={<span style={{ fontSize: 12 }}>{t('规则', 'Rule')} {i + 1}</span>}
          extra={<Button size="small" type="text" danger icon={<DeleteOutlined />} onClick={() => setMeta({ rules: meta.rules.filter((_, j) => j !== i) })} aria-label={t('删除规则', 'Delete rule')} />}>
          <Form.Item label={t('当（条件）', 'When')} style={{ marginBottom: 8 }}>
            <FeelInput value={r.when} onChange={(v) => setRule(i, { when: v })} placeholder={'risk_level = "high"'} testId={`rule-${i}-when`} fields={fields} />
          </Form.Item>
          {(['show', 'hide', 'require', 'readOnly'] as const).map((k) => (
            <Form.Item key={k} label={{ show: t('显示字段', 'Show'), hide: t('隐藏字段', 'Hide'), require: t('设为必填', 'Require'), readOnly: t('设为只读', 'Read-only') }[k]} style={{ marginBottom: 8 }}>
              <Select mode="multiple" allowClear optionFilterProp="label" value={r[k] ?? []} onChange={(v) => setRule(i, { [k]: v })} options={fieldOptions} data-testid={`rule-${i}-${k}`} />
            </Form.Item>
          ))}
          <Form.Item label={t('赋值（字段 = FEEL）', 'Set (field = FEEL)')} style={{ marginBottom: 0 }}>
            {Object.entries(r.set ?? {}).map(([fk, expr]) => (
              <Space.Compact key={fk} style={{ width: '100%', marginBottom: 4 }}>
                <Select style={{ width: 110 }} value={fk} options={fieldOptions} onChange={(nk) => { const s = { ...r.set }; delete s[fk]; s[nk] = expr; setRule(i, { set: s }); }} />
                <div style={{ flex: 1 }}><FeelInput value={expr} onChange={(v) => setRule(i, { set: { ...r.set, [fk]: v } })} fields={fields} /></div>
                <Button icon={<DeleteOutlined />} onClick={() => { const s = { ...r.set }; delete s[fk]; setRule(i, { set: s }); }} />
              </Space.Compact>
            ))}
            <Button size="small" type="dashed" icon={<PlusOutlined />} onClick={() => { const free = [...fields.keys()].find((k) => !(k in (r.set ?? {}))); if (free) setRule(i, { set: { ...r.set, [free]: '' } }); }}>{t('添加赋值', 'Add assignment')}</Button>
          </Form.Item>
        </Card>
      ))}
      <Button block type="dashed" icon={<PlusOutlined />} onClick={() => setMeta({ rules: [...meta.rules, { when: '' }] })} data-testid="add-rule">{t('添加规则', 'Add rule')}</Button>
      <Divider titlePlacement="start" plain style={{ margin: '12px 0' }}>{t('计算字段', 'Computed values')}</Divider>
      {Object.entries(meta.computed).map(([fk, expr]) => (
        <div key={fk} style={{ marginBottom: 6 }}>
          <Space.Compact style={{ width: '100%' }}>
            <Select style={{ width: 110 }} value={fk} options={fieldOptions} onChange={(nk) => { const c = { ...meta.computed }; delete c[fk]; c[nk] = expr; setMeta({ computed: c }); }} />
            <div style={{ flex: 1 }}><FeelInput value={expr} onChange={(v) => setMeta({ computed: { ...meta.computed, [fk]: v } })} fields={fields} /></div>
            <Button icon={<DeleteOutlined />} onClick={() => { const c = { ...meta.computed }; delete c[fk]; setMeta({ computed: c }); }} />
          </Space.Compact>
        </div>
      ))}
      <Button size="small" type="dashed" icon={<PlusOutlined />} onClick={() => { const free = [...fields.keys()].find((k) => !(k in meta.computed)); if (free) setMeta({ computed: { ...meta.computed, [free]: '' } }); }}>{t('添加计算', 'Add computed value')}</Button>
    </Form>
  );
}
