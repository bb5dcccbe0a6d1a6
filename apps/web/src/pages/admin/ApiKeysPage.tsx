/**
 * API keys: everyone's own keys (create — the secret shown once, with a copy button —, list, revoke);
 * user administrators (`admin.users`) also see every key and manage service accounts' keys.
 */
import { useState } from 'react';
import { Alert, App, Button, Card, Form, Input, InputNumber, Modal, Popconfirm, Select, Table, Tabs, Tag, Typography } from 'antd';
import { KeyOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs from 'dayjs';
import type { ApiKey, CreatedApiKey } from '@crm/shared';
import { api, useAuth } from '../../lib/api';
import { useT } from '../../lib/i18n';
import { ErrorAlert, PageHeader } from '../../components/common';

interface KeyValues { name: string; expiresInDays?: number; userId?: string }

const when = (v: string | null) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : '—');

/**
 * `onRevoke` gets the key; `canRevoke` says which keys the viewer may revoke (the administrator: service
 * accounts' keys and their own — a person's key is that person's alone).
 */
function KeyTable({ items, loading, onRevoke, canRevoke, showOwner, testId }: { items: ApiKey[]; loading: boolean; onRevoke(k: ApiKey): void; canRevoke(k: ApiKey): boolean; showOwner: boolean; testId: string }) {
  const t = useT();
  return (
    <Table<ApiKey>
      size="small"
      rowKey="id"
      loading={loading}
      dataSource={items}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      data-testid={testId}
      scroll={{ x: 'max-content' }}
      columns={[
        { title: t('名称', 'Name'), dataIndex: 'name' },
        ...(showOwner ? [{ title: t('所属账号', 'Account'), dataIndex: 'username', render: (v: string, k: ApiKey) => <span>{v} {k.serviceAccount && <Tag>{t('服务账号', 'Service account')}</Tag>}</span> }] : []),
        { title: t('创建时间', 'Created'), dataIndex: 'createdAt', render: when },
        { title: t('到期', 'Expires'), dataIndex: 'expiresAt', render: (v: string | null) => (v ? when(v) : t('永不过期', 'Never')) },
        { title: t('最近使用', 'Last used'), dataIndex: 'lastUsedAt', render: when },
        {
          title: t('状态', 'Status'), key: 'status',
          render: (_: unknown, k: ApiKey) => k.revokedAt ? <Tag color="red">{t('已吊销', 'Revoked')}</Tag>
            : k.expiresAt && dayjs(k.expiresAt).isBefore(dayjs()) ? <Tag>{t('已过期', 'Expired')}</Tag> : <Tag color="green">{t('有效', 'Active')}</Tag>,
        },
        {
          title: t('操作', 'Actions'), key: 'actions',
          render: (_: unknown, k: ApiKey) => !k.revokedAt && canRevoke(k) && (
            <Popconfirm title={t('吊销后使用该密钥的系统将立即无法访问，确定吊销？', 'Systems using this key lose access at once. Revoke it?')} okText={t('吊销', 'Revoke')} cancelText={t('取消', 'Cancel')} onConfirm={() => onRevoke(k)}>
              <Button size="small" danger data-testid={`revoke-${k.name}`}>{t('吊销', 'Revoke')}</Button>
            </Popconfirm>
          ),
        },
      ]}
    />
  );
}

/** The secret of a key just created: shown this once, with a copy button and a warning. */
function SecretOnce({ created, onClose }: { created: CreatedApiKey | null; onClose(): void }) {
  const t = useT();
  return (
    <Modal open={!!created} title={t('API 密钥已创建', 'API key created')} onCancel={onClose} footer={<Button type="primary" onClick={onClose}>{t('我已妥善保存', 'I have stored it')}</Button>}>
      <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('密钥只显示这一次，关闭后无法再次查看，请立即复制并妥善保管。', 'The key is shown only this once: copy it now and keep it safe.')} />
      <Typography.Paragraph copyable={{ text: created?.key ?? '', tooltips: [t('复制', 'Copy'), t('已复制', 'Copied')] }} code data-testid="api-key-secret" style={{ wordBreak: 'break-all' }}>
        {created?.key}
      </Typography.Paragraph>
    </Modal>
  );
}

