/**
 * Dashboards: the list (designers see all, others those shared with their roles), the viewer, and the
 * designer — report widgets placed and sized on a 12-column grid (react-grid-layout), dashboard filters
 * mapped to a field, sharing with roles.
 */
import { useMemo, useState } from 'react';
import { App, Button, Card, Col, Empty, Input, InputNumber, Popconfirm, Row, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { DeleteOutlined, EditOutlined, EyeOutlined, PlusOutlined, SaveOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router';
import ReactGridLayout, { useContainerWidth, type Layout } from 'react-grid-layout';
import 'react-grid-layout/css/styles.css';
import dayjs from 'dayjs';
import type { Dashboard, DashboardFilterDefinition, DashboardWidgetDefinition } from '@crm/shared';
import { api, useAuth } from '../../lib/api';
import { useL, useT } from '../../lib/i18n';
import { ErrorAlert, Loading, PageHeader } from '../../components/common';
import { DashboardBoard, ROW_HEIGHT } from './DashboardBoard';
import { CHARTS } from '../reports/ReportDesignerPage';

const useIsDesigner = () => !!useAuth((s) => s.user)?.platform?.includes('designer');

export function DashboardListPage() {
  const t = useT();
  const l = useL();
  const nav = useNavigate();
  const qc = useQueryClient();
  const designer = useIsDesigner();
  const list = useQuery({ queryKey: ['dashboards', 'list'], queryFn: () => api.dashboards.list() });
  const del = useMutation({ mutationFn: (key: string) => api.dashboards.delete(key), onSuccess: () => qc.invalidateQueries({ queryKey: ['dashboards'] }) });
  return (
    <div>
      <PageHeader title={t('仪表板', 'Dashboards')} extra={designer && <Button type="primary" icon={<PlusOutlined />} onClick={() => nav('/dashboards/new')} data-testid="new-dashboard">{t('新建仪表板', 'New dashboard')}</Button>} />
      <ErrorAlert error={list.error ?? del.error} />
      <Table size="middle" rowKey="key" loading={list.isLoading} dataSource={list.data ?? []} data-testid="dashboard-list" pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { key: 'name', title: t('名称', 'Name'), render: (_, d) => <a onClick={() => nav(`/dashboards/${d.key}`)} data-dashboard={d.key}>{l(d.name, d.key)}</a> },
          { key: 'widgets', title: t('组件数', 'Widgets'), dataIndex: 'widgetCount' },
          { key: 'roles', title: t('共享给角色', 'Shared with'), render: (_, d) => d.roles.map((r) => <Tag key={r}>{r}</Tag>) },
          { key: 'updatedAt', title: t('更新时间', 'Updated'), render: (_, d) => dayjs(d.updatedAt).format('YYYY-MM-DD HH:mm') },
          {
            key: 'actions', title: t('操作', 'Actions'), render: (_, d) => (
              <Space>
                <Button size="small" icon={<EyeOutlined />} onClick={() => nav(`/dashboards/${d.key}`)}>{t('查看', 'Open')}</Button>
                {designer && <Button size="small" icon={<EditOutlined />} onClick={() => nav(`/dashboards/${d.key}/edit`)}>{t('设计', 'Design')}</Button>}
                {designer && <Popconfirm title={t('删除这个仪表板？', 'Delete this dashboard?')} onConfirm={() => del.mutate(d.key)}><Button size="small" danger icon={<DeleteOutlined />} aria-label={t('删除', 'Delete')} /></Popconfirm>}
              </Space>
            ),
          },
        ]} />
    </div>
  );
}

export function DashboardViewerPage() {
  const { key = '' } = useParams();
  const t = useT();
  const l = useL();
  const nav = useNavigate();
  const designer = useIsDesigner();
  const d = useQuery({ queryKey: ['dashboards', key], queryFn: () => api.dashboards.get(key) });
  if (d.isLoading) return <Loading />;
  if (d.error) return <ErrorAlert error={d.error} />;
  return (
    <div>
      <PageHeader title={l(d.data!.name, key)} sub={d.data!.description}
        extra={designer && <Button icon={<EditOutlined />} onClick={() => nav(`/dashboards/${key}/edit`)} data-testid="edit-dashboard">{t('编辑', 'Edit')}</Button>} />
      <DashboardBoard dashboard={d.data!} />
    </div>
  );
}

