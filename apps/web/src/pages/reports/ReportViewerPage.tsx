/**
 * Runs a saved report: click a bar, slice or row to drill to the next level (a breadcrumb leads
 * back), open the records behind a cell, export CSV or XLSX.
 */
import { useMemo, useState } from 'react';
import { App, Breadcrumb, Button, Card, Space, Tag, Tooltip, Typography } from 'antd';
import { DownloadOutlined, EditOutlined, ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router';
import type { Report, ReportAnswer } from '@crm/shared';
import { api, useAuth } from '../../lib/api';
import { useL, useT } from '../../lib/i18n';
import { useObject } from '../../lib/meta';
import { ErrorAlert, Loading, PageHeader, errorText } from '../../components/common';
import { ReportView } from './ReportView';
import { type AnswerRow, type ChartType, type DraftDim, formatCell, recordsFilter } from './reportModel';

export type Drill = { field: string; value: string | number | boolean | null }[];

export function ReportViewerPage() {
  const { key = '' } = useParams();
  const report = useQuery({ queryKey: ['reports', key], queryFn: () => api.reports.get(key) });
  if (report.isLoading) return <Loading />;
  if (report.error) return <ErrorAlert error={report.error} />;
  return <Viewer key={key} report={report.data!} />;
}

/** The row and column dimension keys of a saved report (its pivot layout, else every dimension on rows). */
export function layoutOf(report: Pick<Report, 'dimensions' | 'pivot'>): { rowKeys: string[]; colKeys: string[]; dims: DraftDim[] } {
  const dims: DraftDim[] = (report.dimensions ?? []).map((d) => ({ field: d.field, key: d.key ?? d.field, bucket: d.bucket, level: d.level }));
  const colKeys = report.pivot?.columns ?? [];
  return { rowKeys: dims.map((d) => d.key).filter((k) => !colKeys.includes(k)), colKeys, dims };
}

/** Runs a saved report with a drill-down and extra filter, asking for the subtotals of every row prefix. */
export function useReportRun(report: Report, drill: Drill, filter?: Record<string, unknown>) {
  const { rowKeys, colKeys } = layoutOf(report);
  return useQuery({
    queryKey: ['reports', report.key, report.version, 'run', drill, filter],
    queryFn: () => api.reports.run(report.key, { drill, ...(filter && Object.keys(filter).length ? { filter } : {}), ...(rowKeys.length + colKeys.length ? { pivot: { rows: rowKeys, columns: colKeys } } : {}) }),
    placeholderData: keepPreviousData,
  });
}

function Viewer({ report }: { report: Report }) {
  const t = useT();
  const l = useL();
  const nav = useNavigate();
  const { message } = App.useApp();
  const user = useAuth((s) => s.user);
  const obj = useObject(report.object);
  const [drill, setDrill] = useState<Drill>([]);
  const [exporting, setExporting] = useState<string | null>(null);
  const { rowKeys, colKeys, dims } = layoutOf(report);
  const run = useReportRun(report, drill);
  const chart = (report.chart?.type ?? 'table') as ChartType;
  const depth = drill.filter((x) => rowKeys.includes(x.field)).length;
  const answer: ReportAnswer | undefined = run.data;
  const colByKey = useMemo(() => new Map((answer?.columns ?? []).map((c) => [c.key, c])), [answer]);
  const typeOf = (field: string) => obj.data?.fields?.find((f) => f.key === field)?.type ?? (field === 'created_at' || field === 'updated_at' ? 'datetime' : undefined);

  const pick = (values: AnswerRow) => {
    // The next row dimension not yet fixed; a chart drills one level at a time.
    const next = rowKeys.find((k) => !drill.some((x) => x.field === k) && k in values);
    const chartLike = chart !== 'pivot' && chart !== 'table';
    if (!next || (chartLike && depth + 1 >= rowKeys.length)) { openRecords(values); return; }
    setDrill([...drill, { field: next, value: values[next] as Drill[number]['value'] }]);
  };
  const openRecords = (values: AnswerRow) => {
    const all = [...drill, ...Object.entries(values).filter(([k]) => !drill.some((x) => x.field === k)).map(([field, value]) => ({ field, value }))];
    const f = recordsFilter(all, dims, typeOf);
    const base = report.filter && Object.keys(report.filter).length ? report.filter : undefined;
    if (!f) { message.warning(t('该单元格的条件包含关联路径或机构层级，无法直接列出记录；请继续下钻。', 'This cell is grouped through a relation or an org-tree level: drill further to list its records.')); return; }
    const filter = base ? { $and: [base, f] } : f;
    nav(`/records/${report.object}?filter=${encodeURIComponent(JSON.stringify(filter))}&from=${encodeURIComponent(l(report.name, report.key))}`);
  };
  const download = async (format: 'csv' | 'xlsx') => {
    setExporting(format);
    const hide = message.loading(t('正在导出…', 'Exporting…'), 0);
    try {
      const blob = await api.reports.export(report.key, { format, ...(drill.length ? { drill: JSON.stringify(drill) } : {}) });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `${report.key}.${format}`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      message.success(t('导出完成', 'Exported'));
    } catch (e) {
      message.error(errorText(e, t));
    } finally {
      hide();
      setExporting(null);
    }
  };

  const crumbs = [
    { title: <a onClick={() => setDrill([])} data-testid="crumb-0">{t('全部', 'All')}</a> },
    ...drill.map((x, i) => ({
      title: (
        <a onClick={() => setDrill(drill.slice(0, i + 1))} data-testid={`crumb-${i + 1}`}>
          {colByKey.get(x.field)?.label ?? x.field}: {formatCell(colByKey.get(x.field), x.value, t('（空）', '(empty)'))}
        </a>
      ),
    })),
  ];
  return (
    <div>
      <PageHeader
        title={l(report.name, report.key)}
        sub={<Space><Tag>v{report.version}</Tag>{answer && <Typography.Text type="secondary">{t(`${answer.elapsedMs} 毫秒`, `${answer.elapsedMs} ms`)}{answer.cached ? t(' · 缓存', ' · cached') : ''}</Typography.Text>}</Space>}
        extra={
          <Space>
            <Button icon={<ReloadOutlined />} onClick={() => run.refetch()}>{t('刷新', 'Refresh')}</Button>
            <Button icon={<DownloadOutlined />} loading={exporting === 'csv'} disabled={!!exporting} onClick={() => download('csv')} data-testid="export-csv">{t('导出 CSV', 'Export CSV')}</Button>
            <Button icon={<DownloadOutlined />} loading={exporting === 'xlsx'} disabled={!!exporting} onClick={() => download('xlsx')} data-testid="export-xlsx">{t('导出 Excel', 'Export XLSX')}</Button>
            {user?.platform?.includes('designer') && <Button icon={<EditOutlined />} onClick={() => nav(`/reports/${report.key}/edit`)} data-testid="edit-report">{t('编辑', 'Edit')}</Button>}
          </Space>
        }
      />
      <Card size="small" data-testid="report-viewer" data-depth={drill.length}>
        <Space style={{ marginBottom: 8 }}>
          <Breadcrumb items={crumbs} data-testid="drill-crumbs" />
          {rowKeys.length > 0 && (
            <Tooltip title={t('点击图表或行下钻到下一层级', 'Click the chart or a row to drill down')}>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('可下钻', 'drillable')}</Typography.Text>
            </Tooltip>
          )}
        </Space>
        <ErrorAlert error={run.error} />
        {answer ? (
          <div data-testid="viewer-ready" data-fetching={run.isFetching ? 'true' : 'false'}>
            <ReportView answer={answer} chart={chart} stacked={!!report.chart?.options?.stacked} rowKeys={rowKeys} colKeys={colKeys} depth={depth} onPick={pick} onRecords={chart === 'table' || chart === 'pivot' ? openRecords : undefined} />
            {chart !== 'table' && chart !== 'pivot' && chart !== 'kpi' && (
              <div style={{ marginTop: 8 }}>
                <Button size="small" onClick={() => openRecords({})} data-testid="view-all-records">{t('查看明细记录', 'View records')}</Button>
              </div>
            )}
          </div>
        ) : run.isLoading ? <Loading /> : null}
      </Card>
    </div>
  );
}
