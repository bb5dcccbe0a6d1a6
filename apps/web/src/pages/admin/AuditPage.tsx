import { useState } from 'react';
import { Alert, Button, Card, DatePicker, Form, Input, Select, Table, Tag, Tooltip } from 'antd';
import { SafetyCertificateOutlined, SearchOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import dayjs, { type Dayjs } from 'dayjs';
import type { AuditEntry, AuditQuery } from '@crm/shared';
import { api } from '../../lib/api';
import { useT } from '../../lib/i18n';
import { ErrorAlert, PageHeader } from '../../components/common';
import { PendingApprovals } from './PendingApprovals';

export const AUDIT_ACTIONS: Record<string, [string, string]> = {
  'auth.login': ['登录', 'Sign-in'], 'auth.login_failed': ['登录失败', 'Failed sign-in'], 'auth.locked': ['账户锁定', 'Account locked'], 'auth.logout': ['退出', 'Sign-out'],
  'record.create': ['新建记录', 'Record created'], 'record.update': ['修改记录', 'Record updated'], 'record.delete': ['删除记录', 'Record deleted'],
  'record.unmask': ['查看明文', 'Unmasked read'], 'record.export': ['导出', 'Export'],
  'meta.object.create': ['新建对象', 'Object created'], 'meta.object.update': ['修改对象', 'Object changed'], 'meta.field.create': ['新增字段', 'Field added'],
  'meta.field.update': ['修改字段', 'Field changed'], 'meta.field.delete': ['删除字段', 'Field deleted'], 'meta.form.create': ['新建表单', 'Form created'],
  'meta.form.update': ['保存表单', 'Form saved'], 'meta.form.publish': ['发布表单', 'Form published'],
  'workflow.deploy': ['部署流程', 'Process deployed'], 'workflow.deploy_decision': ['部署决策表', 'Decision deployed'], 'workflow.start': ['发起流程', 'Process started'],
  'workflow.task_complete': ['完成任务', 'Task completed'], 'workflow.task_claim': ['认领任务', 'Task claimed'], 'workflow.cancel': ['终止流程', 'Process terminated'],
  'workflow.trigger_create': ['创建触发器', 'Trigger created'], 'admin.user.create': ['新建用户', 'User created'], 'admin.user.update': ['修改用户', 'User changed'],
  'admin.role.create': ['新建角色', 'Role created'], 'admin.role.update': ['修改角色', 'Role changed'], 'admin.org.create': ['新建机构', 'Org unit created'],
  'admin.org.update': ['修改机构', 'Org unit changed'], 'template.install': ['安装模板', 'Template installed'],
};

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
      <PendingApprovals />
      {verify.data && (verify.data.ok
        ? <Alert type="success" showIcon style={{ marginBottom: 12 }} title={t(`完整性校验通过：已检查 ${verify.data.checked} 条记录，未发现篡改或删除。`, `Verified: ${verify.data.checked} entries checked, nothing altered or deleted.`)} data-testid="verify-result" />
        : <Alert type="error" showIcon style={{ marginBottom: 12 }} title={t(`校验未通过：从第 ${verify.data.firstBrokenSeq} 条起哈希链断裂。`, `Verification failed: the chain breaks at entry ${verify.data.firstBrokenSeq}.`)}
            description={(verify.data as { reason?: string }).reason ? `${t('原因', 'Reason')}：${(verify.data as { reason?: string }).reason}` : undefined} data-testid="verify-result" />)}
      <ErrorAlert error={verify.error} />
      <Card size="small" style={{ marginBottom: 12 }}>
        <Form layout="inline" onFinish={onSearch}>
          <Form.Item name="actor"><Input placeholder={t('操作人', 'Actor')} allowClear /></Form.Item>
          <Form.Item name="object"><Input placeholder={t('对象', 'Object')} allowClear /></Form.Item>
          <Form.Item name="recordId"><Input placeholder={t('记录 ID', 'Record id')} allowClear /></Form.Item>
          <Form.Item name="action"><Select placeholder={t('操作', 'Action')} allowClear style={{ width: 160 }} showSearch optionFilterProp="label" popupMatchSelectWidth={false} options={Object.entries(AUDIT_ACTIONS).map(([a, l]) => ({ value: a, label: t(...l) }))} /></Form.Item>
          <Form.Item name="range"><DatePicker.RangePicker /></Form.Item>
          <Button type="primary" htmlType="submit" icon={<SearchOutlined />}>{t('查询', 'Search')}</Button>
        </Form>
      </Card>
      <ErrorAlert error={q.error} />
      <Card size="small">
        <Table<AuditEntry>
          size="small"
          rowKey={(a) => String(a.seq)}
          loading={q.isLoading}
          dataSource={rows}
          pagination={false}
          expandable={{ expandedRowRender: (a) => <pre style={{ fontSize: 11, margin: 0, whiteSpace: 'pre-wrap' }}>{JSON.stringify(a, null, 2)}</pre> }}
          columns={[
            { title: '#', dataIndex: 'seq', width: 70 },
            { title: t('时间', 'Time'), render: (_, a) => dayjs(a.at).format('YYYY-MM-DD HH:mm:ss'), width: 170 },
            { title: t('操作人', 'Actor'), render: (_, a) => a.actorName ?? '—' },
            { title: t('操作', 'Action'), dataIndex: 'action', render: (v: string) => <Tooltip title={v}><Tag color={/delete|fail|lock/.test(v) ? 'red' : /login/.test(v) ? 'blue' : /unmask|export/.test(v) ? 'orange' : 'default'}>{AUDIT_ACTIONS[v] ? t(...AUDIT_ACTIONS[v]!) : v}</Tag></Tooltip> },
            { title: t('结果', 'Outcome'), dataIndex: 'outcome', render: (v?: string) => (v ? <Tag color={v === 'success' ? 'green' : 'red'}>{v === 'success' ? t('成功', 'success') : v}</Tag> : '') },
            { title: t('对象', 'Object'), dataIndex: 'object' },
            { title: t('记录', 'Record'), dataIndex: 'recordId', render: (v) => (v ? <code style={{ fontSize: 11 }}>{String(v).slice(0, 8)}</code> : '') },
            { title: 'IP', dataIndex: 'ip' },
          ]}
        />
        {q.hasNextPage && <div style={{ textAlign: 'center', padding: 12 }}><Button loading={q.isFetchingNextPage} onClick={() => q.fetchNextPage()}>{t('加载更多', 'Load more')}</Button></div>}
      </Card>
    </div>
  );
}
