import { useState } from 'react';
import { Avatar, Button, Card, Col, Descriptions, Empty, Input, List, Row, Space, Statistic, Tag, Timeline, Typography } from 'antd';
import { IdcardOutlined, MessageOutlined, UserOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import ReactECharts from 'echarts-for-react';
import dayjs from 'dayjs';
import { ApiError, customer360Lists, type Customer360List, type NetworkEdge, type NetworkNode, type ProcessInstanceSummary, type RecordData, type Task } from '@crm/shared';
import { api } from '../../lib/api';
import { useL, useLang, useT } from '../../lib/i18n';
import { useObjects } from '../../lib/meta';
import { ErrorAlert, Loading, PageHeader } from '../../components/common';
import { ResponsiveTable } from '../../components/ResponsiveTable';
import { formatValue } from '../../components/form/FieldInput';
import { displayText, PROCESS_STATE_LABELS } from '../../lib/display';
import { contextTitle } from '../../lib/tasks';
import { useProcessName } from '../../lib/processNames';
import { ChurnCard, NextActionsCard } from './CustomerInsight';

/** The pack's customer object (its bundle defines it under this key). */
const CUSTOMER_OBJECT = 'customer';
/** The pack's form for logging a contact with a customer (a visit, a call), and its object. */
const INTERACTION_FORM = 'interaction';

/** Picks a customer when the 360° view is opened from the menu. */
export function CustomerPickPage() {
  const t = useT();
  const l = useL();
  const nav = useNavigate();
  const objects = useObjects();
  const obj = (objects.data ?? []).find((o) => o.key === CUSTOMER_OBJECT);
  const [search, setSearch] = useState('');
  const textField = obj?.fields.find((f) => f.key === obj.titleField);
  const q = useQuery({
    queryKey: ['records', obj?.key, 'pick360', search],
    enabled: !!obj,
    queryFn: () => api.records.list(obj!.key, { limit: 50, sort: '-updated_at', filter: search && textField ? { [textField.key]: { $contains: search } } : undefined }),
  });
  return (
    <div>
      <PageHeader title={t('客户360视图', 'Customer 360°')} sub={t('选择一位客户，查看其全貌：资料、产品、交易、服务、营销与关系网络', 'Choose a customer to see the whole picture: profile, products, transactions, service, campaigns and relations')} />
      <ErrorAlert error={objects.error} />
      {!objects.isLoading && !obj ? (
        <Card><Empty description={t('还没有“客户”对象。安装银行客户管理模板，或在对象设计中创建标识为 customer 的对象。', 'No "customer" object yet. Install the bank CRM template, or create an object with the key customer.')} /></Card>
      ) : (
        <Card>
          <Input.Search placeholder={t('按客户名称搜索', 'Search by name')} allowClear onSearch={setSearch} style={{ maxWidth: 360, width: '100%', marginBottom: 12 }} />
          <ErrorAlert error={q.error} />
          <List loading={q.isLoading} dataSource={q.data?.items ?? []} locale={{ emptyText: t('没有客户', 'No customers') }}
            renderItem={(r) => (
              <List.Item onClick={() => nav(`/customers/${r.id}`)} style={{ cursor: 'pointer' }}>
                <List.Item.Meta avatar={<Avatar icon={<UserOutlined />} />} title={String(textField ? r[textField.key] ?? r.id : r.id)} description={obj ? l(obj.label) : ''} />
              </List.Item>
            )} />
        </Card>
      )}
    </div>
  );
}

const SECTION_LABELS: Record<string, [string, string]> = {
  holdings: ['金融资产持有', 'Holdings'], relationships: ['关系网络', 'Relationships'], interactions: ['客户互动', 'Interactions'],
  consents: ['授权同意', 'Consents'], complaints: ['客户投诉', 'Complaints'], loan_applications: ['贷款申请', 'Loan applications'],
  processes: ['相关流程', 'Processes'], tasks: ['待办任务', 'Open tasks'], leads: ['销售线索', 'Leads'], campaigns: ['营销活动', 'Campaigns'],
};
const METRIC_LABELS: Record<string, [string, string, boolean?]> = {
  aum: ['资产管理规模', 'AUM', true], depositBalance: ['存款余额', 'Deposits', true], loanBalance: ['贷款余额', 'Loans', true], wealthBalance: ['理财余额', 'Wealth', true],
  holdings: ['持有产品', 'Products held'], openTasks: ['待办任务', 'Open tasks'], runningProcesses: ['在途流程', 'Running processes'],
};
const HIDDEN_PROFILE = /^(id|version|form_key|form_version|created_at|updated_at|created_by|updated_by|owner_id|org_unit_id|deleted_at)$/;

const money = (v: unknown) => {
  const n = Number(v);
  return Number.isFinite(n) ? `¥${n.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}` : String(v ?? '—');
};

export function Customer360Page() {
  const { id = '' } = useParams();
  const t = useT();
  const l = useL();
  const lang = useLang((s) => s.lang);
  const q = useQuery({ queryKey: ['customer360', id], queryFn: () => api.customers.get360(id) });
  const objects = useObjects();
  const procName = useProcessName();
  // A timeline entry's title may be a choice of its object (an interaction's kind, a consent's purpose): in words.
  const choiceLabel = (object: string | undefined, title: string) => {
    const o = (objects.data ?? []).find((x) => x.key === object);
    for (const f of o?.fields ?? []) {
      if (f.type !== 'select') continue;
      const text = formatValue(f, title, lang);
      if (text && text !== title) return text;
    }
    return title;
  };
  if (q.isLoading) return <Loading />;
  if (q.error) {
    if (q.error instanceof ApiError && q.error.status === 404) {
      return (
        <div>
          <PageHeader title={t('客户360视图', 'Customer 360°')} />
          <Card><Empty image={<IdcardOutlined style={{ fontSize: 64, color: '#d0d4dc' }} />} description={<span>{t('暂无该客户的360视图数据', 'No 360° data for this customer yet')}<br /><Typography.Text type="secondary" style={{ fontSize: 12 }}>{q.error.message}</Typography.Text></span>} data-testid="c360-empty" /></Card>
        </div>
      );
    }
    return <ErrorAlert error={q.error} />;
  }
  const data = q.data!;
  const c = data.customer;
  const customerObj = (objects.data ?? []).find((o) => o.key === CUSTOMER_OBJECT);
  const fields = customerObj?.fields ?? [];
  const fieldMap = new Map(fields.map((f) => [f.key, f]));
  const name = String((customerObj?.titleField ? c[customerObj.titleField] : null) ?? c.id);
  const tags = data.tags;
  const metrics = Object.entries(data.metrics);
  const kyc = data.kyc;
  const choice = (key: string, v: unknown) => formatValue(fieldMap.get(key), v, lang) || '—';
  const sections = customer360Lists(data);
  const timeline = data.timeline;
  const rel = data.relationships;
  const profileKeys = (fields.length ? fields.map((f) => f.key) : Object.keys(c)).filter((k) => !HIDDEN_PROFILE.test(k));
  return (
    <div>
      <PageHeader
        title={<span><Avatar size="large" style={{ background: '#1f5aa6', marginRight: 12 }}>{name.slice(0, 1)}</Avatar>{name} {c.customer_no ? <Typography.Text type="secondary" style={{ fontSize: 13 }}>{String(c.customer_no)}</Typography.Text> : null}</span>}
        sub={<span>{c.customer_type ? <Tag>{choice('customer_type', c.customer_type)}</Tag> : null}{c.segment ? <Tag color="gold">{choice('segment', c.segment)}</Tag> : null}{tags.map((x) => <Tag key={`${x.kind}:${x.code}`} color={x.color ?? 'blue'}>{x.name}</Tag>)}</span>}
        extra={
          <Space wrap>
            {/* A visit logged from here names the customer already (the form's fields prefilled from the link). */}
            {(objects.data ?? []).some((o) => o.key === INTERACTION_FORM) && (
              <Link to={`/fill/${INTERACTION_FORM}?customer=${encodeURIComponent(id)}&kind=visit`}><Button type="primary" icon={<MessageOutlined />} data-testid="log-visit">{t('记录拜访', 'Log a visit')}</Button></Link>
            )}
            <Link to={`/records/${CUSTOMER_OBJECT}/${id}`}>{t('查看客户记录', 'Open the customer record')}</Link>
          </Space>
        }
      />
      {metrics.length > 0 && (
        <Row gutter={12} style={{ marginBottom: 16 }}>
          {metrics.slice(0, 6).map(([k, v]) => (
            <Col xs={12} sm={8} xl={4} key={k}>
              <Card size="small" style={{ height: '100%' }} data-metric={k}><Statistic title={METRIC_LABELS[k] ? t(METRIC_LABELS[k]![0], METRIC_LABELS[k]![1]) : k} value={METRIC_LABELS[k]?.[2] ? money(v) : String(v)} /></Card>
            </Col>
          ))}
        </Row>
      )}
      <Row gutter={16}>
        <Col xs={24} lg={16}>
          <Card title={t('基本资料', 'Profile')} size="small" style={{ marginBottom: 16 }}>
            <Descriptions size="small" column={{ xs: 1, sm: 2 }}
              items={profileKeys.map((k) => ({ key: k, label: l(fieldMap.get(k)?.label, k), children: formatValue(fieldMap.get(k), c[k], lang) || '—' }))} />
          </Card>
          {rel && (
            <Card title={t('关系网络', 'Relationships')} size="small" style={{ marginBottom: 16 }}>
              <RelationGraph nodes={rel.nodes} edges={rel.items} />
            </Card>
          )}
          {sections.map(([k, sec]: [string, Customer360List]) => {
            const items = sec.items;
            const title = SECTION_LABELS[k] ? t(...SECTION_LABELS[k]!) : k;
            const head = <span>{title} {typeof sec.total === 'number' ? <Tag>{sec.total}</Tag> : null}</span>;
            if (k === 'processes' || k === 'tasks') {
              return (
                <Card key={k} title={head} size="small" style={{ marginBottom: 16 }} data-section={k}>
                  {k === 'processes' ? <ProcessTable items={items} /> : <TaskTable items={items} />}
                </Card>
              );
            }
            // A section of the 360° answer is keyed by its object's key + "s" (the contract's convention).
            const obj = (objects.data ?? []).find((o) => `${o.key}s` === k);
            // The object's own fields, in its order (system columns, ids and `$display` are not columns).
            const keys = new Set(items.flatMap((r) => Object.keys(r)));
            const cols = (obj ? obj.fields.map((f) => f.key).filter((x) => keys.has(x)) : [...keys])
              .filter((x) => !HIDDEN_PROFILE.test(x) && !/_id$/.test(x) && !x.startsWith('$') && x !== 'customer').slice(0, 6);
            return (
              <Card key={k} title={SECTION_LABELS[k] ? head : <span>{l(obj?.label) || k} {typeof sec.total === 'number' ? <Tag>{sec.total}</Tag> : null}</span>} size="small" style={{ marginBottom: 16 }} data-section={k}>
                <ResponsiveTable<RecordData> size="small" rowKey={(r) => String(r.id ?? JSON.stringify(r))} pagination={items.length > 8 ? { pageSize: 8 } : false} dataSource={items as RecordData[]}
                  locale={{ emptyText: t('暂无', 'None') }} scroll={{ x: 'max-content' }} card={{ title: obj?.titleField ?? undefined }}
                  columns={cols.map((cKey) => {
                    const f = obj?.fields.find((x) => x.key === cKey);
                    return { title: l(f?.label, cKey), dataIndex: cKey, render: (_: unknown, r: RecordData) => displayText(f, r, cKey, lang) || '—' };
                  })} />
              </Card>
            );
          })}
        </Col>
        <Col xs={24} lg={8}>
          <ChurnCard customerId={id} />
          <NextActionsCard customerId={id} />
          {kyc && (
            <Card title={t('尽职调查与风险', 'KYC & risk')} size="small" style={{ marginBottom: 16 }}>
              <Descriptions size="small" column={1} items={[
                { key: 's', label: t('KYC 状态', 'KYC status'), children: <>{choice('kyc_status', kyc.status)} {kyc.overdue ? <Tag color="red">{t('已逾期', 'overdue')}</Tag> : null}</> },
                { key: 'n', label: t('下次复核', 'Next review'), children: kyc.nextReview ?? '—' },
                { key: 'r', label: t('风险等级', 'Risk level'), children: <Tag color={kyc.riskLevel === 'high' ? 'red' : kyc.riskLevel === 'medium' ? 'orange' : 'green'}>{choice('risk_level', kyc.riskLevel)}</Tag> },
                { key: 'g', label: t('担保圈', 'Guarantee circle'), children: kyc.inGuaranteeCircle ? <Tag color="volcano">{kyc.guaranteeCircle ?? t('是', 'yes')}</Tag> : t('否', 'No') },
              ]} />
            </Card>
          )}
          <Card title={t('客户动态', 'Timeline')} size="small">
            {timeline.length ? (
              <Timeline items={timeline.slice(0, 20).map((e) => ({ content: <div><b>{e.kind === 'process' ? procName(String(e.title ?? '')) : choiceLabel(e.object, String(e.title ?? e.kind))}</b><div style={{ fontSize: 12, color: '#888' }}>{e.at ? dayjs(e.at).format('YYYY-MM-DD HH:mm') : ''}</div></div> }))} />
            ) : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('暂无动态', 'Nothing yet')} />}
          </Card>
        </Col>
      </Row>
    </div>
  );
}

