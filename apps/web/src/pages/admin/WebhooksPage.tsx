/**
 * Webhook subscriptions (platform right `webhooks.manage`): the caller's subscriptions, create one (its
 * secret shown once), rotate the secret, send a test ping, and each subscription's delivery log with
 * every attempt — replay one message or every message of a time range.
 */
import { useState } from 'react';
import { Alert, App, Button, Card, DatePicker, Drawer, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { ApiOutlined, PlusOutlined, ReloadOutlined, SendOutlined, SyncOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs, { type Dayjs } from 'dayjs';
import { WEBHOOK_EVENT_KINDS, type Webhook, type WebhookCreate, type WebhookDelivery } from '@crm/shared';
import { api } from '../../lib/api';
import { useL, useT } from '../../lib/i18n';
import { ErrorAlert, PageHeader } from '../../components/common';

const STATUS_COLOR: Record<WebhookDelivery['status'], string> = { pending: 'processing', delivered: 'success', failed: 'error', filtered: 'default' };

export function WebhooksPage() {
  const t = useT();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const list = useQuery({ queryKey: ['webhooks'], queryFn: () => api.webhooks.list() });
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ id: string; secret: string } | null>(null);
  const [logOf, setLogOf] = useState<Webhook | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: ['webhooks'] });
  const rotate = useMutation({ mutationFn: (id: string) => api.webhooks.rotate(id), onSuccess: (s) => { setSecret(s); void refresh(); } });
  const remove = useMutation({ mutationFn: (id: string) => api.webhooks.delete(id), onSuccess: () => refresh() });
  const enable = useMutation({ mutationFn: (id: string) => api.webhooks.enable(id), onSuccess: () => refresh() });
  const ping = useMutation({ mutationFn: (id: string) => api.webhooks.ping(id), onSuccess: () => message.success(t('已发送测试消息，可在投递日志中查看结果', 'Test ping queued: see the delivery log')) });

  return (
    <div>
      <PageHeader title={t('Webhook 订阅', 'Webhooks')} sub={t('数据变更以签名的 HTTP 请求推送给外部系统（Standard Webhooks）', 'Changes pushed to other systems as signed HTTP requests (Standard Webhooks)')}
        extra={<Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="webhook-create">{t('新建订阅', 'New subscription')}</Button>} />
      <ErrorAlert error={list.error ?? rotate.error ?? remove.error ?? enable.error ?? ping.error} />
      <Card size="small">
        <Table<Webhook>
          size="small"
          rowKey="id"
          loading={list.isLoading}
          dataSource={list.data ?? []}
          pagination={false}
          data-testid="webhook-list"
          columns={[
            { title: t('目标地址', 'URL'), dataIndex: 'url', render: (v: string) => <Typography.Text code style={{ fontSize: 12 }}>{v}</Typography.Text> },
            { title: t('事件', 'Events'), dataIndex: 'events', render: (v: string[]) => v.map((e) => <Tag key={e}>{e}</Tag>) },
            { title: t('状态', 'Status'), dataIndex: 'status', width: 90, render: (v: string, w) => <Tag color={v === 'active' ? 'green' : 'red'} title={w.disabledReason ?? undefined}>{v === 'active' ? t('启用', 'active') : t('已停用', 'disabled')}</Tag> },
            { title: t('创建时间', 'Created'), dataIndex: 'createdAt', width: 150, render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm') },
            {
              title: t('操作', 'Actions'), width: 360, render: (_, w) => (
                <Space size={4} wrap>
                  <Button size="small" onClick={() => setLogOf(w)} data-testid={`webhook-log-${w.id}`}>{t('投递日志', 'Deliveries')}</Button>
                  <Button size="small" icon={<SendOutlined />} loading={ping.isPending && ping.variables === w.id} onClick={() => ping.mutate(w.id)} data-testid={`webhook-ping-${w.id}`}>{t('测试', 'Ping')}</Button>
                  <Popconfirm title={t('生成新密钥？旧密钥在 24 小时内仍然有效。', 'New secret? The old one stays valid for 24 hours.')} onConfirm={() => rotate.mutate(w.id)}>
                    <Button size="small" icon={<SyncOutlined />} data-testid={`webhook-rotate-${w.id}`}>{t('轮换密钥', 'Rotate')}</Button>
                  </Popconfirm>
                  {w.status === 'disabled' && <Button size="small" onClick={() => enable.mutate(w.id)}>{t('重新启用', 'Enable')}</Button>}
                  <Popconfirm title={t('删除该订阅？', 'Delete this subscription?')} onConfirm={() => remove.mutate(w.id)}>
                    <Button size="small" danger>{t('删除', 'Delete')}</Button>
                  </Popconfirm>
                </Space>
              ),
            },
          ]}
        />
      </Card>
      <CreateModal open={creating} onClose={() => setCreating(false)} onCreated={(s) => { setCreating(false); setSecret(s); void refresh(); }} />
      <Modal open={!!secret} title={t('签名密钥（仅显示这一次）', 'Signing secret (shown only this once)')} onCancel={() => setSecret(null)} footer={<Button type="primary" onClick={() => setSecret(null)} data-testid="webhook-secret-done">{t('我已保存', 'I have saved it')}</Button>}>
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('请立即复制并交给接收方保存；关闭后无法再次查看，只能轮换。', 'Copy it to the receiver now: it cannot be shown again, only rotated.')} />
        <Typography.Paragraph copyable code data-testid="webhook-secret">{secret?.secret}</Typography.Paragraph>
      </Modal>
      {logOf && <DeliveryLog webhook={logOf} onClose={() => setLogOf(null)} />}
    </div>
  );
}

