import { Card, Col, List, Row, Statistic, Tabs, Tag, Typography } from 'antd';
import { BranchesOutlined, CheckSquareOutlined, DatabaseOutlined, FormOutlined } from '@ant-design/icons';
import { useQueries, useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import ReactECharts from 'echarts-for-react';
import { api, useAuth } from '../lib/api';
import { contextTitle, useOpenTasks } from '../lib/tasks';
import { useL, useT } from '../lib/i18n';
import { useObjects } from '../lib/meta';
import { useRights } from '../lib/rights';
import { ErrorAlert, PageHeader } from '../components/common';
import dayjs from 'dayjs';
import { DashboardBoard } from './dashboards/DashboardBoard';

export function HomePage() {
  const t = useT();
  const l = useL();
  const nav = useNavigate();
  const user = useAuth((s) => s.user);
  const objects = useObjects();
  const tasks = useOpenTasks();
  // Only what the user may use: the design counts for designers, the totals of the objects they may read.
  const rights = useRights();
  const designer = rights.has('designer');
  const forms = useQuery({ queryKey: ['meta', 'forms'], queryFn: () => api.meta.listForms(), enabled: designer });
  const procs = useQuery({ queryKey: ['process-definitions'], queryFn: () => api.processes.list(), enabled: designer });
  const objs = (objects.data ?? []).filter((o) => rights.can(o.key, 'read'));
  const totals = useQueries({
    queries: objs.slice(0, 12).map((o) => ({
      queryKey: ['records', o.key, 'total'],
      queryFn: () => api.records.list(o.key, { limit: 1, total: true }),
    })),
  });
  const chartData = objs.slice(0, 12).map((o, i) => ({ name: l(o.label, o.key), value: totals[i]?.data?.total ?? totals[i]?.data?.items.length ?? 0 }));
  const hour = new Date().getHours();
  const greet = hour < 12 ? t('上午好', 'Good morning') : hour < 18 ? t('下午好', 'Good afternoon') : t('晚上好', 'Good evening');

  return (
    <div>
      <PageHeader title={`${greet}，${user?.displayName || user?.username || ''}`} sub={dayjs().format(t('YYYY年M月D日 dddd', 'dddd, MMMM D, YYYY'))} />
      <ErrorAlert error={objects.error} />
      <Row gutter={[12, 12]}>
        {[
          { title: t('我的待办（含可认领）', 'Open tasks (incl. to claim)'), value: tasks.count, icon: <CheckSquareOutlined />, to: '/tasks', err: tasks.error },
          ...(designer
            ? [
              { title: t('业务对象', 'Objects'), value: (objects.data ?? []).length, icon: <DatabaseOutlined />, to: '/design/objects', err: objects.error },
              { title: t('表单', 'Forms'), value: forms.data ? (forms.data ?? []).length : undefined, icon: <FormOutlined />, to: '/design/forms', err: forms.error },
              { title: t('流程定义', 'Process definitions'), value: procs.data ? (procs.data ?? []).length : undefined, icon: <BranchesOutlined />, to: '/design/processes', err: procs.error },
            ]
            : []),
        ].map((s) => (
          <Col xs={12} lg={6} key={s.to}>
            <Card hoverable style={{ height: '100%' }} onClick={() => nav(s.to)} className="stat-card">
              <Statistic title={s.title} value={s.err ? '—' : (s.value ?? '…')} prefix={s.icon} />
            </Card>
          </Col>
        ))}
      </Row>
      <MyDashboards />
      <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
        <Col xs={{ span: 24, order: 2 }} lg={{ span: 14, order: 1 }}>
          <Card title={t('各对象数据量', 'Records per object')}>
            {chartData.length ? (
              <ReactECharts
                style={{ height: 300 }}
                option={{
                  grid: { left: 40, right: 16, top: 16, bottom: 60 },
                  tooltip: { trigger: 'axis' },
                  xAxis: { type: 'category', data: chartData.map((d) => d.name), axisLabel: { rotate: 30 } },
                  yAxis: { type: 'value', minInterval: 1 },
                  series: [{ type: 'bar', data: chartData.map((d) => d.value), itemStyle: { color: '#1f5aa6', borderRadius: [4, 4, 0, 0] }, barMaxWidth: 36 }],
                }}
                onEvents={{ click: (p: { dataIndex: number }) => nav(`/records/${objs[p.dataIndex]!.key}`) }}
              />
            ) : (
              <Typography.Text type="secondary">
                {designer ? t('还没有业务对象，先去对象设计中创建一个。', 'No objects yet: create one in the object designer.') : t('您的角色没有可查看的业务数据。', 'Your roles read no business data.')}
              </Typography.Text>
            )}
          </Card>
        </Col>
        {/* On a phone the tasks come first: they are the day's work. */}
        <Col xs={{ span: 24, order: 1 }} lg={{ span: 10, order: 2 }}>
          <Card title={t('待我处理', 'Waiting for me')} extra={<Link to="/tasks">{t('全部', 'All')}</Link>}>
            <ErrorAlert error={tasks.error} />
            <List
              size="small"
              dataSource={tasks.items.slice(0, 8)}
              locale={{ emptyText: t('暂无待办', 'Nothing to do') }}
              renderItem={(task) => (
                <List.Item onClick={() => nav(`/tasks?scope=${task.assignee ? 'mine' : 'candidate'}&task=${task.id}`)} style={{ cursor: 'pointer' }} data-home-task={task.id}>
                  <List.Item.Meta
                    title={<span>{task.name}{task.context ? <Typography.Text type={task.context.restricted ? 'secondary' : undefined}> · {contextTitle(task.context, t)}</Typography.Text> : null} {task.assignee ? null : <Tag color="gold">{t('待认领', 'To claim')}</Tag>}</span>}
                    description={task.dueAt ? `${t('到期', 'Due')} ${dayjs(task.dueAt).format('YYYY-MM-DD HH:mm')}` : t('无到期时间', 'No due date')} />
                  {task.dueAt && dayjs(task.dueAt).isBefore(dayjs()) && <Tag color="red">{t('已逾期', 'Overdue')}</Tag>}
                </List.Item>
              )}
            />
          </Card>
        </Col>
      </Row>
    </div>
  );
}

/** The dashboards shared with the caller's roles, one tab each. */
function MyDashboards() {
  const t = useT();
  const l = useL();
  const mine = useQuery({ queryKey: ['dashboards', 'mine'], queryFn: () => api.dashboards.mine() });
  const [first] = mine.data ?? [];
  if (!first) return mine.error ? <ErrorAlert error={mine.error} style={{ marginTop: 16 }} /> : null;
  return (
    <Card title={t('我的仪表板', 'My dashboards')} style={{ marginTop: 16 }} size="small" data-testid="home-dashboards" extra={<Link to="/dashboards">{t('全部', 'All')}</Link>}>
      <Tabs destroyOnHidden items={(mine.data ?? []).map((d) => ({ key: d.key, label: l(d.name, d.key), children: <HomeDashboard dashboardKey={d.key} /> }))} />
    </Card>
  );
}

function HomeDashboard({ dashboardKey }: { dashboardKey: string }) {
  const d = useQuery({ queryKey: ['dashboards', dashboardKey], queryFn: () => api.dashboards.get(dashboardKey) });
  if (d.error) return <ErrorAlert error={d.error} />;
  return d.data ? <DashboardBoard dashboard={d.data} /> : null;
}
