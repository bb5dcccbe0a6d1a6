/**
 * A dashboard as its viewers see it: the dashboard filters above a grid of report widgets, run
 * together through POST /api/dashboards/:key/run; clicking a widget's bar, slice or row filters every
 * other widget by that value (a cross filter, shown as a tag to clear), or — for a report with a drill
 * hierarchy — drills that widget one level down.
 */
import { useMemo, useState } from 'react';
import { Alert, Breadcrumb, Card, DatePicker, Empty, Select, Space, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { LockOutlined } from '@ant-design/icons';
import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import ReactGridLayout, { useContainerWidth } from 'react-grid-layout';
import 'react-grid-layout/css/styles.css';
import type { Dashboard, DashboardCrossFilterInput, DashboardFilterInput, DashboardWidgetAnswer, Report } from '@crm/shared';
import { api, useAuth } from '../../lib/api';
import { useL, useT } from '../../lib/i18n';
import { ErrorAlert, Loading } from '../../components/common';
import { useNarrow } from '../../components/ResponsiveTable';
import { ReportView } from '../reports/ReportView';
import { layoutOf, useDrill } from '../reports/useDrill';
import { type AnswerRow, type ChartType, RELATIVE_DATES, formatCell } from '../reports/reportModel';

export const ROW_HEIGHT = 60;

export function DashboardBoard({ dashboard }: { dashboard: Dashboard }) {
  const t = useT();
  const l = useL();
  const [filters, setFilters] = useState<Record<string, DashboardFilterInput>>({});
  const [cross, setCross] = useState<DashboardCrossFilterInput[]>([]);
  const activeFilters = useMemo(() => Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && !v.length))), [filters]);
  const run = useQuery({
    queryKey: ['dashboards', dashboard.key, dashboard.version, 'run', activeFilters, cross],
    queryFn: () => api.dashboards.run(dashboard.key, { ...(Object.keys(activeFilters).length ? { filters: activeFilters } : {}), ...(cross.length ? { crossFilter: cross } : {}) }),
    placeholderData: keepPreviousData,
  });
  const reportKeys = [...new Set(dashboard.widgets.map((w) => w.report))];
  const reports = useQueries({ queries: reportKeys.map((k) => ({ queryKey: ['reports', k], queryFn: () => api.reports.get(k), retry: false })) });
  const reportOf = (k: string) => reports[reportKeys.indexOf(k)]?.data;
  const answers = new Map((run.data?.widgets ?? []).map((w) => [w.id, w]));
  const { width, containerRef, mounted } = useContainerWidth();
  // On a phone the widgets stand one above the other, the full width, in the order they read on a wide screen.
  const narrow = useNarrow();
  const layout = useMemo(() => {
    const placed = dashboard.widgets.map((w) => ({ i: w.id, ...w.layout, static: true }));
    if (!narrow) return placed;
    let y = 0;
    return [...placed].sort((a, b) => a.y - b.y || a.x - b.x).map((it) => { const at = y; y += it.h; return { ...it, x: 0, w: 12, y: at }; });
  }, [dashboard.widgets, narrow]);

  const pick = (widgetId: string, values: AnswerRow) => {
    const [field, value] = Object.entries(values)[0] ?? [];
    if (!field) return;
    const next = [...cross.filter((c) => c.widget !== widgetId), { widget: widgetId, field, value: value as DashboardCrossFilterInput['value'] }];
    setCross(next);
  };
  const crossLabel = (c: DashboardCrossFilterInput) => {
    const a = answers.get(c.widget)?.answer;
    const col = a?.columns.find((x) => x.key === c.field);
    return `${col?.label ?? c.field}: ${formatCell(col, c.value, t('（空）', '(empty)'))}`;
  };

  return (
    <div data-testid="dashboard-board" data-fetching={run.isFetching ? 'true' : 'false'}>
      {(dashboard.filters.length > 0 || cross.length > 0) && (
        <Card size="small" style={{ marginBottom: 12 }} data-testid="dashboard-filters">
          <Space wrap>
            {dashboard.filters.map((f) => (
              <Space key={f.key} size={4}>
                <span>{l(f.label, f.key)}</span>
                {f.kind === 'date_range' ? (
                  <DateRangeFilter value={filters[f.key]} onChange={(v) => setFilters({ ...filters, [f.key]: v })} testId={`dash-filter-${f.key}`} />
                ) : f.kind === 'org_unit' ? (
                  <OrgUnitPicker dashboard={dashboard.key} filter={f.key} value={filters[f.key] as string | undefined} onChange={(v) => setFilters({ ...filters, [f.key]: v ?? null })} testId={`dash-filter-${f.key}`} />
                ) : (
                  <FilterValuesPicker dashboard={dashboard.key} filter={f.key} mine={f.kind === 'owner'}
                    value={(Array.isArray(filters[f.key]) ? filters[f.key] : filters[f.key] ? [filters[f.key]] : []) as string[]}
                    onChange={(v) => setFilters({ ...filters, [f.key]: v.length ? v : null })} testId={`dash-filter-${f.key}`} />
                )}
              </Space>
            ))}
            {cross.map((c) => (
              <Tag key={c.widget} color="blue" closable onClose={() => setCross(cross.filter((x) => x.widget !== c.widget))} data-testid="cross-filter">
                {t('联动', 'Cross filter')} · {crossLabel(c)}
              </Tag>
            ))}
          </Space>
        </Card>
      )}
      <ErrorAlert error={run.error} />
      {!dashboard.widgets.length && <Empty description={t('这个仪表板还没有组件', 'This dashboard has no widgets yet')} />}
      <div ref={containerRef}>
        {mounted && run.data && (
          <ReactGridLayout width={width} layout={layout} gridConfig={{ cols: 12, rowHeight: ROW_HEIGHT }}>
            {dashboard.widgets.map((w) => {
              const a = answers.get(w.id);
              const rep = reportOf(w.report);
              return (
                <div key={w.id}>
                  <BoardWidget title={l(w.title, '') || (rep ? l(rep.name, w.report) : w.report)} answer={a} report={rep} chart={(w.chartType ?? a?.chartType ?? rep?.chart?.type ?? 'table') as ChartType}
                    height={w.layout.h * ROW_HEIGHT + (w.layout.h - 1) * 10 - 60} onCross={(v) => pick(w.id, v)} widgetId={w.id} />
                </div>
              );
            })}
          </ReactGridLayout>
        )}
        {!run.data && run.isLoading && <Loading />}
      </div>
    </div>
  );
}

