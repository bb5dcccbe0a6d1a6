/**
 * Renders a report's answer as the chosen chart (ECharts), a table or a pivot table (antd) with the
 * subtotals and totals the server answered. Clicking a bar, slice or row calls `onPick` with the
 * dimension values behind it.
 */
import { useMemo, useRef } from 'react';
import { Button, Empty, Statistic, Table, Tooltip } from 'antd';
import { ArrowDownOutlined, ArrowUpOutlined, UnorderedListOutlined } from '@ant-design/icons';
import ReactECharts from 'echarts-for-react';
import type { ReportAnswer, ReportColumn } from '@crm/shared';
import { useT } from '../../lib/i18n';
import { type AnswerRow, type ChartType, entriesAt, formatCell, grandTotal, lookupTotal, plotNumber } from './reportModel';

export interface ReportViewProps {
  answer: ReportAnswer;
  chart: ChartType;
  stacked?: boolean;
  rowKeys: string[];
  colKeys: string[];
  /** Row dimensions already fixed by a drill-down: the chart's axis is the next one. */
  depth?: number;
  /** Show every row dimension joined on the axis (the designer's preview) instead of one level. */
  flat?: boolean;
  onPick?: (values: AnswerRow) => void;
  onRecords?: (values: AnswerRow) => void;
  height?: number;
}

interface EChartsLike {
  getZr(): { on(ev: 'click', h: (e: { target?: unknown; offsetX: number; offsetY: number }) => void): void };
  containPixel(finder: string, pt: [number, number]): boolean;
  convertFromPixel(finder: { gridIndex: number }, pt: [number, number]): unknown;
}

const PALETTE = ['#1f5aa6', '#2fa37a', '#f0a020', '#d64545', '#7a5cc8', '#2aa4c4', '#c8762a', '#6d7f95', '#b3589a', '#4c9a2a'];

export function ReportView(p: ReportViewProps) {
  const t = useT();
  const empty = t('（空）', '(empty)');
  const colByKey = useMemo(() => new Map(p.answer.columns.map((c) => [c.key, c])), [p.answer.columns]);
  const measures = p.answer.columns.filter((c) => c.role === 'measure');
  if (!measures.length) return <Empty />;
  if (p.chart === 'kpi') return <Kpi answer={p.answer} measures={measures} empty={empty} />;
  if (p.chart === 'table') return <FlatTable {...p} colByKey={colByKey} empty={empty} />;
  if (p.chart === 'pivot') return <PivotTable {...p} colByKey={colByKey} empty={empty} />;
  return <Chart {...p} colByKey={colByKey} empty={empty} />;
}

/** `0.1234` (a change as a decimal string, 4 places) → `12.34` percent, exactly (no float on the way). */
export function percentOf(change: string): string | null {
  const m = /^(-?)(\d+)(?:\.(\d{1,4}))?$/.exec(change);
  if (!m) return null;
  const bp = BigInt(m[2]! + (m[3] ?? '').padEnd(4, '0'));
  return `${m[1] && bp !== 0n ? '-' : ''}${bp / 100n}.${String(bp % 100n).padStart(2, '0')}`;
}

function Kpi({ answer, measures, empty }: { answer: ReportAnswer; measures: ReportColumn[]; empty: string }) {
  const t = useT();
  const total = grandTotal(answer);
  const cmp = answer.comparison;
  const against = cmp?.against === 'same_period_last_year' ? t('同比', 'YoY') : t('环比', 'vs previous');
  return (
    <div style={{ display: 'flex', gap: 32, flexWrap: 'wrap', padding: 16 }} data-testid="report-kpi">
      {measures.map((m) => {
        const c = cmp?.measures.find((x) => x.key === m.key);
        const pct = c?.change ? percentOf(c.change) : null;
        const up = pct !== null && !pct.startsWith('-') && pct !== '0.00';
        const down = pct !== null && pct.startsWith('-');
        return (
          <div key={m.key} data-kpi={m.key}>
            <Statistic title={m.label} value={formatCell(m, c ? c.value : total?.[m.key], empty)} />
            {c && (
              <div style={{ fontSize: 13, color: up ? '#cf1322' : down ? '#3f8600' : '#8c8c8c' }} data-testid="kpi-change" data-change={c.change ?? ''}>
                {against} {up ? <ArrowUpOutlined /> : down ? <ArrowDownOutlined /> : null} {pct === null ? '—' : `${pct.replace(/^-/, '')}%`}
                <span style={{ color: '#8c8c8c', marginLeft: 8 }}>{t('上期', 'previous')} {formatCell(m, c.previous, empty)}</span>
              </div>
            )}
          </div>
        );
      })}
      {cmp && <div style={{ width: '100%', color: '#8c8c8c', fontSize: 12 }}>{cmp.period.from} ~ {cmp.period.to} {t('对比', 'vs')} {cmp.previousPeriod.from} ~ {cmp.previousPeriod.to}</div>}
    </div>
  );
}

