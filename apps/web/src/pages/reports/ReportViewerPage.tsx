/**
 * Runs a saved report: click a bar, slice or row to drill to the next level (a breadcrumb leads
 * back; a drill hierarchy goes one level down per click), open the records behind a cell (the
 * server says their filter, so the list total equals the cell), export CSV or XLSX.
 */
import { useState } from 'react';
import { App, Breadcrumb, Button, Card, Space, Tag, Tooltip, Typography } from 'antd';
import { DownloadOutlined, EditOutlined, ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router';
import type { Report, ReportAnswer } from '@crm/shared';
import { api, useAuth } from '../../lib/api';
import { useL, useT } from '../../lib/i18n';
import { ErrorAlert, Loading, PageHeader, errorText } from '../../components/common';
import { ReportView } from './ReportView';
import { ForecastPanel, forecastable } from './ForecastPanel';
import { type AnswerRow, type ChartType } from './reportModel';
import { layoutOf, useDrill, type Drill } from './useDrill';

export { layoutOf, type Drill } from './useDrill';

export function ReportViewerPage() {
  const { key = '' } = useParams();
  const report = useQuery({ queryKey: ['reports', key], queryFn: () => api.reports.get(key) });
  if (report.isLoading) return <Loading />;
  if (report.error) return <ErrorAlert error={report.error} />;
  return <Viewer key={key} report={report.data!} />;
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
  const [exporting, setExporting] = useState<string | null>(null);
  const nav2 = useDrill(report);
  const drill = nav2.drill;
  const run = useReportRun(report, drill);
  const answer: ReportAnswer | undefined = run.data;
  const { rowKeys, colKeys } = layoutOf(report, answer);
  const chart = (report.chart?.type ?? 'table') as ChartType;
  const depth = drill.filter((x) => rowKeys.includes(x.field)).length;
  const chartLike = chart !== 'pivot' && chart !== 'table';
  const pick = (values: AnswerRow) => answer && nav2.pick(values, answer, rowKeys, chartLike);
  const openRecords = (values: AnswerRow) => void nav2.openRecords(values);
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

  const crumbs = nav2.crumbs;
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
            <ReportView answer={answer} chart={chart} stacked={!!report.chart?.options?.stacked} rowKeys={rowKeys} colKeys={colKeys} depth={depth} onPick={pick} onRecords={nav2.listable && (chart === 'table' || chart === 'pivot') ? openRecords : undefined} />
            {nav2.listable && chart !== 'table' && chart !== 'pivot' && chart !== 'kpi' && (
              <div style={{ marginTop: 8 }}>
                <Button size="small" onClick={() => openRecords({})} data-testid="view-all-records">{t('查看明细记录', 'View records')}</Button>
              </div>
            )}
          </div>
        ) : run.isLoading ? <Loading /> : null}
      </Card>
      {forecastable(report) && <ForecastPanel report={report} />}
    </div>
  );
}