/**
 * A widget on the board: a report with a drill hierarchy drills in place (a click goes one level down,
 * the breadcrumb back, the last level opens the records behind the cell — all from the options the
 * dashboard ran it with); any other widget's click cross-filters the others.
 */
function BoardWidget({ answer, report, chart, onCross, ...rest }: {
  title: string; answer?: DashboardWidgetAnswer; report?: Report; chart: ChartType; height: number; onCross(v: AnswerRow): void; widgetId: string;
}) {
  const hierarchical = !!report?.hierarchies?.length;
  const base = { filter: answer?.applied?.filter, drill: answer?.applied?.drill };
  const d = useDrill(report, base);
  const local = useQuery({
    enabled: hierarchical && d.depth > 0 && !!report,
    queryKey: ['reports', report?.key, report?.version, 'widget-run', base, d.drill],
    queryFn: () => api.reports.run(report!.key, { ...(base.filter ? { filter: base.filter } : {}), drill: [...(base.drill ?? []), ...d.drill] }),
    placeholderData: keepPreviousData,
  });
  const shown: DashboardWidgetAnswer | undefined = hierarchical && d.depth > 0 ? (local.data ? { ...answer!, answer: local.data } : { id: rest.widgetId, report: report!.key }) : answer;
  const chartLike = chart !== 'pivot' && chart !== 'table';
  const onPick = (v: AnswerRow) => {
    if (!hierarchical || !shown?.answer || !report) return onCross(v);
    d.pick(v, shown.answer, layoutOf(report, shown.answer).rowKeys, chartLike);
  };
  return (
    <WidgetCard {...rest} answer={shown} report={report} chart={chart} onPick={onPick}
      crumbs={hierarchical && d.depth > 0 ? <Breadcrumb items={d.crumbs} data-testid={`widget-crumbs-${rest.widgetId}`} style={{ marginBottom: 4 }} /> : undefined} />
  );
}

export function WidgetCard({ title, answer, report, chart, height, onPick, widgetId, extra, crumbs }: {
  title: string; answer?: DashboardWidgetAnswer; report?: Report; chart: ChartType; height: number; onPick?: (v: AnswerRow) => void; widgetId: string; extra?: React.ReactNode; crumbs?: React.ReactNode;
}) {
  const t = useT();
  const { rowKeys, colKeys } = report ? layoutOf(report, answer?.answer) : { rowKeys: (answer?.answer?.columns ?? []).filter((c) => c.role === 'dimension').map((c) => c.key), colKeys: [] as string[] };
  return (
    <Card size="small" title={title} extra={<Space size={4}>{answer?.applied?.crossFilter && <Tag color="blue">{t('已联动', 'filtered')}</Tag>}{extra}</Space>}
      style={{ height: '100%', overflow: 'hidden' }} styles={{ body: { padding: 8, height: 'calc(100% - 40px)', overflow: 'auto' } }}
      data-testid={`widget-${widgetId}`} data-widget={widgetId} data-level={answer?.answer?.hierarchies?.[0]?.current}>
      {crumbs}
      {answer?.restricted ? (
        <Typography.Text type="secondary"><LockOutlined /> {t('无权查看此报表', 'You may not read this report')}</Typography.Text>
      ) : answer?.error ? (
        <Alert type="error" showIcon title={answer.error.message} />
      ) : answer?.answer ? (
        <ReportView answer={answer.answer} chart={chart} stacked={!!report?.chart?.options?.stacked} rowKeys={rowKeys} colKeys={colKeys} onPick={onPick} height={Math.max(160, height)} />
      ) : (
        <Loading />
      )}
    </Card>
  );
}

