/**
 * Campaigns: the list, the plan form (segment, offer, channels, SMS template with variables and a
 * server-rendered preview, control %, budget, period, refresh interval), the campaign page (launch or
 * submit for approval with a progress bar, refresh the target, the funnel, uplift against the control
 * group with its significance, cost per conversion and ROI, breakdowns by branch / manager / channel /
 * segment) and the customer manager's call tasks with
 * their responses. Planning and launching show only to holders of `marketing.manage`.
 */
import { useState } from 'react';
import type { FormInstance } from 'antd';
import { App, Alert, Button, Card, Col, DatePicker, Descriptions, Form, Input, InputNumber, Progress, Row, Select, Space, Statistic, Switch, Table, Tabs, Tag } from 'antd';
import { PlusOutlined, RocketOutlined, SyncOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import ReactECharts from 'echarts-for-react';
import dayjs, { type Dayjs } from 'dayjs';
import type { Campaign, CampaignCreate, CampaignMember, MarketingChannel } from '@crm/shared';
import { api, useAuth } from '../../lib/api';
import { useJob } from '../../lib/jobs';
import { useT, type T } from '../../lib/i18n';
import { ErrorAlert, Loading, PageHeader } from '../../components/common';

const useManage = () => !!useAuth((s) => s.user)?.platform?.includes('marketing.manage');

const channelLabel = (t: T, c: string) =>
  ({ task: t('客户经理外呼', 'RM call'), sms: t('短信', 'SMS'), wecom: t('企业微信', 'WeChat Work'), push: t('App 推送', 'App push') })[c] ?? c;
const statusTag = (t: T, s: Campaign['status']) => {
  const m: Record<Campaign['status'], [string, string, string]> = {
    draft: ['default', '草稿', 'Draft'], pending_approval: ['gold', '审批中', 'Awaiting approval'], launching: ['processing', '发布中', 'Launching'],
    active: ['green', '进行中', 'Active'], completed: ['blue', '已结束', 'Completed'], rejected: ['red', '已退回', 'Rejected'], failed: ['red', '发布失败', 'Failed'],
  };
  const [color, zh, en] = m[s];
  return <Tag color={color}>{t(zh, en)}</Tag>;
};
const reasonLabel = (t: T, r: string) =>
  ({ no_consent: t('无营销授权', 'No consent'), consent_withdrawn: t('已撤回授权', 'Consent withdrawn'), do_not_disturb: t('免打扰', 'Do not disturb'), quiet_hours: t('免打扰时段', 'Quiet hours'), frequency_cap: t('触达频次上限', 'Frequency cap') })[r] ?? r;
const memberStatus = (t: T, s: string) =>
  ({ pending: t('待处理', 'Pending'), planned: t('对照组', 'Held out'), contacted: t('已触达', 'Contacted'), responded: t('已响应', 'Responded'), converted: t('已转化', 'Converted'), excluded: t('已排除', 'Excluded') })[s] ?? s;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function CampaignListPage() {
  const t = useT();
  const nav = useNavigate();
  const manage = useManage();
  const list = useQuery({ queryKey: ['campaigns'], queryFn: () => api.campaigns.list() });
  return (
    <div>
      <PageHeader
        title={t('营销活动', 'Campaigns')}
        sub={manage ? t('策划 → 执行 → 跟踪 → 分析：对照组、合规闸门与自动转化归因', 'Plan → execute → track → analyse: control groups, compliance gates, automatic attribution') : t('您名下客户参与的活动与外呼任务', 'Campaigns with your customers and your call tasks')}
        extra={manage && <Button type="primary" icon={<PlusOutlined />} onClick={() => nav('/campaigns/new')} data-testid="new-campaign">{t('策划活动', 'Plan a campaign')}</Button>}
      />
      <ErrorAlert error={list.error} />
      <Table
        size="middle" rowKey="id" loading={list.isLoading} dataSource={list.data ?? []} data-testid="campaign-list" pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { key: 'name', title: t('活动名称', 'Name'), render: (_, c) => <a onClick={() => nav(`/campaigns/${c.id}`)} data-campaign={c.name}>{c.name}</a> },
          { key: 'status', title: t('状态', 'Status'), render: (_, c) => statusTag(t, c.status) },
          { key: 'channels', title: t('渠道', 'Channels'), render: (_, c) => c.channels.map((ch) => <Tag key={ch}>{channelLabel(t, ch)}</Tag>) },
          { key: 'targeted', title: t('目标客户', 'Targeted'), align: 'right', render: (_, c) => c.counts.targeted },
          { key: 'contacted', title: t('已触达', 'Contacted'), align: 'right', render: (_, c) => c.counts.contacted },
          { key: 'converted', title: t('已转化', 'Converted'), align: 'right', render: (_, c) => c.counts.converted },
          { key: 'period', title: t('周期', 'Period'), render: (_, c) => (c.startsAt ? `${c.startsAt} ~ ${c.endsAt ?? ''}` : '—') },
        ]}
      />
    </div>
  );
}

