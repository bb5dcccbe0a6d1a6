/**
 * The object designer's validation rules and default forms. A rule holds on every write of the object
 * (新建/编辑 pages, API, import, processes): when its condition holds, the fields it requires must be
 * filled and its check must be true. The condition is built visually or typed, checked as you type.
 */
import { useState } from 'react';
import { Alert, App, Button, Card, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined, SaveOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, type ObjectDefinition, type ObjectRule } from '@crm/shared';
import { api } from '../../lib/api';
import { useL, useT } from '../../lib/i18n';
import { ConditionBuilder, FeelEditor, useFeelIssues } from '../../components/FeelEditor';
import { ErrorAlert } from '../../components/common';

export function ObjectRulesCard({ obj }: { obj: ObjectDefinition }) {
  const t = useT();
  const l = useL();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [editing, setEditing] = useState<ObjectRule | 'new' | null>(null);
  const save = useMutation({
    mutationFn: (rules: ObjectRule[]) => api.meta.updateObject(obj.key, { rules }),
    onSuccess: () => { qc.invalidateQueries({ queryKey: ['meta'] }); message.success(t('校验规则已保存', 'Rules saved')); setEditing(null); },
  });
  const rules = obj.rules ?? [];
  const label = (k: string) => l(obj.fields.find((f) => f.key === k)?.label ?? k, k);
  return (
    <Card title={t('校验规则（所有入口均强制执行）', 'Validation rules (enforced on every write)')} style={{ marginTop: 12 }} data-testid="object-rules"
      extra={<Button icon={<PlusOutlined />} onClick={() => { save.reset(); setEditing('new'); }} data-testid="add-rule">{t('新增规则', 'Add a rule')}</Button>}>
      {!editing && <ErrorAlert error={save.error} />}
      <Table<ObjectRule>
        rowKey="key" size="small" pagination={false} dataSource={rules}
        locale={{ emptyText: t('暂无规则：新建/编辑页面、接口、导入和流程写入都只校验字段本身', 'No rules yet') }}
        columns={[
          { title: t('条件', 'When'), render: (_, r) => (r.when ? <code>{r.when}</code> : <Typography.Text type="secondary">{t('始终', 'always')}</Typography.Text>) },
          { title: t('必填字段', 'Requires'), render: (_, r) => (r.require ?? []).map((k) => <Tag key={k}>{label(k)}</Tag>) },
          { title: t('校验', 'Check'), render: (_, r) => (r.assert ? <code>{r.assert}</code> : null) },
          { title: t('提示', 'Message'), render: (_, r) => r.message['zh-CN'] },
          {
            title: t('操作', 'Actions'),
            render: (_, r) => (
              <Space>
                <Button size="small" type="link" onClick={() => { save.reset(); setEditing(r); }}>{t('编辑', 'Edit')}</Button>
                <Popconfirm title={t('删除这条规则？', 'Delete this rule?')} onConfirm={() => save.mutate(rules.filter((x) => x.key !== r.key))}>
                  <Button size="small" type="link" danger icon={<DeleteOutlined />}>{t('删除', 'Delete')}</Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      {editing && (
        <RuleEditor obj={obj} rule={editing === 'new' ? null : editing} busy={save.isPending} error={save.error}
          onClose={() => setEditing(null)}
          onSave={(r) => save.mutate(editing === 'new' ? [...rules, r] : rules.map((x) => (x.key === (editing as ObjectRule).key ? r : x)))} />
      )}
      <DefaultForms obj={obj} />
    </Card>
  );
}

function RuleEditor({ obj, rule, busy, error, onClose, onSave }: { obj: ObjectDefinition; rule: ObjectRule | null; busy: boolean; error: unknown; onClose(): void; onSave(r: ObjectRule): void }) {
  const t = useT();
  const l = useL();
  const [when, setWhen] = useState(rule?.when ?? '');
  const [assert, setAssert] = useState(rule?.assert ?? '');
  const [require, setRequire] = useState<string[]>(rule?.require ?? []);
  const [zh, setZh] = useState(rule?.message['zh-CN'] ?? '');
  const [en, setEn] = useState(rule?.message.en ?? '');
  const whenIssues = useFeelIssues(when, obj.fields);
  const assertIssues = useFeelIssues(assert, obj.fields);
  const ok = zh.trim() && (require.length || assert.trim()) && !whenIssues.length && !assertIssues.length;
  const key = rule?.key ?? `rule_${Date.now().toString(36)}`;
  const serverErrors = error instanceof ApiError ? error.fieldErrors.map((d) => d.message).filter(Boolean) : [];
  return (
    <Modal open width={720} title={rule ? t('编辑校验规则', 'Edit the rule') : t('新增校验规则', 'New rule')} onCancel={onClose} okText={t('保存', 'Save')}
      okButtonProps={{ disabled: !ok, loading: busy, icon: <SaveOutlined />, 'data-testid': 'save-rule' } as never}
      onOk={() => onSave({ key, ...(when.trim() ? { when: when.trim() } : {}), ...(require.length ? { require } : {}), ...(assert.trim() ? { assert: assert.trim() } : {}), message: { 'zh-CN': zh.trim(), ...(en.trim() ? { en: en.trim() } : {}) } })}>
      <Form layout="vertical">
        <Form.Item label={t('当满足以下条件时（留空表示始终）', 'When (empty: always)')}>
          <ConditionBuilder fields={obj.fields} onApply={setWhen} testId="rule-when-builder" />
          <div style={{ marginTop: 6 }}><FeelEditor value={when} onChange={setWhen} fields={obj.fields} placeholder="amount > 1000000" testId="rule-when" /></div>
        </Form.Item>
        <Form.Item label={t('这些字段必须填写', 'These fields must be filled')}>
          <Select mode="multiple" value={require} onChange={setRequire} optionFilterProp="label" data-testid="rule-require" options={obj.fields.map((f) => ({ value: f.key, label: l(f.label, f.key) }))} />
        </Form.Item>
        <Form.Item label={t('并且这个表达式必须成立（可选）', 'And this must be true (optional)')}>
          <FeelEditor value={assert} onChange={setAssert} fields={obj.fields} placeholder="amount <= 50000000" testId="rule-assert" />
        </Form.Item>
        <Form.Item label={t('违反时提示（中文）', 'Message (Chinese)')} required>
          <Input value={zh} onChange={(e) => setZh(e.target.value)} data-testid="rule-message-zh" placeholder={t('例如：预约金额超过 100 万元时必须填写备注', 'e.g. a remark is required above 1,000,000')} />
        </Form.Item>
        <Form.Item label={t('违反时提示（英文，可选）', 'Message (English, optional)')}>
          <Input value={en} onChange={(e) => setEn(e.target.value)} />
        </Form.Item>
      </Form>
      {serverErrors.length > 0 && <Alert type="error" showIcon title={serverErrors.join('；')} />}
    </Modal>
  );
}

/** Which published forms the object's 新建 and 编辑 pages use. */
function DefaultForms({ obj }: { obj: ObjectDefinition }) {
  const t = useT();
  const l = useL();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const forms = useQuery({ queryKey: ['meta', 'forms'], queryFn: () => api.meta.listForms() });
  const mine = (forms.data ?? []).filter((f) => f.object === obj.key && f.latestVersion > 0);
  const [create, setCreate] = useState<string | undefined>(obj.defaultForms?.create);
  const [edit, setEdit] = useState<string | undefined>(obj.defaultForms?.edit);
  const save = useMutation({
    mutationFn: () => api.meta.updateObject(obj.key, { defaultForms: { ...(create ? { create } : {}), ...(edit ? { edit } : {}) } }),
    onSuccess: () => { qc.invalidateQueries({ queryKey: ['meta'] }); message.success(t('页面表单已保存', 'Page forms saved')); },
  });
  const options = mine.map((f) => ({ value: f.key, label: `${l(f.title, f.key)}（v${f.latestVersion}）` }));
  return (
    <div style={{ marginTop: 16 }} data-testid="default-forms">
      <Typography.Title level={5}>{t('页面使用的表单', 'Forms of the pages')}</Typography.Title>
      <ErrorAlert error={save.error} />
      <Space wrap>
        <span>{t('新建页面', 'New page')}</span>
        <Select allowClear optionFilterProp="label" style={{ width: 220 }} value={create} onChange={setCreate} options={options} placeholder={t('通用表单', 'Generic form')} data-testid="default-form-create" />
        <span>{t('编辑页面', 'Edit page')}</span>
        <Select allowClear optionFilterProp="label" style={{ width: 220 }} value={edit} onChange={setEdit} options={options} placeholder={t('通用表单', 'Generic form')} data-testid="default-form-edit" />
        <Button onClick={() => save.mutate()} loading={save.isPending} data-testid="save-default-forms">{t('保存', 'Save')}</Button>
      </Space>
      {!mine.length && <div className="fr-help">{t('本对象还没有已发布的表单：先在“表单设计”中设计并发布。', 'No published form of this object yet.')}</div>}
    </div>
  );
}