export function ApiKeysPage() {
  const t = useT();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const user = useAuth((s) => s.user);
  const isAdmin = !!user?.platform?.includes('admin.users');
  const mine = useQuery({ queryKey: ['api-keys', 'mine'], queryFn: () => api.listApiKeys() });
  const all = useQuery({ queryKey: ['api-keys', 'all'], queryFn: () => api.admin.listServiceApiKeys(), enabled: isAdmin });
  const services = useQuery({ queryKey: ['api-keys', 'service-accounts'], queryFn: () => api.admin.listUsers({ limit: 200 }), enabled: isAdmin });
  const [creating, setCreating] = useState<'own' | 'service' | null>(null);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [form] = Form.useForm<KeyValues>();
  const refresh = () => qc.invalidateQueries({ queryKey: ['api-keys'] });
  const create = useMutation({
    mutationFn: (v: KeyValues) => {
      const common = { name: v.name, ...(v.expiresInDays ? { expiresInDays: v.expiresInDays } : {}) };
      return creating === 'service' ? api.admin.createServiceApiKey({ ...common, userId: v.userId! }) : api.createApiKey(common);
    },
    onSuccess: (k) => { setCreating(null); form.resetFields(); setCreated(k); void refresh(); },
  });
  const revoke = useMutation({
    // The caller's own key through their own route; a service account's through the administrator's.
    mutationFn: (k: ApiKey) => (k.userId === user?.id ? api.revokeApiKey(k.id) : api.admin.revokeServiceApiKey(k.id)),
    onSuccess: () => { message.success(t('已吊销', 'Revoked')); void refresh(); },
  });
  const serviceAccounts = (services.data ?? []).filter((u) => u.serviceAccount);

  return (
    <div>
      <PageHeader
        title={t('API 密钥', 'API keys')}
        sub={t('供外部系统以您的身份（或服务账号）调用接口；权限与所属账号相同', 'For other systems calling the API as you (or a service account), with that account\'s rights')}
        extra={<Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating('own')} data-testid="api-key-create">{t('新建密钥', 'New key')}</Button>}
      />
      <ErrorAlert error={mine.error ?? all.error ?? revoke.error} />
      <Tabs
        items={[
          { key: 'mine', label: t('我的密钥', 'My keys'), children: <Card size="small"><KeyTable items={mine.data ?? []} loading={mine.isLoading} showOwner={false} testId="my-api-keys" canRevoke={() => true} onRevoke={(k) => revoke.mutate(k)} /></Card> },
          ...(isAdmin
            ? [{
              key: 'all', label: t('全部密钥（管理员）', 'All keys (administrator)'),
              children: (
                <Card size="small" extra={<Button size="small" icon={<KeyOutlined />} onClick={() => setCreating('service')} data-testid="service-key-create">{t('为服务账号新建', 'New for a service account')}</Button>}>
                  <KeyTable items={all.data ?? []} loading={all.isLoading} showOwner testId="all-api-keys" canRevoke={(k) => k.serviceAccount || k.userId === user?.id} onRevoke={(k) => revoke.mutate(k)} />
                </Card>
              ),
            }]
            : []),
        ]}
      />
      <Modal open={!!creating} title={creating === 'service' ? t('为服务账号新建密钥', 'New key for a service account') : t('新建 API 密钥', 'New API key')}
        onCancel={() => setCreating(null)} onOk={() => form.submit()} okText={t('创建', 'Create')} cancelText={t('取消', 'Cancel')} confirmLoading={create.isPending} destroyOnHidden>
        <ErrorAlert error={create.error} />
        <Form form={form} layout="vertical" onFinish={(v) => create.mutate(v)} data-testid="api-key-form">
          <Form.Item name="name" label={t('名称（用途）', 'Name (what it is for)')} rules={[{ required: true, max: 200, message: t('请填写名称', 'Enter a name') }]}>
            <Input data-testid="api-key-name" placeholder={t('例如：数据仓库同步', 'e.g. data warehouse sync')} />
          </Form.Item>
          {creating === 'service' && (
            <Form.Item name="userId" label={t('服务账号', 'Service account')} rules={[{ required: true, message: t('请选择服务账号', 'Choose a service account') }]}>
              <Select options={serviceAccounts.map((u) => ({ value: u.id, label: u.displayName || u.username }))} notFoundContent={t('暂无服务账号', 'No service accounts')} />
            </Form.Item>
          )}
          <Form.Item name="expiresInDays" label={t('有效天数（留空为永不过期）', 'Valid for days (empty: never expires)')}>
            <InputNumber min={1} max={3650} style={{ width: '100%' }} />
          </Form.Item>
        </Form>
      </Modal>
      <SecretOnce created={created} onClose={() => setCreated(null)} />
    </div>
  );
}