interface PlanValues {
  name: string;
  goal?: string;
  segment?: string;
  offerProduct?: string;
  channels: MarketingChannel[];
  sms?: string;
  controlPercent: number;
  attributionDays: number;
  budget?: string;
  period?: [Dayjs, Dayjs];
  approval: boolean;
  refreshDays?: number;
}

/** The SMS template with its variables ({{客户姓名}}, {{offer}} …) and a preview rendered by the server for a customer the planner may read. */
function TemplatePreview({ form }: { form: FormInstance<PlanValues> }) {
  const t = useT();
  const preview = useMutation({
    mutationFn: () => {
      const v = form.getFieldsValue();
      return api.campaigns.previewMessage({ template: v.sms ?? '', ...(v.offerProduct ? { offerProduct: v.offerProduct } : {}), ...(v.name ? { campaignName: v.name } : {}) });
    },
  });
  return (
    <div style={{ marginTop: -8, marginBottom: 16 }}>
      <Button size="small" onClick={() => preview.mutate()} loading={preview.isPending} data-testid="plan-preview">{t('预览短信', 'Preview the SMS')}</Button>
      <ErrorAlert error={preview.error} />
      {preview.data && (
        <Alert style={{ marginTop: 8 }} type="info" data-testid="plan-preview-text"
          message={preview.data.customerId ? t('按一位您可读的客户渲染（脱敏字段仍脱敏）', 'Rendered for a customer you may read (masked fields stay masked)') : t('没有可读的客户，变量留空', 'No readable customer: variables left empty')}
          description={preview.data.text} />
      )}
    </div>
  );
}

