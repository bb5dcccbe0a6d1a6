/**
 * A report's forecast (`POST /api/reports/:key/forecast`): the history, the forecast after it and its
 * prediction intervals drawn as bands (95 % light, 80 % darker), with the method the backtest chose and
 * its MAPE. Offered for reports with a month, quarter or year dimension. Values arrive as decimal
 * strings; they become numbers only to be drawn.
 */
import { useState } from 'react';
import { Button, Card, InputNumber, Space, Tag, Typography } from 'antd';
import { LineChartOutlined } from '@ant-design/icons';
import { useMutation } from '@tanstack/react-query';
import ReactECharts from 'echarts-for-react';
import type { Report, ReportForecast } from '@crm/shared';
import { api } from '../../lib/api';
import { useT, type T } from '../../lib/i18n';
import { ErrorAlert } from '../../components/common';

const METHOD: Record<ReportForecast['method'], [string, string]> = {
  seasonal_naive: ['季节朴素法', 'Seasonal naive'], holt: ['Holt 线性趋势', 'Holt linear trend'], holt_winters_additive: ['Holt-Winters 加法季节', 'Additive Holt-Winters'],
};

export const forecastable = (r: Report) => r.dimensions.some((d) => d.bucket === 'month' || d.bucket === 'quarter' || d.bucket === 'year');

/** The chart option: history, forecast, and the 80 % / 95 % bands as stacked areas (lower edge + width). */
export function forecastOption(f: Pick<ReportForecast, 'history' | 'points'>, t: T) {
  const n = (v: string) => Number(v);
  const periods = [...f.history.map((h) => h.period), ...f.points.map((p) => p.period)];
  const pad = f.history.map(() => null);
  const last = f.history[f.history.length - 1];
  // The forecast line starts at the last observed value, so it continues the history.
  const forecast = [...pad.slice(1), last ? n(last.value) : null, ...f.points.map((p) => n(p.value))];
  const band = (lo: 'lo80' | 'lo95', hi: 'hi80' | 'hi95', name: string, color: string) => [
    { name, type: 'line', stack: name, symbol: 'none', lineStyle: { opacity: 0 }, data: [...pad, ...f.points.map((p) => n(p[lo]))], tooltip: { show: false } },
    { name, type: 'line', stack: name, symbol: 'none', lineStyle: { opacity: 0 }, itemStyle: { color }, areaStyle: { color }, data: [...pad, ...f.points.map((p) => n(p[hi]) - n(p[lo]))] },
  ];
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: [t('历史', 'History'), t('预测', 'Forecast'), t('95% 区间', '95 % interval'), t('80% 区间', '80 % interval')] },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: periods, boundaryGap: false },
    yAxis: { type: 'value', scale: true },
    series: [
      ...band('lo95', 'hi95', t('95% 区间', '95 % interval'), 'rgba(31,90,166,0.12)'),
      ...band('lo80', 'hi80', t('80% 区间', '80 % interval'), 'rgba(31,90,166,0.25)'),
      { name: t('历史', 'History'), type: 'line', data: f.history.map((h) => n(h.value)), itemStyle: { color: '#1f5aa6' } },
      { name: t('预测', 'Forecast'), type: 'line', data: forecast, lineStyle: { type: 'dashed' }, itemStyle: { color: '#d4380d' } },
    ],
  };
}

export function ForecastPanel({ report }: { report: Report }) {
  const t = useT();
  const [horizon, setHorizon] = useState(6);
  const run = useMutation({ mutationFn: () => api.reports.forecast(report.key, { horizon }) });
  const f = run.data;
  return (
    <Card size="small" style={{ marginTop: 16 }} title={<span><LineChartOutlined style={{ marginRight: 6 }} />{t('预测', 'Forecast')}</span>} data-testid="forecast-panel"
      extra={
        <Space>
          <span>{t('预测期数', 'Periods ahead')}</span>
          <InputNumber size="small" min={1} max={36} value={horizon} onChange={(v) => setHorizon(v ?? 6)} data-testid="forecast-horizon" />
          <Button size="small" type="primary" loading={run.isPending} onClick={() => run.mutate()} data-testid="forecast-run">{t('生成预测', 'Forecast')}</Button>
        </Space>
      }>
      <ErrorAlert error={run.error} />
      {f ? (
        <div data-testid="forecast-ready">
          <Space style={{ marginBottom: 8 }} wrap>
            <Tag color="blue">{t(...METHOD[f.method])}</Tag>
            <Typography.Text type="secondary">{f.backtestMape === null ? t('回测误差：—', 'Backtest MAPE: —') : t(`回测 MAPE ${f.backtestMape.toFixed(1)}%`, `Backtest MAPE ${f.backtestMape.toFixed(1)} %`)}</Typography.Text>
          </Space>
          <ReactECharts style={{ height: 320 }} option={forecastOption(f, t)} notMerge />
        </div>
      ) : <Typography.Text type="secondary">{t('按回测误差在季节朴素法、Holt 与 Holt-Winters 中选择方法，给出 80% 与 95% 预测区间', 'The method (seasonal naive, Holt, Holt-Winters) is chosen by its backtest error; 80 % and 95 % intervals are drawn as bands')}</Typography.Text>}
    </Card>
  );
}