/** A relative range (this month, last 12 months…) or, with 自定义, a from–to pair of dates. */
function DateRangeFilter({ value, onChange, testId }: { value: DashboardFilterInput | undefined; onChange(v: DashboardFilterInput | null): void; testId: string }) {
  const t = useT();
  const range = value && typeof value === 'object' && !Array.isArray(value) ? (value as { within?: string; from?: string; to?: string }) : undefined;
  const [custom, setCustom] = useState(!!range && range.within === undefined);
  return (
    <Space size={4}>
      <Select allowClear showSearch optionFilterProp="label" style={{ width: 170 }} placeholder={t('全部日期', 'Any date')} data-testid={testId}
        value={custom ? CUSTOM : range?.within}
        onChange={(v: string | undefined) => {
          setCustom(v === CUSTOM);
          onChange(v && v !== CUSTOM ? { within: v } : null);
        }}
        options={[...RELATIVE_DATES.map(([v, zh, en]) => ({ value: v, label: t(zh, en) })), { value: CUSTOM, label: t('自定义日期…', 'Custom dates…') }]} />
      {custom && (
        <span data-testid={`${testId}-range`}><DatePicker.RangePicker allowEmpty={[true, true]}
          value={[range?.from ? dayjs(range.from) : null, range?.to ? dayjs(range.to) : null]}
          onChange={(d) => {
            const from = d?.[0]?.format('YYYY-MM-DD');
            const to = d?.[1]?.format('YYYY-MM-DD');
            onChange(from || to ? { ...(from ? { from } : {}), ...(to ? { to } : {}) } : null);
          }} /></span>
      )}
    </Space>
  );
}
const CUSTOM = '$custom';

/** The values the viewer may pick, from the server: the filter's field over the rows in the viewer's scope, by name. */
function useFilterOptions(dashboard: string, filter: string, q: string, enabled: boolean) {
  return useQuery({
    queryKey: ['dashboards', dashboard, 'filter-options', filter, q],
    queryFn: () => api.dashboards.filterOptions(dashboard, filter, q || undefined),
    enabled,
    staleTime: 60_000,
    placeholderData: keepPreviousData,
  });
}

function FilterValuesPicker({ dashboard, filter, mine, value, onChange, testId }: { dashboard: string; filter: string; mine: boolean; value: string[]; onChange(v: string[]): void; testId: string }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState('');
  const options = useFilterOptions(dashboard, filter, q, open || value.length > 0);
  const items = [
    ...(mine ? [{ value: '$me', label: t('我负责的', 'Mine') }] : []),
    ...(options.data?.items ?? []).map((o) => ({ value: o.value, label: `${o.label}（${o.count}）` })),
  ];
  return (
    <Select mode="multiple" allowClear showSearch filterOption={false} style={{ minWidth: 200, maxWidth: 360 }} placeholder={t('全部', 'All')} data-testid={testId}
      value={value} onChange={onChange} onSearch={setQ} onDropdownVisibleChange={setOpen} options={items} maxTagCount="responsive"
      loading={options.isFetching} notFoundContent={options.isFetching ? <Loading /> : t('没有可选的值', 'No values')} />
  );
}

function OrgUnitPicker({ dashboard, filter, value, onChange, testId }: { dashboard: string; filter: string; value?: string; onChange(v: string | undefined): void; testId: string }) {
  const t = useT();
  const me = useAuth((s) => s.user);
  const rights = new Set(me?.platform ?? []);
  // The whole org tree for those allowed to read it; otherwise the units of the rows in the viewer's scope.
  const tree = rights.has('admin.org') || rights.has('admin.users');
  const units = useQuery({ queryKey: ['org-units'], queryFn: () => api.admin.listOrgUnits(), retry: false, enabled: tree });
  const scoped = useFilterOptions(dashboard, filter, '', !tree);
  const options = tree
    ? (units.data ?? []).map((u) => ({ value: u.id, label: u.name }))
    : (scoped.data?.items ?? []).map((o) => ({ value: o.value, label: o.label }));
  if (!tree && me?.orgUnitId && !options.some((o) => o.value === me.orgUnitId)) options.unshift({ value: me.orgUnitId, label: me.orgUnit?.name ?? t('本机构', 'My unit') });
  return <Select allowClear showSearch optionFilterProp="label" style={{ width: 200 }} placeholder={t('全部机构', 'Every unit')} value={value} onChange={onChange} options={options} data-testid={testId} />;
}
