/**
 * Customer journeys (designers): the list with status, entry and re-entry rule; per journey its
 * analytics — entered, active, exited by goal or end, a funnel of how many reached each step and are
 * there now, conversion per A/B path, and contacts sent or skipped by the contact gates.
 */
import { App, Button, Card, Col, Descriptions, Empty, Row, Space, Statistic, Table, Tag } from 'antd';
import { PauseCircleOutlined, PlayCircleOutlined, ReloadOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router';
import ReactECharts from 'echarts-for-react';
import dayjs from 'dayjs';
import type { Journey, JourneyStats } from '@crm/shared';
import { api } from '../../lib/api';
import { useT } from '../../lib/i18n';
import { ErrorAlert, Loading, PageHeader } from '../../components/common';

type T = ReturnType<typeof useT>;

const STATUS_COLOR: Record<Journey['status'], string> = { draft: 'default', active: 'green', paused: 'orange' };

function statusText(t: T, s: Journey['status']): string {
  return s === 'active' ? t('运行中', 'Active') : s === 'paused' ? t('已暂停', 'Paused') : t('草稿', 'Draft');
}

function entryText(t: T, j: Journey): string {
  const e = j.entry;
  if (e.kind === 'event') return `${t('业务事件', 'Business event')} ${e.event}${e.condition ? ` · ${e.condition}` : ''}`;
  if (e.kind === 'record') return `${t('记录', 'Record')} ${e.object} ${e.on === 'created' ? t('新建', 'created') : t('变更', 'changed')}${e.condition ? ` · ${e.condition}` : ''}`;
  return `${t('客群', 'Segment')} ${e.segment}`;
}

function reentryText(t: T, j: Journey): string {
  return j.reentry.mode === 'once' ? t('仅进入一次', 'Once') : t(`间隔 ${j.reentry.days} 天可再次进入`, `Again after ${j.reentry.days} days`);
}

const REASONS: Record<string, [string, string]> = {
  no_consent: ['未授权营销', 'No consent'], consent_withdrawn: ['已撤回授权', 'Consent withdrawn'], do_not_disturb: ['免打扰', 'Do not disturb'],
  quiet_hours: ['静默时段', 'Quiet hours'], frequency_cap: ['触达频次上限', 'Frequency cap'], no_manager: ['无客户经理', 'No manager'],
};

export function JourneyListPage() {
  const t = useT();
  const nav = useNavigate();
  const list = useQuery({ queryKey: ['journeys'], queryFn: () => api.journeys.list() });
  return (
    <div>
      <PageHeader title={t('客户旅程', 'Journeys')} sub={t('行为触发的自动化营销：每位客户进入后按 BPMN 流程等待、分支、触达，直至达成目标', 'Behaviour-triggered automation: each customer runs the BPMN journey until its goal')} />
      <ErrorAlert error={list.error} />
      <Table
        size="middle"
        rowKey="key"
        loading={list.isLoading}
        dataSource={list.data ?? []}
        data-testid="journey-list"
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { key: 'name', title: t('旅程', 'Journey'), render: (_, j) => <a onClick={() => nav(`/marketing/journeys/${j.key}`)} data-journey={j.key}>{j.name}</a> },
          { key: 'status', title: t('状态', 'Status'), render: (_, j) => <Tag color={STATUS_COLOR[j.status]}>{statusText(t, j.status)}</Tag> },
          { key: 'entry', title: t('进入条件', 'Entry'), render: (_, j) => entryText(t, j) },
          { key: 'reentry', title: t('再次进入', 'Re-entry'), render: (_, j) => reentryText(t, j) },
          { key: 'split', title: t('A/B 分组', 'A/B split'), render: (_, j) => (j.split ? j.split.variants.map((v) => <Tag key={v.key}>{v.key} {v.percent}%</Tag>) : '—') },
          { key: 'process', title: t('流程', 'Process'), dataIndex: 'processKey' },
        ]}
      />
    </div>
  );
}

function funnelOption(t: T, stats: JourneyStats, names: Map<string, string>) {
  // The steps customers reach, most reached first (the start is everyone who entered).
  const steps = stats.steps.filter((s) => !/Gateway$/.test(s.type) && s.type !== 'subProcess').sort((a, b) => b.reached - a.reached).slice(0, 12);
  const label = (s: JourneyStats['steps'][number]) => s.name ?? names.get(s.activityId) ?? s.activityId;
  return {
    // Drawn at once (no entry animation): what a screenshot or a quick look shows is the final picture.
    animation: false,
    tooltip: { trigger: 'item', formatter: (p: { name: string; value: number; data: { now: number } }) => `${p.name}<br/>${t('到达', 'Reached')}: ${p.value}<br/>${t('当前停留', 'There now')}: ${p.data.now}` },
    series: [{
      type: 'funnel', left: '8%', width: '62%', top: 10, bottom: 10, sort: 'descending', minSize: '8%', gap: 2,
      label: { show: true, position: 'right', formatter: (p: { name: string; value: number; data: { now: number } }) => `${p.name}  ${p.value}${p.data.now ? `（${t('停留', 'now')} ${p.data.now}）` : ''}` },
      data: steps.map((s) => ({ name: label(s), value: s.reached, now: s.now })),
    }],
  };
}