/** The processes about the customer, in words: which process, how it stands, who started it, when. */
function ProcessTable({ items }: { items: Customer360List['items'] }) {
  const t = useT();
  const procName = useProcessName();
  const rows = items as unknown as ProcessInstanceSummary[];
  return (
    <ResponsiveTable<ProcessInstanceSummary> size="small" rowKey="id" dataSource={rows} pagination={rows.length > 8 ? { pageSize: 8 } : false} locale={{ emptyText: t('暂无', 'None') }} scroll={{ x: 'max-content' }}
      card={{ title: 'p', status: 's' }}
      columns={[
        { title: t('流程', 'Process'), key: 'p', render: (_: unknown, r: ProcessInstanceSummary) => <Link to={`/instances/${r.id}`}>{procName(r.definitionKey)}</Link> },
        { title: t('状态', 'State'), key: 's', render: (_: unknown, r: ProcessInstanceSummary) => { const s = PROCESS_STATE_LABELS[r.state]; return <Tag color={r.state === 'active' ? 'processing' : r.state === 'incident' ? 'red' : 'default'}>{s ? t(s[0], s[1]) : r.state}</Tag>; } },
        { title: t('发起人', 'Started by'), key: 'i', render: (_: unknown, r: ProcessInstanceSummary) => (r.initiator === 'system' ? t('系统', 'System') : r.initiator ?? '—') },
        { title: t('开始时间', 'Started'), key: 't', render: (_: unknown, r: ProcessInstanceSummary) => dayjs(r.startedAt).format('YYYY-MM-DD HH:mm') },
      ]} />
  );
}

