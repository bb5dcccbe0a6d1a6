import { useState } from 'react';
import { Alert, App, Button, Form, Modal, Select, Space, Typography } from 'antd';
import { TagsOutlined, UserSwitchOutlined } from '@ant-design/icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { Field, RecordBulkResult } from '@crm/shared';
import { api } from '../../lib/api';
import { useL, useT } from '../../lib/i18n';
import { errorText } from '../../components/common';

/**
 * Bulk actions on the selected rows: assign an owner (among the users of the caller's org unit and
 * below) and add tags to a tags field. The server writes each record as a single change (rights, rules,
 * audit) and answers per record; refused ones are listed with their reason.
 */
export function BulkActions({ object, ids, fields, onDone }: { object: string; ids: string[]; fields: Field[]; onDone(): void }) {
  const t = useT();
  const l = useL();
  const { message } = App.useApp();
  const [mode, setMode] = useState<'assign' | 'tag' | null>(null);
  const [result, setResult] = useState<RecordBulkResult | null>(null);
  const [form] = Form.useForm<{ owner?: string; field?: string; tags?: string[] }>();
  const tagFields = fields.filter((f) => f.type === 'tags');
  const assignees = useQuery({ queryKey: ['assignees', object], queryFn: () => api.records.assignees(object), enabled: mode === 'assign' });
  const run = useMutation({
    mutationFn: (v: { owner?: string; field?: string; tags?: string[] }) =>
      api.records.bulk(object, mode === 'assign' ? { ids, set: { owner_id: v.owner } } : { ids, addTags: { field: v.field ?? tagFields[0]!.key, tags: v.tags ?? [] } }),
    onSuccess: (r) => {
      setResult(r);
      if (!r.failed.length) { message.success(t(`已更新 ${r.updated.length} 条`, `${r.updated.length} updated`)); setMode(null); }
      onDone();
    },
    onError: (e) => message.error(errorText(e, t)),
  });
  const close = () => { setMode(null); setResult(null); form.resetFields(); };

  return (
    <Space wrap data-testid="bulk-actions">
      <Typography.Text>{t(`已选 ${ids.length} 条`, `${ids.length} selected`)}</Typography.Text>
      <Button size="small" icon={<UserSwitchOutlined />} onClick={() => { setResult(null); setMode('assign'); }} data-testid="bulk-assign">{t('批量分配', 'Assign')}</Button>
      {tagFields.length > 0 && <Button size="small" icon={<TagsOutlined />} onClick={() => { setResult(null); setMode('tag'); }} data-testid="bulk-tag">{t('批量打标签', 'Tag')}</Button>}
      <Modal open={mode !== null} title={mode === 'assign' ? t(`分配 ${ids.length} 条记录的负责人`, `Assign ${ids.length} records`) : t(`给 ${ids.length} 条记录打标签`, `Tag ${ids.length} records`)}
        onCancel={close} onOk={() => form.submit()} okText={t('确定', 'OK')} cancelText={t('关闭', 'Close')} confirmLoading={run.isPending} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={(v) => run.mutate(v)} initialValues={{ field: tagFields[0]?.key }}>
          {mode === 'assign' ? (
            <Form.Item name="owner" label={t('新的负责人', 'New owner')} rules={[{ required: true, message: t('请选择负责人', 'Choose an owner') }]}>
              <Select showSearch optionFilterProp="label" loading={assignees.isLoading} options={(assignees.data ?? []).map((u) => ({ value: u.id, label: u.name }))} data-testid="bulk-owner" />
            </Form.Item>
          ) : (
            <>
              {tagFields.length > 1 && (
                <Form.Item name="field" label={t('标签字段', 'Tags field')}>
                  <Select options={tagFields.map((f) => ({ value: f.key, label: l(f.label, f.key) }))} />
                </Form.Item>
              )}
              <Form.Item name="tags" label={t('添加的标签（保留原有标签）', 'Tags to add (existing ones are kept)')} rules={[{ required: true, message: t('请输入标签', 'Enter tags') }]}>
                <Select mode="tags" open={false} tokenSeparators={[',', '，']} data-testid="bulk-tags" />
              </Form.Item>
            </>
          )}
        </Form>
        {result && result.failed.length > 0 && (
          <Alert type="warning" showIcon data-testid="bulk-result"
            title={t(`已更新 ${result.updated.length} 条，${result.failed.length} 条未更新`, `${result.updated.length} updated, ${result.failed.length} not`)}
            description={<ul style={{ margin: 0, paddingLeft: 16 }}>{result.failed.slice(0, 20).map((f, i) => <li key={f.id}>{t(`第 ${ids.indexOf(f.id) + 1} 条`, `Row ${ids.indexOf(f.id) + 1}`)}：{f.message}{i === 19 && result.failed.length > 20 ? '…' : ''}</li>)}</ul>} />
        )}
      </Modal>
    </Space>
  );
}
