/**
 * Process incidents (platform right `process.admin`): the open incidents with their process, activity
 * and error (its first line: never a stack trace), the instance's variables as the viewer may see
 * them, and a retry after confirmation; the list refreshes after it.
 */
import { useState } from 'react';
import { App, Button, Card, Descriptions, Drawer, Empty, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import { RedoOutlined, ReloadOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import dayjs from 'dayjs';
import type { Incident } from '@crm/shared';
import { api } from '../../lib/api';
import { useL, useT, type T } from '../../lib/i18n';
import { ErrorAlert, Loading, PageHeader } from '../../components/common';

/** The error as an operator reads it: its first line, without a stack. */
export function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/\s+at\s.*$/, '').slice(0, 300);
}

const kindLabel = (t: T, k: string) => ({ engine: t('流程执行', 'Engine'), job: t('服务任务', 'Service task'), call: t('子流程调用', 'Call') })[k] ?? k;

function VariablesOf({ instanceId }: { instanceId: string }) {
  const t = useT();
  const l = useL();
  const inst = useQuery({ queryKey: ['instance', instanceId], queryFn: () => api.instances.get(instanceId) });
  if (inst.isLoading) return <Loading />;
  if (inst.error) return <ErrorAlert error={inst.error} />;
  const vars = Object.entries(inst.data?.variables ?? {});
  if (!vars.length) return <Empty description={t('没有流程变量', 'No variables')} />;
  return (
    <Descriptions size="small" column={1} bordered data-testid="incident-variables">
      {vars.map(([k, v]) => (
        <Descriptions.Item key={k} label={l(inst.data?.variableLabels?.[k], k)}>
          <Typography.Text style={{ wordBreak: 'break-all' }}>{typeof v === 'string' ? v : JSON.stringify(v)}</Typography.Text>
        </Descriptions.Item>
      ))}
    </Descriptions>
  );
}

export function IncidentsPage() {
  const t = useT();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const list = useQuery({ queryKey: ['incidents'], queryFn: () => api.incidents.list() });
  const [open, setOpen] = useState<Incident | null>(null);
  const retry = useMutation({
    mutationFn: (id: string) => api.incidents.retry(id),
    onSuccess: () => {
      message.success(t('已重试：任务重新进入执行队列', 'Retried: the job is queued again'));
      setOpen(null);
      void qc.invalidateQueries({ queryKey: ['incidents'] });
    },
  });
  const processOf = (i: Incident) => i.processName ?? i.processDefinitionKey;
  const activityOf = (i: Incident) => i.activityName ?? i.activityId;

  return (
    <div>
      <PageHeader
        title={t('流程异常', 'Incidents')}
        sub={t('流程执行失败的环节：查看错误与流程变量，修正后重试', 'Steps of processes that failed: see the error and the variables, fix and retry')}
        extra={!list.error && <Button icon={<ReloadOutlined />} onClick={() => void list.refetch()}>{t('刷新', 'Refresh')}</Button>}
      />
      <ErrorAlert error={list.error ?? retry.error} />
      {!list.error && (
        <Card size="small">
          <Table<Incident>
            size="small"
            rowKey="id"
            loading={list.isLoading}
            dataSource={list.data ?? []}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            scroll={{ x: 'max-content' }}
            locale={{ emptyText: t('没有待处理的异常', 'No open incidents') }}
            data-testid="incident-list"
            columns={[
              { title: t('流程', 'Process'), key: 'process', render: (_, i) => <Link to={`/instances/${i.processInstanceId}`}>{processOf(i)}</Link> },
              { title: t('环节', 'Activity'), key: 'activity', render: (_, i) => activityOf(i) },
              { title: t('类型', 'Kind'), dataIndex: 'kind', render: (k: string) => <Tag>{kindLabel(t, k)}</Tag> },
              { title: t('错误信息', 'Error'), dataIndex: 'message', render: (m: string) => <Typography.Text type="danger" style={{ maxWidth: 420, display: 'inline-block' }}>{firstLine(m)}</Typography.Text> },
              { title: t('发生时间', 'When'), dataIndex: 'createdAt', render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm:ss') },
              {
                title: t('操作', 'Actions'), key: 'actions',
                render: (_, i) => (
                  <Space size={4}>
                    <Button size="small" onClick={() => setOpen(i)} data-testid={`incident-open-${i.id}`}>{t('详情', 'Details')}</Button>
                    <Popconfirm title={t('确定重试该环节？请先确认导致失败的原因已修正。', 'Retry this step? Make sure the cause is fixed first.')} okText={t('重试', 'Retry')} cancelText={t('取消', 'Cancel')} onConfirm={() => retry.mutate(i.id)}>
                      <Button size="small" type="primary" icon={<RedoOutlined />} loading={retry.isPending && retry.variables === i.id} data-testid={`incident-retry-${i.id}`}>{t('重试', 'Retry')}</Button>
                    </Popconfirm>
                  </Space>
                ),
              },
            ]}
          />
        </Card>
      )}
      <Drawer open={!!open} onClose={() => setOpen(null)} title={t('异常详情', 'Incident')} size="large" destroyOnHidden>
        {open && (
          <>
            <Descriptions size="small" column={1} bordered style={{ marginBottom: 16 }}>
              <Descriptions.Item label={t('流程', 'Process')}>{processOf(open)}</Descriptions.Item>
              <Descriptions.Item label={t('环节', 'Activity')}>{activityOf(open)}</Descriptions.Item>
              <Descriptions.Item label={t('错误信息', 'Error')}><Typography.Text type="danger">{firstLine(open.message)}</Typography.Text></Descriptions.Item>
              <Descriptions.Item label={t('发生时间', 'When')}>{dayjs(open.createdAt).format('YYYY-MM-DD HH:mm:ss')}</Descriptions.Item>
            </Descriptions>
            <Typography.Title level={5}>{t('流程变量', 'Variables')}</Typography.Title>
            <VariablesOf instanceId={open.processInstanceId} />
          </>
        )}
      </Drawer>
    </div>
  );
}