export function CampaignPlanPage() {
  const t = useT();
  const nav = useNavigate();
  const qc = useQueryClient();
  const [form] = Form.useForm<PlanValues>();
  // Opened from a segment's page ("发起营销活动"): that segment is the target.
  const [params] = useSearchParams();
  const options = useQuery({ queryKey: ['campaigns', 'options'], queryFn: () => api.campaigns.planningOptions() });
  const create = useMutation({
    mutationFn: (v: PlanValues) => {
      const body: CampaignCreate = {
        name: v.name, channels: v.channels, controlPercent: v.controlPercent, attributionDays: v.attributionDays, approval: v.approval,
        ...(v.goal ? { goal: v.goal } : {}), ...(v.segment ? { segment: v.segment } : {}), ...(v.offerProduct ? { offerProduct: v.offerProduct } : {}),
        ...(v.budget ? { budget: v.budget } : {}), ...(v.sms ? { messages: { sms: v.sms } } : {}), ...(v.refreshDays ? { refreshDays: v.refreshDays } : {}),
        ...(v.period ? { startsAt: v.period[0].format('YYYY-MM-DD'), endsAt: v.period[1].format('YYYY-MM-DD') } : {}),
      };
      return api.campaigns.create(body);
    },
    onSuccess: (c) => { qc.invalidateQueries({ queryKey: ['campaigns'] }); nav(`/campaigns/${c.id}`); },
  });
  return (
    <div>
      <PageHeader title={t('策划营销活动', 'Plan a campaign')} sub={t('保存为草稿；发布时按客群生成成员、留出对照组并执行合规闸门', 'Saved as a draft; launching draws the members, holds out the control group and applies the compliance gates')} />
      <ErrorAlert error={options.error ?? create.error} />
      <Card style={{ maxWidth: 860 }}>
        <Form form={form} layout="vertical" data-testid="plan-form" onFinish={(v) => create.mutate(v)}
          initialValues={{ channels: ['task', 'sms'], controlPercent: 10, attributionDays: 30, approval: true, ...(params.get('segment') ? { segment: params.get('segment')! } : {}) }}>
          <Row gutter={16}>
            <Col span={12}><Form.Item name="name" label={t('活动名称', 'Name')} rules={[{ required: true, max: 200 }]}><Input data-testid="plan-name" /></Form.Item></Col>
            <Col span={12}>
              <Form.Item name="segment" label={t('目标客群', 'Target segment')} rules={[{ required: true }]}>
                <Select data-testid="plan-segment" showSearch optionFilterProp="label" loading={options.isLoading}
                  options={(options.data?.segments ?? []).map((s) => ({ value: s.code, label: `${s.name}（${s.code}）` }))} />
              </Form.Item>
            </Col>
            <Col span={24}><Form.Item name="goal" label={t('活动目标', 'Goal')}><Input.TextArea rows={2} maxLength={1000} /></Form.Item></Col>
            <Col span={12}>
              <Form.Item name="offerProduct" label={t('推广产品（开户即自动归因转化）', 'Offered product (opening one converts)')}>
                <Select data-testid="plan-offer" allowClear showSearch optionFilterProp="label" options={(options.data?.products ?? []).map((p) => ({ value: p.id, label: `${p.name}（${p.code}）` }))} />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item name="channels" label={t('触达渠道', 'Channels')} rules={[{ required: true }]}>
                <Select mode="multiple" data-testid="plan-channels" options={(['task', 'sms', 'wecom', 'push'] as const).map((c) => ({ value: c, label: channelLabel(t, c) }))} />
              </Form.Item>
            </Col>
            <Col span={24}>
              <Form.Item name="sms" label={t('短信模板', 'SMS template')}
                extra={t(`可用变量：${(options.data?.variables ?? []).slice(0, 8).map((x) => `{{${x.name}}}`).join(' ')} …`, `Variables: ${(options.data?.variables ?? []).slice(0, 8).map((x) => `{{${x.name}}}`).join(' ')} …`)}>
                <Input maxLength={1000} data-testid="plan-sms" placeholder={t('尊敬的{{客户姓名}}，……', 'Dear {{客户姓名}}, …')} />
              </Form.Item>
              <TemplatePreview form={form} />
            </Col>
            <Col span={6}><Form.Item name="controlPercent" label={t('对照组比例 %', 'Control group %')} rules={[{ required: true }]}><InputNumber min={0} max={50} style={{ width: '100%' }} data-testid="plan-control" /></Form.Item></Col>
            <Col span={6}><Form.Item name="attributionDays" label={t('归因窗口（天）', 'Attribution (days)')}><InputNumber min={1} max={365} style={{ width: '100%' }} /></Form.Item></Col>
            <Col span={6}><Form.Item name="budget" label={t('预算（元）', 'Budget (CNY)')} rules={[{ pattern: /^\d{1,16}(\.\d{1,2})?$/, message: t('金额，最多两位小数', 'An amount, at most 2 decimals') }]}><Input data-testid="plan-budget" /></Form.Item></Col>
            <Col span={6}><Form.Item name="approval" label={t('发布需审批', 'Needs approval')} valuePropName="checked"><Switch data-testid="plan-approval" /></Form.Item></Col>
            <Col span={12}><Form.Item name="period" label={t('活动周期', 'Period')}><DatePicker.RangePicker style={{ width: '100%' }} /></Form.Item></Col>
            <Col span={12}><Form.Item name="refreshDays" label={t('客群定期刷新（天，留空不刷新）', 'Refresh the target every N days (empty: never)')}><InputNumber min={1} max={90} style={{ width: '100%' }} data-testid="plan-refresh" /></Form.Item></Col>
          </Row>
          <Space>
            <Button type="primary" htmlType="submit" loading={create.isPending} data-testid="plan-save">{t('保存草稿', 'Save draft')}</Button>
            <Button onClick={() => nav('/campaigns')}>{t('取消', 'Cancel')}</Button>
          </Space>
        </Form>
      </Card>
    </div>
  );
}

