/**
 * Guarantee circles (担保圈): the circles among the customers the caller may see — members by name,
 * the total guaranteed between them (decimal strings, never a float) and the risk grade — and a
 * graph of a circle: customers as nodes, guarantees as edges labelled with their amounts.
 */
import { useState } from 'react';
import { Button, Card, Col, Empty, Row, Table, Tag } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import ReactECharts from 'echarts-for-react';
import type { GuaranteeCircle } from '@crm/shared';
import { api } from '../../lib/api';
import { useT, type T } from '../../lib/i18n';
import { ErrorAlert, PageHeader } from '../../components/common';
import { groupDigits } from '../../pages/reports/reportModel';

const yuan = (t: T, v: string | null) => (v === null ? t('受限', 'Restricted') : `¥${groupDigits(v)}`);
const nameOf = (m: GuaranteeCircle['members'][number], t: T) => (typeof m.name === 'string' && m.name ? m.name : t('受限', 'Restricted'));

const RISK: Record<GuaranteeCircle['risk'], [string, string, string]> = {
  high: ['red', '高', 'High'],
  medium: ['orange', '中', 'Medium'],
  low: ['green', '低', 'Low'],
};

function CircleGraph({ circle }: { circle: GuaranteeCircle }) {
  const t = useT();
  const names = new Map(circle.members.map((m) => [m.id, nameOf(m, t)]));
  return (
    <ReactECharts
      style={{ height: 360 }}
      option={{
        animation: false,
        tooltip: { formatter: (p: { dataType?: string; name?: string; data?: { amount?: string } }) => (p.dataType === 'edge' ? `${t('担保金额', 'Guaranteed')}：${p.data?.amount ?? ''}` : p.name ?? '') },
        series: [{
          type: 'graph', layout: 'circular', roam: true, top: 40, bottom: 40, edgeSymbol: ['none', 'arrow'], edgeSymbolSize: 10,
          label: { show: true, position: 'bottom' },
          lineStyle: { width: 2, curveness: 0.2, color: '#d4380d' },
          edgeLabel: { show: true, formatter: (p: { data?: { amount?: string } }) => p.data?.amount ?? '', fontSize: 11 },
          data: circle.members.map((m) => ({ id: m.id, name: names.get(m.id), symbolSize: 42, itemStyle: { color: '#1f5aa6' } })),
          links: circle.edges.map((e) => ({ source: e.from, target: e.to, amount: yuan(t, e.amount) })),
        }],
      }}
    />
  );
}

export function GuaranteeCirclesPage() {
  const t = useT();
  const list = useQuery({ queryKey: ['guarantee-circles'], queryFn: () => api.customers.guaranteeCircles() });
  const [selected, setSelected] = useState<string | null>(null);
  const circles = list.data ?? [];
  const shown = circles.find((c) => c.id === selected) ?? circles[0];

  return (
    <div>
      <PageHeader title={t('担保圈', 'Guarantee circles')} sub={t('客户之间相互或循环担保形成的闭环：成员、担保总额与风险等级', 'Customers guaranteeing each other in a loop: members, total guaranteed and risk')} />
      <ErrorAlert error={list.error} />
      <Row gutter={[16, 16]}>
        <Col xs={24} xxl={13}>
          <Card size="small" title={t(`担保圈列表（${circles.length}）`, `Circles (${circles.length})`)}>
            <Table<GuaranteeCircle>
              size="small"
              rowKey="id"
              loading={list.isLoading}
              dataSource={circles}
              pagination={{ pageSize: 10, hideOnSinglePage: true }}
              scroll={{ x: 'max-content' }}
              locale={{ emptyText: t('暂无担保圈', 'No guarantee circles') }}
              data-testid="circle-list"
              rowClassName={(c) => (c.id === shown?.id ? 'ant-table-row-selected' : '')}
              columns={[
                { title: t('编号', 'Circle'), dataIndex: 'id' },
                {
                  title: t('成员', 'Members'), key: 'members',
                  render: (_, c) => <div style={{ minWidth: 200 }}>{c.members.map((m) => <div key={m.id}><Link to={`/customers/${m.id}`}>{nameOf(m, t)}</Link></div>)}</div>,
                },
                { title: t('担保总额', 'Total guaranteed'), dataIndex: 'totalAmount', align: 'right', render: (v: string) => <span style={{ whiteSpace: 'nowrap' }}>{yuan(t, v)}</span> },
                { title: t('风险', 'Risk'), dataIndex: 'risk', render: (r: GuaranteeCircle['risk']) => <Tag color={RISK[r][0]}>{t(RISK[r][1], RISK[r][2])}</Tag> },
                { title: '', key: 'graph', render: (_, c) => <Button size="small" onClick={() => setSelected(c.id)} data-testid={`circle-graph-${c.id}`}>{t('图谱', 'Graph')}</Button> },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} xxl={11}>
          <Card size="small" title={shown ? t(`担保关系图：${shown.id}`, `Guarantee graph: ${shown.id}`) : t('担保关系图', 'Guarantee graph')} data-testid="circle-graph">
            {shown ? <CircleGraph key={shown.id} circle={shown} /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('暂无担保圈', 'No guarantee circles')} />}
          </Card>
        </Col>
      </Row>
    </div>
  );
}