export function DashboardDesignerPage() {
  const { key } = useParams();
  const d = useQuery({ queryKey: ['dashboards', key], queryFn: () => api.dashboards.get(key!), enabled: !!key });
  if (key && d.isLoading) return <Loading />;
  if (d.error) return <ErrorAlert error={d.error} />;
  return <DashboardDesigner key={key ?? 'new'} initial={d.data} />;
}

/**
 * The field a dashboard filter maps to, picked from the fields of the widgets' report objects (and one
 * relation away) that fit the filter's kind, each with the number of reports it applies to (a saved path
 * the list does not offer stays shown as it is).
 */
function FilterFieldPicker({ reports, kind, value, onChange, testId }: { reports: string[]; kind: DashboardFilterDefinition['kind']; value?: string; onChange: (field: string | undefined) => void; testId: string }) {
  const t = useT();
  const keys = [...new Set(reports)].sort();
  const fields = useQuery({ queryKey: ['dashboards', 'filter-fields', keys.join(','), kind], queryFn: () => api.dashboards.filterFields(keys, kind), enabled: keys.length > 0 });
  const options = (fields.data?.items ?? []).map((x) => ({
    value: x.field,
    label: `${x.label}${t(`（${x.reports.length}/${keys.length} 个报表）`, ` (${x.reports.length}/${keys.length} reports)`)}`,
  }));
  if (value && !options.some((o) => o.value === value)) options.unshift({ value, label: value });
  return (
    <Select size="small" style={{ width: 220 }} showSearch allowClear optionFilterProp="label" value={value} onChange={(v?: string) => onChange(v || undefined)}
      loading={fields.isLoading} options={options} data-testid={testId} popupMatchSelectWidth={false}
      placeholder={keys.length ? t('选择字段', 'Pick a field') : t('先添加报表组件', 'Add report widgets first')}
      notFoundContent={t('没有适用的字段', 'No field fits')} />
  );
}

const FILTER_KINDS = [['date_range', '日期范围', 'Date range'], ['org_unit', '机构', 'Org unit'], ['owner', '负责人', 'Owner'], ['product', '取值', 'Values']] as const;