/** The open tasks about the customer, in words: the task, what it is about, who works it, when it is due. */
function TaskTable({ items }: { items: Customer360List['items'] }) {
  const t = useT();
  const rows = items as unknown as Task[];
  return (
    <ResponsiveTable<Task> size="small" rowKey="id" dataSource={rows} pagination={rows.length > 8 ? { pageSize: 8 } : false} locale={{ emptyText: t('暂无', 'None') }} scroll={{ x: 'max-content' }}
      card={{ title: 'n' }}
      columns={[
        { title: t('任务', 'Task'), key: 'n', render: (_: unknown, r: Task) => <Link to={`/tasks?scope=all&task=${r.id}`}>{r.name ?? t('（未命名任务）', '(unnamed task)')}</Link> },
        { title: t('业务记录', 'Record'), key: 'c', render: (_: unknown, r: Task) => contextTitle(r.context, t) ?? '—' },
        { title: t('处理人', 'Assignee'), key: 'a', render: (_: unknown, r: Task) => r.assignee ?? <Tag color="gold">{t('待认领', 'To claim')}</Tag> },
        { title: t('到期', 'Due'), key: 'd', render: (_: unknown, r: Task) => (r.dueAt ? dayjs(r.dueAt).format('YYYY-MM-DD HH:mm') : '—') },
      ]} />
  );
}

/** The relationship network as a force graph; an edge whose ends the caller may not see is not drawn. */
function RelationGraph({ nodes, edges }: { nodes: NetworkNode[]; edges: NetworkEdge[] }) {
  const t = useT();
  const links = edges.map((r) => ({ source: r.from ?? '', target: r.to ?? '', label: r.type ?? '' })).filter((x) => x.source && x.target);
  if (nodes.length <= 1 && !links.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('暂无关联客户', 'No related customers')} />;
  return (
    <ReactECharts style={{ height: 280 }} option={{
      tooltip: {},
      series: [{
        type: 'graph', layout: 'force', roam: true, label: { show: true }, force: { repulsion: 200, edgeLength: 90 },
        data: nodes.map((n) => ({ id: n.id, name: n.name ?? n.id, symbolSize: n.depth === 0 ? 46 : 30, itemStyle: { color: n.depth === 0 ? '#1f5aa6' : n.inGuaranteeCircle ? '#d4380d' : '#8c9bb0' } })),
        links: links.map((x) => ({ source: x.source, target: x.target, label: { show: !!x.label, formatter: x.label } })),
      }],
    }} />
  );
}