type Inner = ReportViewProps & { colByKey: Map<string, ReportColumn>; empty: string };

function Chart(p: Inner) {
  const t = useT();
  const { answer, rowKeys, colKeys, colByKey, empty } = p;
  const depth = p.depth ?? 0;
  const level = p.flat ? rowKeys.length : Math.min(depth + 1, rowKeys.length);
  const entries = entriesAt(answer, rowKeys, level);
  const axisKeys = p.flat ? rowKeys : rowKeys.slice(depth, level);
  const measures = answer.columns.filter((c) => c.role === 'measure');
  const catOf = (r: AnswerRow) => axisKeys.map((k) => formatCell(colByKey.get(k), r[k], empty)).join(' / ') || t('合计', 'Total');
  const categories: string[] = [];
  const rowOfCat = new Map<string, AnswerRow>();
  for (const r of entries) {
    const c = catOf(r);
    if (!rowOfCat.has(c)) { rowOfCat.set(c, Object.fromEntries(rowKeys.slice(0, level).map((k) => [k, r[k]]))); categories.push(c); }
  }
  const fmt = (m: ReportColumn, v: unknown) => formatCell(m, v, empty);
  type S = { name: string; measure: ReportColumn; data: { value: number | null; raw: unknown; pick: AnswerRow }[] };
  let series: S[];
  if (colKeys.length) {
    const m = measures[0]!;
    const names = new Map<string, AnswerRow>();
    for (const r of entries) { const n = colKeys.map((k) => formatCell(colByKey.get(k), r[k], empty)).join(' / '); if (!names.has(n)) names.set(n, Object.fromEntries(colKeys.map((k) => [k, r[k]]))); }
    series = [...names.entries()].map(([name, cv]) => ({
      name, measure: m,
      data: categories.map((c) => {
        const r = entries.find((e) => catOf(e) === c && colKeys.every((k) => e[k] === cv[k]));
        return { value: plotNumber(r?.[m.key]), raw: r?.[m.key], pick: { ...rowOfCat.get(c)!, ...cv } };
      }),
    }));
  } else {
    series = measures.map((m) => ({ name: m.label, measure: m, data: categories.map((c) => { const r = entries.find((e) => catOf(e) === c); return { value: plotNumber(r?.[m.key]), raw: r?.[m.key], pick: rowOfCat.get(c)! }; }) }));
  }
  const tooltip = {
    trigger: 'item' as const,
    formatter: (x: { seriesIndex: number; dataIndex: number; name: string }) => {
      const s = series[x.seriesIndex];
      const d = s?.data[x.dataIndex];
      return `${x.name}<br/>${s?.name ?? ''}: <b>${s && d ? fmt(s.measure, d.raw) : ''}</b>`;
    },
  };
  let option: Record<string, unknown>;
  if (p.chart === 'pie' || p.chart === 'donut' || p.chart === 'funnel') {
    const s = series[0]!;
    const data = categories.map((c, i) => ({ name: c, value: s.data[i]!.value }));
    option = {
      color: PALETTE, tooltip: { trigger: 'item', formatter: (x: { dataIndex: number; name: string; percent?: number }) => `${x.name}: <b>${fmt(s.measure, s.data[x.dataIndex]?.raw)}</b>${x.percent !== undefined ? ` (${x.percent}%)` : ''}` },
      legend: { type: 'scroll', bottom: 0 },
      series: [p.chart === 'funnel'
        ? { type: 'funnel', data, sort: 'descending', left: '10%', width: '80%', label: { formatter: '{b}' } }
        : { type: 'pie', data, radius: p.chart === 'donut' ? ['42%', '70%'] : '70%', label: { formatter: '{b}: {d}%' } }],
    };
  } else {
    const horizontal = p.chart === 'bar';
    const catAxis = { type: 'category', data: categories, axisLabel: { rotate: horizontal || categories.length < 8 ? 0 : 30, width: 140, overflow: 'truncate' } };
    const valAxis = { type: 'value' };
    option = {
      color: PALETTE, tooltip, legend: { type: 'scroll', top: 0 },
      grid: { left: 16, right: 24, top: 36, bottom: 16, containLabel: true },
      xAxis: horizontal ? valAxis : catAxis, yAxis: horizontal ? catAxis : valAxis,
      series: series.map((s) => ({
        name: s.name, type: p.chart === 'line' || p.chart === 'area' ? 'line' : 'bar', data: s.data.map((d) => d.value),
        stack: p.stacked || p.chart === 'area' ? 'total' : undefined, areaStyle: p.chart === 'area' ? {} : undefined, barMaxWidth: 40, smooth: p.chart === 'line' || p.chart === 'area',
      })),
    };
  }
  // A click anywhere in a category's band (not only on its bar) picks the category.
  const blankClick = useRef<(pt: [number, number], chart: EChartsLike) => void>(() => undefined);
  blankClick.current = (pt, chart) => {
    if (p.chart === 'pie' || p.chart === 'donut' || p.chart === 'funnel' || !chart.containPixel('grid', pt)) return;
    const [xi, yi] = chart.convertFromPixel({ gridIndex: 0 }, pt) as [number, number];
    const i = Math.round(p.chart === 'bar' ? yi : xi);
    const c = categories[i];
    if (c !== undefined) p.onPick?.(rowOfCat.get(c)!);
  };
  if (!categories.length) return <Empty description={t('没有数据', 'No data')} />;
  return (
    <div data-testid="report-chart" data-categories={JSON.stringify(categories)}>
      <ReactECharts style={{ height: p.height ?? 380 }} option={option} notMerge
        onChartReady={(chart: EChartsLike) => chart.getZr().on('click', (e: { target?: unknown; offsetX: number; offsetY: number }) => { if (!e.target) blankClick.current([e.offsetX, e.offsetY], chart); })}
        onEvents={{ click: (x: { seriesIndex: number; dataIndex: number }) => { const pick = p.chart === 'pie' || p.chart === 'donut' || p.chart === 'funnel' ? series[0]?.data[x.dataIndex]?.pick : series[x.seriesIndex]?.data[x.dataIndex]?.pick; if (pick) p.onPick?.(pick); } }} />
    </div>
  );
}

