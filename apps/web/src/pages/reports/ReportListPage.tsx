/** The reports the caller may read; designers also create, edit and delete them. */
import { App, Button, Popconfirm, Space, Table, Tag } from 'antd';
import { DeleteOutlined, EditOutlined, PlusOutlined, PlayCircleOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import dayjs from 'dayjs';
import { api, useAuth } from '../../lib/api';
import { useL, useT } from '../../lib/i18n';
import { useObjects } from '../../lib/meta';
import { ErrorAlert, PageHeader } from '../../components/common';
import { CHARTS } from './ReportDesignerPage';

export function ReportListPage() {
  const t = useT();
  const l = useL();
  const nav = useNavigate();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const user = useAuth((s) => s.user);
  const designer = !!user?.platform?.includes('designer');
  const objects = useObjects();
  const list = useQuery({ queryKey: ['reports', 'list'], queryFn: () => api.reports.list() });
  const del = useMutation({
    mutationFn: (key: string) => api.reports.delete(key),
    onSuccess: () => { qc.invalidateQueries({ queryKey: ['reports'] }); message.success(t('已删除', 'Deleted')); },
  });
  // Report sources that are no metadata object (campaign members) are named here.
  const sources: Record<string, string> = { campaign_member: t('营销活动成员', 'Campaign members') };
  const objLabel = (k: string) => { const o = (objects.data ?? []).find((x) => x.key === k); return o ? l(o.label, k) : (sources[k] ?? k); };
  return (
    <div>
      <PageHeader
        title={t('报表', 'Reports')}
        sub={t('点击报表名称运行；图表可逐级下钻并导出', 'Open a report to run it; charts drill down and export')}
        extra={designer && <Button type="primary" icon={<PlusOutlined />} onClick={() => nav('/reports/new')} data-testid="new-report">{t('新建报表', 'New report')}</Button>}
      />
      <ErrorAlert error={list.error ?? del.error} />
      <Table
        size="middle"
        rowKey="key"
        loading={list.isLoading}
        dataSource={list.data ?? []}
        data-testid="report-list"
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { key: 'name', title: t('名称', 'Name'), render: (_, r) => <a onClick={() => nav(`/reports/${r.key}`)} data-report={r.key}>{l(r.name, r.key)}</a> },
          { key: 'object', title: t('数据对象', 'Object'), render: (_, r) => objLabel(r.object) },
          { key: 'chart', title: t('图表', 'Chart'), render: (_, r) => { const c = CHARTS.find((x) => x.type === (r.chart as { type?: string } | undefined)?.type); return c ? <Tag>{t(c.zh, c.en)}</Tag> : null; } },
          { key: 'version', title: t('版本', 'Version'), render: (_, r) => `v${r.version}` },
          { key: 'updatedAt', title: t('更新时间', 'Updated'), render: (_, r) => dayjs(r.updatedAt).format('YYYY-MM-DD HH:mm') },
          {
            key: 'actions', title: t('操作', 'Actions'),
            render: (_, r) => (
              <Space>
                <Button size="small" icon={<PlayCircleOutlined />} onClick={() => nav(`/reports/${r.key}`)}>{t('运行', 'Run')}</Button>
                {designer && <Button size="small" icon={<EditOutlined />} onClick={() => nav(`/reports/${r.key}/edit`)} data-testid={`edit-${r.key}`}>{t('设计', 'Design')}</Button>}
                {designer && (
                  <Popconfirm title={t('删除这个报表？', 'Delete this report?')} onConfirm={() => del.mutate(r.key)}>
                    <Button size="small" danger icon={<DeleteOutlined />} aria-label={t('删除', 'Delete')} />
                  </Popconfirm>
                )}
              </Space>
            ),
          },
        ]}
      />
    </div>
  );
}
