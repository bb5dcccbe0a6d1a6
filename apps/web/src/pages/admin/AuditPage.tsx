import { useState } from 'react';
import { Alert, Button, Card, DatePicker, Form, Input, Select, Table, Tag, Typography } from 'antd';
import { SafetyCertificateOutlined, SearchOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import dayjs, { type Dayjs } from 'dayjs';
import type { AuditEntry, AuditQuery } from '@crm/shared';
import { api } from '../../lib/api';
import { useT } from '../../lib/i18n';
import { ErrorAlert, PageHeader } from '../../components/common';

export function AuditPage() {
  const t = useT();
  const [query, setQuery] = useState<AuditQuery>({});
  const q = useInfiniteQuery({
    queryKey: ['audit', query],
    queryFn: ({ pageParam }) => api.audit.list({ ...query, cursor: pageParam ?? undefined, limit: 50 }),
    initialPageParam: null as string | null,
    getNextPageParam: (p) => p.nextCursor ?? undefined,
  });
  const verify = useMutation({ mutationFn: () => api.audit.verify() });
  const rows = q.data?.pages.flatMap((p) => p.items) ?? [];
  const onSearch = (v: { actor?: string; object?: string; recordId?: string; action?: string; range?: [Dayjs, Dayjs] }) =>
    setQuery({ actor: v.actor || undefined, object: v.object || undefined, recordId: v.recordId || undefined, action: v.action || undefined, from: v.range?.[0]?.startOf('day').toISOString(), to: v.range?.[1]?.endOf('day').toISOString() });
  return (
    <div>
      <PageHeader title={t('审计日志', 'Audit trail')} sub={t('每一次写入、登录、导出与明文查看都记录在案，哈希链防篡改', 'Every write, login, export and unmasked read, hash-chained against tampering')}
        extra={<Button type="primary" icon={<SafetyCertificateOutlined />} loading={verify.isPending} onClick={() => verify.mutate()} data-testid="verify-audit">{t('校验完整性', 'Verify integrity')}</Button>} />
      {verify.data && (verify.data.ok
        ? <Alert type="success" showIcon style={{ marginBottom: 12 }} title={t(`完整性校验通过：已检查 ${verify.data.checked} 条记录，未发现篡改或删除。`, `Verified: ${verify.data.checked} entries checked, nothing altered or deleted.`)} data-testid="verify-result" />
        : <Alert type="error" showIcon style={{ marginBottom: 12 }} title={t(`发现篡改：从第 ${verify.data.firstBrokenSeq} 条起哈希链断裂。`, `Tampering found: the chain breaks at entry ${verify.data.firstBrokenSeq}.`)} data-testid="verify-result" />)}
      <ErrorAlert error={verify.error} />
      <Card size="small" style={{ marginBottom: 12 }}>
        <Form layout="inline" onFinish={onSearch}>
          <Form.Item name="actor"><Input placeholder={t('操作人', 'Actor')} allowClear /></Form.Item>
          <Form.Item name="object"><Input placeholder={t('对象', 'Object')} allowClear /></Form.Item>
          <Form.Item name="recordId"><Input placeholder={t('记录 ID', 'Record id')} allowClear /></Form.Item>
          <Form.Item name="action"><Select placeholder={t('操作', 'Action')} allowClear style={{ width: 140 }} options={['create', 'update', 'delete', 'login', 'export', 'unmask'].map((a) => ({ value: a, label: a }))} /></Form.Item>
          <Form.Item name="range"><DatePicker.RangePicker /></Form.Item>
          <Button type="primary" htmlType="submit" icon={<SearchOutlined />}>{t('查询', 'Search')}</Button>
        </Form>
      </Card>
      <ErrorAlert error={q.error} />
      <Card size="small">
        <Table<AuditEntry>
          size="small"
          rowKey={(a) => String(a.seq ?? a.id)}
          loading={q.isLoading}
          dataSource={rows}
          pagination={false}
          expandable={{ expandedRowRender: (a) => <pre style={{ fontSize: 11, margin: 0, whiteSpace: 'pre-wrap' }}>{JSON.stringify(a, null, 2)}</pre> }}
          columns={[
            { title: '#', dataIndex: 'seq', width: 70 },
            { title: t('时间', 'Time'), render: (_, a) => (a.at ? dayjs(String(a.at)).format('YYYY-MM-DD HH:mm:ss') : ''), width: 170 },
            { title: t('操作人', 'Actor'), render: (_, a) => String(a.actorName ?? a.actor ?? '—') },
            { title: t('操作', 'Action'), dataIndex: 'action', render: (v: string) => <Tag color={/delete|fail/.test(v) ? 'red' : /login/.test(v) ? 'blue' : 'default'}>{v}</Tag> },
            { title: t('对象', 'Object'), dataIndex: 'object' },
            { title: t('记录', 'Record'), dataIndex: 'recordId', render: (v) => (v ? <code style={{ fontSize: 11 }}>{String(v).slice(0, 8)}</code> : '') },
            { title: t('哈希', 'Hash'), dataIndex: 'hash', render: (v) => (v ? <Typography.Text code style={{ fontSize: 11 }}>{String(v).slice(0, 12)}…</Typography.Text> : '') },
          ]}
        />
        {q.hasNextPage && <div style={{ textAlign: 'center', padding: 12 }}><Button loading={q.isFetchingNextPage} onClick={() => q.fetchNextPage()}>{t('加载更多', 'Load more')}</Button></div>}
      </Card>
    </div>
  );
}