function RecordsButton({ onClick }: { onClick(): void }) {
  const t = useT();
  return (
    <Tooltip title={t('查看明细记录', 'View records')}>
      <Button size="small" type="link" icon={<UnorderedListOutlined />} onClick={(e) => { e.stopPropagation(); onClick(); }} data-testid="view-records" aria-label={t('查看明细记录', 'View records')} />
    </Tooltip>
  );
}

function FlatTable(p: Inner) {
  const t = useT();
  const { answer, colByKey, empty } = p;
  const dims = answer.columns.filter((c) => c.role === 'dimension');
  const total = grandTotal(answer);
  const columns = [
    ...answer.columns.map((c) => ({
      key: c.key, dataIndex: c.key, title: c.label, align: c.role === 'measure' ? ('right' as const) : undefined,
      render: (v: unknown, r: AnswerRow) => <span data-cell={c.key} className={r.$total ? 'report-total' : undefined}>{r.$total && c.role === 'dimension' ? (c === dims[0] ? t('合计', 'Total') : '') : formatCell(colByKey.get(c.key), v, empty)}</span>,
    })),
    ...(p.onRecords ? [{ key: '$records', title: '', width: 48, render: (_: unknown, r: AnswerRow) => (r.$total ? null : <RecordsButton onClick={() => p.onRecords!(Object.fromEntries(dims.map((d) => [d.key, r[d.key]])))} />) }] : []),
  ];
  const data: AnswerRow[] = [...answer.rows.map((r, i) => ({ ...r, $rk: i })), ...(total && dims.length ? [{ ...total, $rk: -1, $total: true }] : [])];
  return (
    <Table size="small" rowKey="$rk" columns={columns} dataSource={data} pagination={data.length > 50 ? { pageSize: 50 } : false} scroll={{ x: true }} data-testid="report-table"
      onRow={(r) => ({ onClick: () => { if (!r.$total && p.onPick) p.onPick(Object.fromEntries(dims.map((d) => [d.key, r[d.key]]))); }, style: p.onPick ? { cursor: 'pointer' } : undefined })} />
  );
}

