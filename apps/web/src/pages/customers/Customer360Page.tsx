import { useState } from 'react';
import { Avatar, Card, Col, Descriptions, Empty, Input, List, Row, Statistic, Table, Tag, Timeline, Typography } from 'antd';
import { IdcardOutlined, UserOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import ReactECharts from 'echarts-for-react';
import dayjs from 'dayjs';
import { ApiError, localize, type RecordData } from '@crm/shared';
import { api } from '../../lib/api';
import { useL, useLang, useT } from '../../lib/i18n';
import { useObjects } from '../../lib/meta';
import { ErrorAlert, Loading, PageHeader } from '../../components/common';
import { formatValue } from '../../components/form/FieldInput';

const CUSTOMER_OBJECTS = ['customer', 'customers', 'client', 'kh'];

/** Picks a customer when the 360° view is opened from the menu. */
export function CustomerPickPage() {
  const t = useT();
  const l = useL();
  const nav = useNavigate();
  const objects = useObjects();
  const obj = (objects.data ?? []).find((o) => CUSTOMER_OBJECTS.includes(o.key));
  const [search, setSearch] = useState('');
  const textField = obj?.fields.find((f) => f.key === 'name') ?? obj?.fields.find((f) => f.type === 'text');
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
          <Input.Search placeholder={t('按客户名称搜索', 'Search by name')} allowClear onSearch={setSearch} style={{ maxWidth: 360, marginBottom: 12 }} />
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

type Section = { title?: unknown; items?: unknown[]; [k: string]: unknown };

export function Customer360Page() {
  const { id = '' } = useParams();
  const t = useT();
  const lang = useLang((s) => s.lang);
  const q = useQuery({ queryKey: ['customer360', id], queryFn: () => api.customers.get360(id) });
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
  const c = (data.customer ?? {}) as RecordData;
  const fields = (data.fields as { key: string; label: unknown; type: string }[] | undefined) ?? [];
  const name = String(c.name ?? c.full_name ?? c.customer_name ?? c.id ?? '');
  const tags = (Array.isArray(c.tags) ? c.tags : Array.isArray(data.tags) ? data.tags : []) as string[];
  const metrics = (data.metrics ?? data.kpis ?? {}) as Record<string, unknown>;
  const sections = Object.entries(data).filter(([k, v]) => !['customer', 'fields', 'tags', 'metrics', 'kpis', 'timeline', 'churn', 'assets'].includes(k) && (Array.isArray(v) || (v && typeof v === 'object' && Array.isArray((v as Section).items))));
  const timeline = (Array.isArray(data.timeline) ? data.timeline : []) as { at?: string; title?: string; type?: string; [k: string]: unknown }[];
  const assets = data.assets as { name: string; value: number }[] | Record<string, number> | undefined;
  const assetData = Array.isArray(assets) ? assets : assets ? Object.entries(assets).map(([name, value]) => ({ name, value: Number(value) })) : [];
  const churn = data.churn as { score?: number; level?: string } | number | undefined;
  const churnScore = typeof churn === 'number' ? churn : churn?.score;
  return (
    <div>
      <PageHeader title={<span><Avatar size="large" style={{ background: '#1f5aa6', marginRight: 12 }}>{name.slice(0, 1)}</Avatar>{name}</span>}
        sub={<span>{tags.map((x) => <Tag key={x} color="red">{x}</Tag>)}</span>} />
      <Row gutter={16}>
        <Col span={16}>
          <Card title={t('基本资料', 'Profile')} style={{ marginBottom: 16 }}>
            <Descriptions size="small" column={2}
              items={(fields.length ? fields : Object.keys(c).filter((k) => !/^(id|version|.*_at|.*_by|owner_id|org_unit_id|deleted_at)$/.test(k)).map((k) => ({ key: k, label: k, type: 'text' })))
                .map((f) => ({ key: f.key, label: localize(f.label, lang) || f.key, children: formatValue(f as never, c[f.key], lang) || '—' }))} />
          </Card>
          {sections.map(([k, v]) => {
            const sec = (Array.isArray(v) ? { items: v } : v) as Section;
            const items = (sec.items ?? []) as Record<string, unknown>[];
            const cols = [...new Set(items.flatMap((r) => Object.keys(r)))].filter((x) => x !== 'id').slice(0, 6);
            return (
              <Card key={k} title={localize(sec.title, lang) || k} size="small" style={{ marginBottom: 16 }}>
                <Table size="small" rowKey={(r) => String(r.id ?? JSON.stringify(r))} pagination={items.length > 8 ? { pageSize: 8 } : false} dataSource={items}
                  columns={cols.map((cKey) => ({ title: cKey, dataIndex: cKey, render: (x: unknown) => (typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x ?? '')) }))} />
              </Card>
            );
          })}
        </Col>
        <Col span={8}>
          {Object.keys(metrics).length > 0 && (
            <Card style={{ marginBottom: 16 }}>
              <Row gutter={8}>{Object.entries(metrics).slice(0, 4).map(([k, v]) => <Col span={12} key={k}><Statistic title={k} value={String(v)} /></Col>)}</Row>
            </Card>
          )}
          {churnScore !== undefined && (
            <Card title={t('流失预警', 'Churn risk')} size="small" style={{ marginBottom: 16 }}>
              <ReactECharts style={{ height: 180 }} option={{ series: [{ type: 'gauge', min: 0, max: 100, progress: { show: true }, detail: { formatter: '{value}', fontSize: 20 }, data: [{ value: Math.round(churnScore * (churnScore <= 1 ? 100 : 1)) }], axisLine: { lineStyle: { color: [[0.4, '#52c41a'], [0.7, '#faad14'], [1, '#cf1322']] } } }] }} />
            </Card>
          )}
          {assetData.length > 0 && (
            <Card title={t('资产分布', 'Assets')} size="small" style={{ marginBottom: 16 }}>
              <ReactECharts style={{ height: 220 }} option={{ tooltip: {}, series: [{ type: 'pie', radius: ['40%', '70%'], data: assetData }] }} />
            </Card>
          )}
          <Card title={t('客户动态', 'Timeline')} size="small">
            {timeline.length ? (
              <Timeline items={timeline.slice(0, 20).map((e) => ({ content: <div><b>{String(e.title ?? e.type ?? '')}</b><div style={{ fontSize: 12, color: '#888' }}>{e.at ? dayjs(e.at).format('YYYY-MM-DD HH:mm') : ''}</div></div> }))} />
            ) : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('暂无动态', 'Nothing yet')} />}
          </Card>
          <div style={{ marginTop: 12 }}><Link to={`/records/customer/${id}`}>{t('查看客户记录', 'Open the customer record')}</Link></div>
        </Col>
      </Row>
    </div>
  );
}