function CreateModal({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (s: { id: string; secret: string }) => void }) {
  const t = useT();
  const l = useL();
  const [form] = Form.useForm<WebhookCreate>();
  const objects = useQuery({ queryKey: ['meta', 'objects'], queryFn: () => api.meta.listObjects(), enabled: open });
  const create = useMutation({ mutationFn: (b: WebhookCreate) => api.webhooks.create(b), onSuccess: (s) => { form.resetFields(); onCreated(s); } });
  const eventOptions = (objects.data ?? []).flatMap((o) => WEBHOOK_EVENT_KINDS.filter((k) => k.startsWith('record.')).map((k) => ({ value: `${k}:${o.key}`, label: `${k}:${o.key}（${l(o.label, o.key)}）` })));
  return (
    <Modal open={open} title={t('新建 Webhook 订阅', 'New webhook subscription')} onCancel={onClose} onOk={() => form.submit()} okText={t('创建', 'Create')} confirmLoading={create.isPending} okButtonProps={{ 'data-testid': 'webhook-create-ok' } as Record<string, string>} destroyOnHidden>
      <ErrorAlert error={create.error} />
      <Form form={form} layout="vertical" onFinish={(v) => create.mutate({ ...v, filter: v.filter || undefined, description: v.description || undefined })}>
        <Form.Item name="url" label={t('目标地址', 'Target URL')} rules={[{ required: true, type: 'url' }]} extra={t('须在管理员配置的允许列表内', 'Must be in the allow-list set by the administrator')}>
          <Input placeholder="https://partner.example/hooks/crm" data-testid="webhook-url" />
        </Form.Item>
        <Form.Item name="events" label={t('事件', 'Events')} rules={[{ required: true }]} extra={t('可输入 process.completed:<流程> 等', 'Also e.g. process.completed:<process key>')}>
          <Select mode="tags" options={eventOptions} data-testid="webhook-events" tokenSeparators={[',', ' ']} />
        </Form.Item>
        <Form.Item name="filter" label={t('过滤条件（FEEL，可选）', 'Filter (FEEL, optional)')}><Input placeholder='risk_level = "high"' /></Form.Item>
        <Form.Item name="description" label={t('说明', 'Description')}><Input /></Form.Item>
      </Form>
    </Modal>
  );
}