export function JourneyDetailPage() {
  const t = useT();
  const { key = '' } = useParams();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const journey = useQuery({ queryKey: ['journeys', key], queryFn: () => api.journeys.get(key) });
  const stats = useQuery({ queryKey: ['journeys', key, 'stats'], queryFn: () => api.journeys.stats(key) });
  const toggle = useMutation({
    mutationFn: (active: boolean) => (active ? api.journeys.pause(key) : api.journeys.activate(key)),
    onSuccess: (j) => { qc.invalidateQueries({ queryKey: ['journeys'] }); message.success(statusText(t, j.status)); },
  });
  const j = journey.data;
  const s = stats.data;
  if (journey.isLoading) return <Loading />;
  return (
    <div>
      <PageHeader
        title={j?.name ?? key}
        sub={j ? <Space size="small"><Tag color={STATUS_COLOR[j.status]}>{statusText(t, j.status)}</Tag>{entryText(t, j)}</Space> : null}
        extra={j && (
          <Space>
            <Button icon={<ReloadOutlined />} onClick={() => stats.refetch()}>{t('刷新', 'Refresh')}</Button>
            <Button icon={j.status === 'active' ? <PauseCircleOutlined /> : <PlayCircleOutlined />} loading={toggle.isPending} onClick={() => toggle.mutate(j.status === 'active')} data-testid="journey-toggle">
              {j.status === 'active' ? t('暂停', 'Pause') : t('启用', 'Activate')}
            </Button>
          </Space>
        )}
      />
      <ErrorAlert error={journey.error ?? stats.error ?? toggle.error} />
      {j && (
        <Descriptions size="small" column={3} style={{ marginBottom: 16 }} items={[
          { key: 'p', label: t('BPMN 流程', 'BPMN process'), children: j.processKey },
          { key: 'r', label: t('再次进入', 'Re-entry'), children: reentryText(t, j) },
          { key: 'g', label: t('目标', 'Goals'), children: j.goals.join(', ') || '—' },
          { key: 'a', label: t('启用人', 'Activated by'), children: j.activatedBy ?? t('系统', 'system') },
          { key: 'at', label: t('启用时间', 'Activated at'), children: j.activatedAt ? dayjs(j.activatedAt).format('YYYY-MM-DD HH:mm') : '—' },
          { key: 's', label: t('A/B 分组', 'A/B split'), children: j.split ? j.split.variants.map((v) => `${v.key} ${v.percent}%`).join(' / ') : '—' },
        ]} />
      )}
      {s && (
        <>
          <Row gutter={16} style={{ marginBottom: 16 }} data-testid="journey-kpis">
            <Col span={5}><Card size="small"><Statistic title={t('累计进入', 'Entered')} value={s.entered} /></Card></Col>
            <Col span={5}><Card size="small"><Statistic title={t('旅程中', 'In the journey')} value={s.active} /></Card></Col>
            <Col span={5}><Card size="small"><Statistic title={t('达成目标', 'Reached the goal')} value={s.exited.goal} valueStyle={{ color: '#389e0d' }} /></Card></Col>
            <Col span={4}><Card size="small"><Statistic title={t('走完未转化', 'Ended')} value={s.exited.end} /></Card></Col>
            <Col span={5}><Card size="small"><Statistic title={t('转化率', 'Conversion')} value={s.entered ? (100 * s.exited.goal) / s.entered : 0} precision={1} suffix="%" /></Card></Col>
          </Row>
          <Row gutter={16}>
            <Col span={14}>
              <Card size="small" title={t('各步骤到达人数（漏斗）', 'Customers per step (funnel)')}>
                {s.steps.length ? <ReactECharts option={funnelOption(t, s, new Map())} style={{ height: 360 }} notMerge data-testid="journey-funnel" /> : <Empty description={t('尚无客户进入', 'Nobody has entered yet')} />}
              </Card>
            </Col>
            <Col span={10}>
              <Card size="small" title={t('各路径转化', 'Conversion by path')} style={{ marginBottom: 16 }}>
                <Table size="small" rowKey="path" pagination={false} dataSource={s.paths} data-testid="journey-paths" columns={[
                  { key: 'path', title: t('路径', 'Path'), render: (_, p) => (p.path === 'all' ? t('全部', 'All') : `${t('分组', 'Variant')} ${p.path}`) },
                  { key: 'entered', title: t('进入', 'Entered'), dataIndex: 'entered' },
                  { key: 'goal', title: t('达成目标', 'Goal'), dataIndex: 'goal' },
                  { key: 'conversion', title: t('转化率', 'Conversion'), render: (_, p) => `${(p.conversion * 100).toFixed(1)}%` },
                ]} />
              </Card>
              <Card size="small" title={t('触达（经同意、免打扰、静默时段与频次校验）', 'Contacts (through consent, DND, quiet hours and caps)')}>
                <Space wrap data-testid="journey-contacts">
                  <Tag color="green">{t('已触达', 'Sent')} {s.contacts.sent}</Tag>
                  {Object.entries(s.contacts.skipped).map(([r, n]) => <Tag key={r} color="orange">{REASONS[r] ? t(REASONS[r][0], REASONS[r][1]) : r} {n}</Tag>)}
                </Space>
              </Card>
            </Col>
          </Row>
        </>
      )}
    </div>
  );
}