function LaunchProgress({ jobId, onDone }: { jobId: string; onDone: () => void }) {
  const t = useT();
  const { job: j, percent } = useJob(jobId);
  if (j && (j.status === 'done' || j.status === 'failed')) setTimeout(onDone, 0);
  if (!j) return null;
  return (
    <div data-testid="launch-progress">
      <Progress percent={percent} status={j.status === 'failed' ? 'exception' : j.status === 'done' ? 'success' : 'active'} />
      <span style={{ color: '#888' }}>{t(`已处理 ${j.progress.done} / ${j.progress.total ?? '?'} 名成员`, `${j.progress.done} of ${j.progress.total ?? '?'} members processed`)}</span>
      {j.error && <Alert type="error" showIcon message={j.error.message} />}
    </div>
  );
}

function Funnel({ c }: { c: Campaign }) {
  const t = useT();
  const excluded = Object.values(c.counts.excluded).reduce((a, b) => a + b, 0);
  const data = [
    { name: t('目标客户', 'Targeted'), value: c.counts.targeted },
    { name: t('通过合规闸门', 'Passed the gates'), value: c.counts.targeted - excluded },
    { name: t('已触达', 'Contacted'), value: c.counts.contacted },
    { name: t('已响应', 'Responded'), value: c.counts.responded },
    { name: t('已转化', 'Converted'), value: c.counts.converted },
  ];
  return (
    <ReactECharts
      style={{ height: 300 }}
      option={{
        tooltip: { trigger: 'item' },
        series: [{ type: 'funnel', sort: 'none', left: '10%', width: '80%', minSize: '8%', gap: 2, label: { show: true, position: 'inside', formatter: '{b}：{c}' }, data }],
      }}
    />
  );
}

function MembersTable({ c, tasksOnly }: { c: Campaign; tasksOnly: boolean }) {
  const t = useT();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [cursor, setCursor] = useState<string | undefined>();
  const members = useQuery({ queryKey: ['campaigns', c.id, 'members', tasksOnly, cursor], queryFn: () => api.campaigns.members(c.id, { limit: 20, ...(tasksOnly ? { task: 'open' as const } : {}), ...(cursor ? { cursor } : {}) }) });
  const ids = (members.data?.items ?? []).map((m) => m.customerId);
  const names = useQuery({
    queryKey: ['customers', 'names', ids],
    enabled: ids.length > 0,
    queryFn: async () => Object.fromEntries((await api.records.query('customer', { filter: { id: { $in: ids } }, limit: ids.length, fields: ['name'] })).items.map((r) => [String(r.id), String(r.name ?? '')])),
  });
  const respond = useMutation({
    mutationFn: (v: { customerId: string; response: 'interested' | 'not_interested' | 'callback' }) => api.campaigns.respond(c.id, v),
    onSuccess: () => { message.success(t('已登记响应', 'Response recorded')); qc.invalidateQueries({ queryKey: ['campaigns', c.id] }); },
  });
  return (
    <div>
      <ErrorAlert error={members.error ?? respond.error} />
      <Table<CampaignMember>
        size="small" rowKey="customerId" loading={members.isLoading} dataSource={members.data?.items ?? []} pagination={false} data-testid={tasksOnly ? 'call-tasks' : 'members'}
        columns={[
          { key: 'name', title: t('客户', 'Customer'), render: (_, m) => <a href={`/customers/${m.customerId}`}>{names.data?.[m.customerId] ?? m.customerId.slice(0, 8)}</a> },
          { key: 'group', title: t('分组', 'Group'), render: (_, m) => (m.group === 'control' ? <Tag>{t('对照组', 'Control')}</Tag> : <Tag color="blue">{t('目标组', 'Target')}</Tag>) },
          { key: 'status', title: t('状态', 'Status'), render: (_, m) => <span data-status={m.status}>{memberStatus(t, m.status)}{m.reason ? `（${reasonLabel(t, m.reason)}）` : ''}</span> },
          { key: 'channels', title: t('渠道', 'Channels'), render: (_, m) => m.channels.map((ch) => <Tag key={ch}>{channelLabel(t, ch)}</Tag>) },
          { key: 'response', title: t('响应', 'Response'), render: (_, m) => m.response ?? '—' },
          ...(tasksOnly ? [{
            key: 'actions', title: t('登记外呼结果', 'Record the call'),
            render: (_: unknown, m: CampaignMember) => (
              <Space>
                <Button size="small" type="primary" data-testid={`respond-interested-${m.customerId}`} onClick={() => respond.mutate({ customerId: m.customerId, response: 'interested' })}>{t('有意向', 'Interested')}</Button>
                <Button size="small" onClick={() => respond.mutate({ customerId: m.customerId, response: 'not_interested' })}>{t('无意向', 'Not interested')}</Button>
                <Button size="small" onClick={() => respond.mutate({ customerId: m.customerId, response: 'callback' })}>{t('再联系', 'Call back')}</Button>
              </Space>
            ),
          }] : []),
        ]}
      />
      <Space style={{ marginTop: 8 }}>
        <Button size="small" disabled={!cursor} onClick={() => setCursor(undefined)}>{t('第一页', 'First page')}</Button>
        <Button size="small" disabled={!members.data?.nextCursor} onClick={() => setCursor(members.data?.nextCursor ?? undefined)}>{t('下一页', 'Next page')}</Button>
      </Space>
    </div>
  );
}