function DashboardDesigner({ initial }: { initial?: Dashboard }) {
  const t = useT();
  const l = useL();
  const nav = useNavigate();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [key, setKey] = useState(initial?.key ?? `dashboard_${Date.now().toString(36)}`);
  const [nameZh, setNameZh] = useState(initial ? l(initial.name) : '');
  const [roles, setRoles] = useState<string[]>(initial?.roles ?? []);
  const [order, setOrder] = useState<number | null>(initial?.order ?? null);
  const [widgets, setWidgets] = useState<DashboardWidgetDefinition[]>(initial?.widgets ?? []);
  const [filters, setFilters] = useState<DashboardFilterDefinition[]>(initial?.filters ?? []);
  const [version, setVersion] = useState(initial?.version);
  const reports = useQuery({ queryKey: ['reports', 'list'], queryFn: () => api.reports.list() });
  const roleList = useQuery({ queryKey: ['admin', 'roles'], queryFn: () => api.admin.listRoles(), retry: false });
  const { width, containerRef, mounted } = useContainerWidth();
  const reportName = (k: string) => { const r = (reports.data ?? []).find((x) => x.key === k); return r ? l(r.name, k) : k; };

  const addWidget = (report: string) => {
    const y = widgets.reduce((m, w) => Math.max(m, w.layout.y + w.layout.h), 0);
    const taken = new Set(widgets.map((w) => w.id));
    let id = `w${widgets.length + 1}`;
    for (let i = widgets.length + 2; taken.has(id); i++) id = `w${i}`;
    setWidgets([...widgets, { id, report, layout: { x: 0, y, w: 6, h: 5 } }]);
  };
  const onLayout = (layout: Layout) => {
    setWidgets((ws) => ws.map((w) => {
      const it = layout.find((x) => x.i === w.id);
      return it ? { ...w, layout: { x: it.x, y: it.y, w: Math.min(it.w, 12 - it.x), h: Math.min(it.h, 24) } } : w;
    }));
  };
  const save = useMutation({
    mutationFn: async () => {
      // The name is edited in Chinese; an English name the dashboard already has is kept.
      const name = { en: nameZh.trim() || key, ...(typeof initial?.name === 'object' ? initial.name : {}), 'zh-CN': nameZh.trim() || key };
      if (version === undefined) return api.dashboards.create({ key, name, roles, filters, widgets, ...(order === null ? {} : { order }) });
      return api.dashboards.update(key, { name, roles, filters, widgets, order, version });
    },
    onSuccess: (d) => {
      setVersion(d.version);
      qc.invalidateQueries({ queryKey: ['dashboards'] });
      message.success(t(`已保存（第 ${d.version} 版）`, `Saved (version ${d.version})`));
      if (!initial) nav(`/dashboards/${d.key}/edit`, { replace: true });
    },
  });
  const layout = useMemo(() => widgets.map((w) => ({ i: w.id, ...w.layout })), [widgets]);

  return (
    <div>
      <PageHeader title={version === undefined ? t('新建仪表板', 'New dashboard') : t('编辑仪表板', 'Edit dashboard')} sub={version ? <Tag data-testid="dashboard-version">v{version}</Tag> : undefined}
        extra={
          <Space>
            {version !== undefined && <Button icon={<EyeOutlined />} onClick={() => nav(`/dashboards/${key}`)} data-testid="open-dashboard">{t('查看', 'View')}</Button>}
            <Button type="primary" icon={<SaveOutlined />} loading={save.isPending} onClick={() => save.mutate()} data-testid="save-dashboard">{t('保存', 'Save')}</Button>
          </Space>
        } />
      <ErrorAlert error={save.error} />
      <Card size="small" style={{ marginBottom: 12 }}>
        <Space wrap>
          <span>{t('名称', 'Name')}</span>
          <Input style={{ width: 220 }} value={nameZh} onChange={(e) => setNameZh(e.target.value)} data-testid="dashboard-name" />
          <span>{t('编码', 'Key')}</span>
          <Input style={{ width: 200 }} value={key} disabled={version !== undefined} onChange={(e) => setKey(e.target.value)} data-testid="dashboard-key" />
          <span>{t('共享给角色', 'Share with roles')}</span>
          <Select mode="tags" style={{ minWidth: 260 }} value={roles} onChange={setRoles} data-testid="dashboard-roles"
            options={(roleList.data ?? []).map((r) => ({ value: r.key, label: `${r.name} (${r.key})` }))} placeholder={t('角色编码，如 rm、manager', 'Role keys, e.g. rm, manager')} />
          <Tooltip title={t('工作台上按此顺序显示，小的在前；不填排在最后', 'Shown on the workbench in this order, lowest first; empty: last')}>
            <span>{t('工作台顺序', 'Workbench order')}</span>
          </Tooltip>
          <InputNumber min={0} max={999} precision={0} style={{ width: 90 }} value={order} onChange={(v) => setOrder(typeof v === 'number' ? v : null)} data-testid="dashboard-order" />
        </Space>
      </Card>
      <Row gutter={12}>
        <Col span={16}>
          <Card size="small" title={t('组件（拖动标题移动，拖动右下角改变大小）', 'Widgets (drag the title to move, the corner to resize)')}
            extra={<Select style={{ width: 240 }} value={null} placeholder={t('+ 添加报表组件', '+ Add a report widget')} showSearch optionFilterProp="label" data-testid="add-widget"
              options={(reports.data ?? []).map((r) => ({ value: r.key, label: l(r.name, r.key) }))} onChange={(v: string) => addWidget(v)} />}>
            <div ref={containerRef} style={{ minHeight: 200, background: '#fafbfc' }} data-testid="dashboard-grid">
              {!widgets.length && <Empty description={t('从右上角添加报表组件', 'Add report widgets from the top right')} />}
              {mounted && widgets.length > 0 && (
                <ReactGridLayout width={width} layout={layout} gridConfig={{ cols: 12, rowHeight: ROW_HEIGHT }} dragConfig={{ handle: '.widget-handle' }} onLayoutChange={onLayout}>
                  {widgets.map((w) => (
                    <div key={w.id} data-widget={w.id}>
                      <Card size="small" style={{ height: '100%' }}
                        title={<span className="widget-handle" style={{ cursor: 'move' }}>{reportName(w.report)}</span>}
                        extra={
                          <Space size={4}>
                            <Select size="small" style={{ width: 96 }} allowClear placeholder={t('图表', 'Chart')} value={w.chartType} onChange={(v) => setWidgets(widgets.map((x) => (x.id === w.id ? { ...x, chartType: v } : x)))}
                              options={CHARTS.map((c) => ({ value: c.type, label: t(c.zh, c.en) }))} />
                            <Button size="small" type="text" icon={<DeleteOutlined />} onClick={() => setWidgets(widgets.filter((x) => x.id !== w.id))} aria-label={t('删除', 'Remove')} />
                          </Space>
                        }>
                        <Typography.Text type="secondary">{w.report} · {w.layout.w}×{w.layout.h}</Typography.Text>
                      </Card>
                    </div>
                  ))}
                </ReactGridLayout>
              )}
            </div>
          </Card>
        </Col>
        <Col span={8}>
          <Card size="small" title={t('仪表板筛选', 'Dashboard filters')} extra={<Button size="small" icon={<PlusOutlined />} data-testid="add-dashboard-filter"
            onClick={() => setFilters([...filters, { key: `f${filters.length + 1}`, kind: 'date_range', label: { 'zh-CN': '日期', en: 'Date' }, field: 'created_at' }])}>{t('添加', 'Add')}</Button>}>
            {!filters.length && <Typography.Text type="secondary">{t('筛选作用于每个含该字段的组件', 'A filter applies to every widget whose report has its field')}</Typography.Text>}
            {filters.map((f, i) => {
              const setF = (p: Partial<DashboardFilterDefinition>) => setFilters(filters.map((x, j) => (j === i ? ({ ...x, ...p } as DashboardFilterDefinition) : x)));
              return (
                <Space key={i} direction="vertical" style={{ width: '100%', marginBottom: 8, paddingBottom: 8, borderBottom: '1px solid #f0f0f0' }} data-testid={`dashboard-filter-${i}`}>
                  <Space>
                    <Input size="small" style={{ width: 110 }} value={l(f.label, f.key)} onChange={(e) => setF({ label: { 'zh-CN': e.target.value, en: e.target.value } })} placeholder={t('标签', 'Label')} data-testid={`dashboard-filter-${i}-label`} />
                    <Select size="small" style={{ width: 100 }} value={f.kind} onChange={(kind) => setF({ kind })} data-testid={`dashboard-filter-${i}-kind`} options={FILTER_KINDS.map(([v, zh, en]) => ({ value: v, label: t(zh, en) }))} />
                    <Button size="small" type="text" icon={<DeleteOutlined />} onClick={() => setFilters(filters.filter((_, j) => j !== i))} aria-label={t('删除', 'Remove')} />
                  </Space>
                  <Space>
                    <Input size="small" style={{ width: 90 }} value={f.key} onChange={(e) => setF({ key: e.target.value })} placeholder="key" />
                    <FilterFieldPicker reports={widgets.map((w) => w.report)} kind={f.kind} value={f.field} onChange={(field) => setF({ field })} testId={`dashboard-filter-${i}-field`} />
                  </Space>
                </Space>
              );
            })}
          </Card>
        </Col>
      </Row>
    </div>
  );
}