/** Rows × columns with row subtotals (per row-dimension prefix), column totals and the grand total. */
function PivotTable(p: Inner) {
  const t = useT();
  const { answer, rowKeys, colKeys, colByKey, empty } = p;
  const measures = answer.columns.filter((c) => c.role === 'measure');
  const key = (vals: unknown[]) => JSON.stringify(vals);
  // Column combinations in the answer's order.
  const colCombos: AnswerRow[] = [];
  const seenCols = new Set<string>();
  for (const r of answer.rows) { const k = key(colKeys.map((c) => r[c])); if (!seenCols.has(k)) { seenCols.add(k); colCombos.push(Object.fromEntries(colKeys.map((c) => [c, r[c]]))); } }
  // Row lines: each row combination, then a subtotal after each group of a shorter prefix, then the total.
  type Line = { fixed: AnswerRow; depth: number; kind: 'row' | 'sub' | 'total' };
  const lines: Line[] = [];
  const rowCombos: AnswerRow[] = [];
  const seenRows = new Set<string>();
  for (const r of answer.rows) { const k = key(rowKeys.map((c) => r[c])); if (!seenRows.has(k)) { seenRows.add(k); rowCombos.push(Object.fromEntries(rowKeys.map((c) => [c, r[c]]))); } }
  rowCombos.forEach((rc, i) => {
    lines.push({ fixed: rc, depth: rowKeys.length, kind: 'row' });
    const next = rowCombos[i + 1];
    for (let d = rowKeys.length - 1; d >= 1; d--) {
      const ends = !next || rowKeys.slice(0, d).some((k) => next[k] !== rc[k]);
      if (ends) lines.push({ fixed: Object.fromEntries(rowKeys.slice(0, d).map((k) => [k, rc[k]])), depth: d, kind: 'sub' });
    }
  });
  if (rowKeys.length) lines.push({ fixed: {}, depth: 0, kind: 'total' });
  const cell = (line: Line, cc: AnswerRow | undefined, m: ReportColumn) => {
    const fixed = { ...line.fixed, ...(cc ?? {}) };
    const r = lookupTotal(answer, fixed);
    return formatCell(m, r?.[m.key], empty);
  };
  const colTitle = (cc: AnswerRow) => colKeys.map((k) => formatCell(colByKey.get(k), cc[k], empty)).join(' / ');
  const many = measures.length > 1;
  const valueCols = [
    ...(colKeys.length ? colCombos : [{}]).map((cc, ci) => ({
      key: `c${ci}`, title: colKeys.length ? colTitle(cc) : undefined,
      children: measures.map((m) => ({
        key: `c${ci}:${m.key}`, title: many || !colKeys.length ? m.label : undefined, align: 'right' as const,
        render: (_: unknown, line: Line & { $i: number }) => (
          <span data-cell={`${ci}:${m.key}`} onClick={(e) => { if (line.kind === 'row' && p.onPick) { e.stopPropagation(); p.onPick({ ...line.fixed, ...cc }); } }} style={line.kind === 'row' && p.onPick ? { cursor: 'pointer' } : undefined}>
            {cell(line, colKeys.length ? cc : undefined, m)}
          </span>
        ),
      })),
    })),
    ...(colKeys.length ? [{
      key: 'total', title: t('合计', 'Total'),
      children: measures.map((m) => ({ key: `t:${m.key}`, title: many ? m.label : undefined, align: 'right' as const, render: (_: unknown, line: Line) => <b data-cell={`total:${m.key}`}>{cell(line, undefined, m)}</b> })),
    }] : []),
  ].map((c) => (c.children.length === 1 && !c.children[0]!.title ? { ...c.children[0]!, title: c.title } : c));
  const headCols = rowKeys.map((k, i) => ({
    key: `r:${k}`, title: colByKey.get(k)?.label ?? k,
    render: (_: unknown, line: Line) => {
      if (line.kind === 'total') return i === 0 ? <b>{t('总计', 'Grand total')}</b> : null;
      if (line.kind === 'sub') return i === line.depth - 1 ? <b>{formatCell(colByKey.get(k), line.fixed[k], empty)} {t('小计', 'subtotal')}</b> : i < line.depth - 1 ? formatCell(colByKey.get(k), line.fixed[k], empty) : null;
      return (
        <span data-row-head={k} onClick={(e) => { if (p.onPick) { e.stopPropagation(); p.onPick(Object.fromEntries(rowKeys.slice(0, i + 1).map((x) => [x, line.fixed[x]]))); } }} style={p.onPick ? { cursor: 'pointer', color: '#1f5aa6' } : undefined}>
          {formatCell(colByKey.get(k), line.fixed[k], empty)}
        </span>
      );
    },
  }));
  const recordsCol = p.onRecords ? [{ key: '$records', title: '', width: 48, render: (_: unknown, line: Line) => (line.kind === 'row' ? <RecordsButton onClick={() => p.onRecords!(line.fixed)} /> : null) }] : [];
  const data = lines.map((l, i) => ({ ...l, $i: i }));
  return (
    <Table size="small" bordered rowKey="$i" columns={[...headCols, ...valueCols, ...recordsCol]} dataSource={data} pagination={false} scroll={{ x: true, y: 560 }} data-testid="report-pivot"
      rowClassName={(l) => (l.kind === 'row' ? '' : 'report-subtotal')} />
  );
}