export function CampaignPage() {
  const t = useT();
  const { id = '' } = useParams();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const manage = useManage();
  const campaign = useQuery({ queryKey: ['campaigns', id], queryFn: () => api.campaigns.get(id), refetchInterval: (q) => (q.state.data?.status === 'launching' ? 2000 : false) });
  const [jobId, setJobId] = useState<string | null>(null);
  const refresh = useMutation({
    mutationFn: () => api.campaigns.refresh(id),
    onSuccess: (a) => setJobId(a.jobId),
  });
  const launch = useMutation({
    mutationFn: () => api.campaigns.launch(id),
    onSuccess: (a) => {
      if ('jobId' in a) setJobId(a.jobId);
      else message.info(t('已提交审批，审批通过后自动发布', 'Submitted for approval: it launches once approved'));
      qc.invalidateQueries({ queryKey: ['campaigns'] });
    },
  });
  if (campaign.isLoading) return <Loading />;
  const c = campaign.data;
  if (!c) return <ErrorAlert error={campaign.error} />;
  const running = jobId ?? (c.status === 'launching' ? c.jobId : null);
  const u = c.uplift;
  return (
    <div>
      <PageHeader
        title={<Space>{c.name}{statusTag(t, c.status)}</Space>}
        sub={c.goal}
        extra={manage && (c.status === 'draft' ? (
          <Button type="primary" icon={<RocketOutlined />} loading={launch.isPending} onClick={() => launch.mutate()} data-testid="launch">
            {c.approval ? t('提交发布审批', 'Submit for approval') : t('发布活动', 'Launch')}
          </Button>
        ) : c.status === 'active' ? (
          <Button icon={<SyncOutlined />} loading={refresh.isPending} onClick={() => refresh.mutate()} data-testid="refresh">{t('刷新目标客群', 'Refresh the target')}</Button>
        ) : null)}
      />
      <ErrorAlert error={launch.error ?? refresh.error} />
      {running && manage && <Card size="small" title={t('发布进度', 'Launch progress')} style={{ marginBottom: 16 }}><LaunchProgress jobId={running} onDone={() => qc.invalidateQueries({ queryKey: ['campaigns', id] })} /></Card>}
      {c.status === 'pending_approval' && <Alert style={{ marginBottom: 16 }} type="info" showIcon message={t('活动正在审批中，审批通过后自动发布', 'The campaign awaits approval and launches once approved')} />}
      <Row gutter={16}>
        <Col span={6}><Card size="small"><Statistic title={t('目标客户', 'Targeted')} value={c.counts.targeted} /></Card></Col>
        <Col span={6}><Card size="small"><Statistic title={t('对照组', 'Control group')} value={c.counts.control} suffix={`/ ${c.controlPercent}%`} /></Card></Col>
        <Col span={6}><Card size="small"><Statistic title={t('转化率（目标 / 对照）', 'Conversion (target / control)')} value={u ? `${pct(u.targetRate)} / ${pct(u.controlRate)}` : '—'} /></Card></Col>
        <Col span={6}>
          <Card size="small" data-testid="uplift">
            <Statistic title={t('提升（95% 置信区间）', 'Uplift (95% CI)')} value={u ? `${u.uplift >= 0 ? '+' : ''}${pct(u.uplift)}` : '—'} valueStyle={{ color: u && u.ci95[0] > 0 ? '#3f8600' : undefined }} />
            {u && <span style={{ color: '#888' }}>[{pct(u.ci95[0])}, {pct(u.ci95[1])}] · p = {u.pValue.toFixed(4)} {u.significant ? t('显著', 'significant') : t('不显著', 'not significant')}</span>}
          </Card>
        </Col>
      </Row>
      <Row gutter={16} style={{ marginTop: 16 }}>
        <Col span={12}>
          <Card size="small" title={t('转化漏斗', 'Funnel')} data-testid="funnel"><Funnel c={c} /></Card>
        </Col>
        <Col span={12}>
          <Card size="small" title={t('排除原因与投入产出', 'Exclusions and return')}>
            <Descriptions column={1} size="small" bordered>
              {Object.entries(c.counts.excluded).map(([r, n]) => <Descriptions.Item key={r} label={reasonLabel(t, r)}><span data-reason={r}>{n}</span></Descriptions.Item>)}
              {Object.keys(c.counts.excluded).length === 0 && <Descriptions.Item label={t('排除', 'Excluded')}>0</Descriptions.Item>}
              <Descriptions.Item label={t('预算 / 实际成本', 'Budget / cost')}>{c.budget ?? '—'} / {c.cost ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('单次转化成本', 'Cost per conversion')}>{c.costPerConversion ?? '—'}</Descriptions.Item>
              <Descriptions.Item label="ROI">{c.roi ? pct(Number(c.roi)) : '—'}</Descriptions.Item>
              <Descriptions.Item label={t('推广渠道', 'Channels')}>{c.channels.map((ch) => <Tag key={ch}>{channelLabel(t, ch)}</Tag>)}</Descriptions.Item>
            </Descriptions>
          </Card>
        </Col>
      </Row>
      <Card size="small" style={{ marginTop: 16 }}>
        <Tabs
          items={[
            { key: 'tasks', label: t('我的外呼任务', 'My call tasks'), children: <MembersTable c={c} tasksOnly /> },
            { key: 'members', label: t('活动成员', 'Members'), children: <MembersTable c={c} tasksOnly={false} /> },
            {
              key: 'breakdown', label: t('分析维度', 'Breakdown'),
              children: (
                <Row gutter={16}>
                  {(['branch', 'manager', 'channel', 'segment'] as const).map((k) => (
                    <Col span={12} key={k} style={{ marginBottom: 16 }}>
                      <Table size="small" rowKey={(r) => String(r.key)} pagination={false} dataSource={c.breakdown?.[k] ?? []}
                        title={() => ({ branch: t('按机构', 'By branch'), manager: t('按客户经理', 'By manager'), channel: t('按渠道', 'By channel'), segment: t('按客户分层', 'By customer segment') })[k]}
                        columns={[
                          { key: 'label', title: t('名称', 'Name'), render: (_, r) => (k === 'channel' ? channelLabel(t, String(r.key)) : (r.label ?? '—')) },
                          { key: 'contacted', title: t('触达', 'Contacted'), dataIndex: 'contacted', align: 'right' },
                          { key: 'responded', title: t('响应', 'Responded'), dataIndex: 'responded', align: 'right' },
                          { key: 'converted', title: t('转化', 'Converted'), dataIndex: 'converted', align: 'right' },
                          { key: 'rate', title: t('转化率', 'Conversion'), align: 'right', render: (_, r) => (r.contacted ? pct(r.converted / r.contacted) : '—') },
                        ]} />
                    </Col>
                  ))}
                </Row>
              ),
            },
          ]}
        />
      </Card>
      <div style={{ color: '#aaa', marginTop: 8 }}>{t('创建于', 'Created')} {dayjs(c.createdAt).format('YYYY-MM-DD HH:mm')}{c.launchedAt ? ` · ${t('发布于', 'launched')} ${dayjs(c.launchedAt).format('YYYY-MM-DD HH:mm')}` : ''}{c.refreshedAt ? ` · ${t('客群刷新于', 'target refreshed')} ${dayjs(c.refreshedAt).format('YYYY-MM-DD HH:mm')}` : ''}{c.refreshDays ? ` · ${t(`每 ${c.refreshDays} 天刷新`, `refreshed every ${c.refreshDays} days`)}` : ''}</div>
    </div>
  );
}