function DeliveryLog({ webhook, onClose }: { webhook: Webhook; onClose: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [range, setRange] = useState<[Dayjs | null, Dayjs | null] | null>(null);
  const key = ['webhooks', webhook.id, 'deliveries'];
  const log = useQuery({ queryKey: key, queryFn: () => api.webhooks.deliveries(webhook.id, { limit: 200 }), refetchInterval: 2000 });
  const replay = useMutation({
    mutationFn: (b: { messageId?: string; from?: string; to?: string }) => api.webhooks.replay(webhook.id, b),
    onSuccess: (r) => { message.success(t(`已重新排队 ${r.replayed} 条消息`, `${r.replayed} message(s) queued again`)); void qc.invalidateQueries({ queryKey: key }); },
  });
  return (
    <Drawer open width={960} title={<Space><ApiOutlined />{t('投递日志', 'Delivery log')}<Typography.Text type="secondary" style={{ fontSize: 12 }}>{webhook.url}</Typography.Text></Space>} onClose={onClose}>
      <Space style={{ marginBottom: 12 }} wrap>
        <span data-testid="replay-range"><DatePicker.RangePicker showTime value={range} onChange={(v) => setRange(v)} /></span>
        <Button disabled={!range?.[0] || !range?.[1]} loading={replay.isPending} onClick={() => replay.mutate({ from: range![0]!.toISOString(), to: range![1]!.toISOString() })} data-testid="replay-range-run">{t('重放该时间段', 'Replay this range')}</Button>
        <Button icon={<ReloadOutlined />} onClick={() => log.refetch()}>{t('刷新', 'Refresh')}</Button>
      </Space>
      <ErrorAlert error={log.error ?? replay.error} />
      <Table<WebhookDelivery>
        size="small"
        rowKey="messageId"
        loading={log.isLoading}
        dataSource={log.data ?? []}
        pagination={{ pageSize: 20 }}
        data-testid="delivery-log"
        expandable={{ expandedRowRender: (d) => <Attempts webhookId={webhook.id} messageId={d.messageId} /> }}
        columns={[
          { title: t('时间', 'Time'), dataIndex: 'createdAt', width: 150, render: (v: string) => dayjs(v).format('MM-DD HH:mm:ss') },
          { title: t('事件', 'Event'), dataIndex: 'event' },
          { title: t('状态', 'Status'), dataIndex: 'status', width: 90, render: (v: WebhookDelivery['status']) => <Tag color={STATUS_COLOR[v]} data-testid="delivery-status">{{ pending: t('待投递', 'pending'), delivered: t('已送达', 'delivered'), failed: t('失败', 'failed'), filtered: t('已过滤', 'filtered') }[v]}</Tag> },
          { title: t('尝试', 'Attempts'), dataIndex: 'attempts', width: 60 },
          { title: t('HTTP 状态', 'HTTP'), dataIndex: 'lastStatusCode', width: 70, render: (v: number | null) => v ?? '—' },
          { title: t('下次尝试', 'Next attempt'), dataIndex: 'nextAttemptAt', width: 120, render: (v: string | null) => (v ? dayjs(v).format('MM-DD HH:mm:ss') : '—') },
          { title: t('消息 ID', 'Message id'), dataIndex: 'messageId', render: (v: string) => <Typography.Text code style={{ fontSize: 11 }}>{v}</Typography.Text> },
          { title: '', width: 70, render: (_, d) => <Button size="small" onClick={() => replay.mutate({ messageId: d.messageId })} data-testid={`replay-${d.messageId}`}>{t('重放', 'Replay')}</Button> },
        ]}
      />
    </Drawer>
  );
}

function Attempts({ webhookId, messageId }: { webhookId: string; messageId: string }) {
  const t = useT();
  const q = useQuery({ queryKey: ['webhooks', webhookId, 'delivery', messageId], queryFn: () => api.webhooks.delivery(webhookId, messageId) });
  return (
    <Table
      size="small"
      rowKey={(a) => a.at}
      loading={q.isLoading}
      dataSource={q.data?.attemptLog ?? []}
      pagination={false}
      data-testid="delivery-attempts"
      columns={[
        { title: t('尝试时间', 'At'), dataIndex: 'at', render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm:ss') },
        { title: t('HTTP 状态', 'HTTP'), dataIndex: 'statusCode', render: (v: number | null) => v ?? '—' },
        { title: t('耗时', 'Latency'), dataIndex: 'latencyMs', render: (v: number) => `${v} ms` },
        { title: t('错误 / 响应摘要', 'Error / answer excerpt'), render: (_, a) => <Typography.Text style={{ fontSize: 12 }} ellipsis={{ tooltip: true }}>{a.error ?? a.responseExcerpt ?? ''}</Typography.Text> },
      ]}
    />
  );
}
