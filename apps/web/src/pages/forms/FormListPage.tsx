import { useState } from 'react';
import { Button, Card, Form, Input, Modal, Select, Space, Table, Tag } from 'antd';
import { EditOutlined, FormOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { type FormSummary } from '@crm/shared';
import { api } from '../../lib/api';
import { useL, useT } from '../../lib/i18n';
import { useObjects } from '../../lib/meta';
import { ErrorAlert, PageHeader } from '../../components/common';
import { applyServerErrors } from '../objects/ObjectDesigner';
import { keyFollowsLabel } from '../../lib/keys';

export function FormListPage() {
  const t = useT();
  const l = useL();
  const nav = useNavigate();
  const qc = useQueryClient();
  const [params] = useSearchParams();
  const objects = useObjects();
  const forms = useQuery({ queryKey: ['meta', 'forms'], queryFn: () => api.meta.listForms() });
  const [open, setOpen] = useState(!!params.get('object'));
  const [form] = Form.useForm();
  const create = useMutation({
    mutationFn: (v: { key: string; zh: string; en?: string; object: string }) =>
      // A new form starts with one section to drop fields into.
      api.meta.createForm({ key: v.key, object: v.object, title: { 'zh-CN': v.zh, en: v.en || v.zh }, layout: [{ type: 'section', title: { 'zh-CN': '基本信息', en: 'Basic information' }, columns: 2, items: [] }] }),
    onSuccess: (f) => { qc.invalidateQueries({ queryKey: ['meta', 'forms'] }); nav(`/design/forms/${f.key}`); },
    onError: (e) => setCreateError(applyServerErrors(form, e, [['key'], ['object'], ['title']]) ? null : e),
  });
  const [createError, setCreateError] = useState<unknown>(null);
  const objectFilter = params.get('object');
  const rows = (forms.data ?? []).filter((f) => !objectFilter || f.object === objectFilter);
  return (
    <div>
      <PageHeader
        title={t('表单设计', 'Form designer')}
        sub={t('拖拽设计表单，配置联动规则，发布后即可在业务中使用。', 'Design forms by drag and drop, add rules, publish and use them.')}
        extra={<Button type="primary" icon={<PlusOutlined />} onClick={() => { form.resetFields(); setCreateError(null); if (objectFilter) form.setFieldsValue({ object: objectFilter }); setOpen(true); }} data-testid="new-form">{t('新建表单', 'New form')}</Button>}
      />
      <ErrorAlert error={forms.error} />
      <Card>
        <Table<FormSummary>
          rowKey="key"
          loading={forms.isLoading}
          dataSource={rows}
          pagination={false}
          columns={[
            { title: t('表单名称', 'Title'), render: (_, f) => <Link to={`/design/forms/${f.key}`}>{l(f.title, f.key)}</Link> },
            { title: t('标识', 'Key'), dataIndex: 'key', render: (k) => <code>{k}</code> },
            { title: t('对象', 'Object'), dataIndex: 'object', render: (o) => l(objects.data?.find((x) => x.key === o)?.label, o) },
            { title: t('状态', 'Status'), render: (_, f) => (f.latestVersion > 0 ? <Tag color="green">{t('已发布', 'Published')} v{f.latestVersion}</Tag> : <Tag>{t('草稿', 'Draft')}</Tag>) },
            {
              title: t('操作', 'Actions'),
              render: (_, f) => (
                <Space>
                  <Link to={`/design/forms/${f.key}`}><EditOutlined /> {t('设计', 'Design')}</Link>
                  {f.latestVersion > 0 ? <Link to={`/fill/${f.key}`}><FormOutlined /> {t('填写', 'Fill in')}</Link> : null}
                </Space>
              ),
            },
          ]}
        />
      </Card>
      <Modal open={open} title={t('新建表单', 'New form')} onCancel={() => setOpen(false)} onOk={() => form.submit()} confirmLoading={create.isPending} okText={t('创建并设计', 'Create and design')} destroyOnHidden>
        <ErrorAlert error={createError} />
        <Form form={form} layout="vertical" onFinish={(v) => create.mutate(v)} initialValues={{ object: objectFilter ?? undefined }} onValuesChange={keyFollowsLabel(form)}>
          <Form.Item name="object" label={t('业务对象', 'Object')} rules={[{ required: true, message: t('请选择对象', 'Choose an object') }]}>
            <Select id="form-object" showSearch optionFilterProp="label" options={(objects.data ?? []).map((o) => ({ value: o.key, label: `${l(o.label, o.key)} (${o.key})` }))} />
          </Form.Item>
          <Form.Item name="zh" label={t('表单标题', 'Title')} rules={[{ required: true, message: t('请填写标题', 'Enter a title') }]}><Input id="form-zh" /></Form.Item>
          <Form.Item name="en" label={t('英文标题', 'English title')}><Input /></Form.Item>
          <Form.Item name="key" label={t('标识', 'Key')} rules={[{ required: true, message: t('请填写标识', 'Enter a key') }, { pattern: /^[a-z][a-z0-9_]{0,62}$/, message: t('格式不正确', 'Invalid format') }]}><Input id="form-key" /></Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
