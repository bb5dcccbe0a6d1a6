/**
 * The report designer: an object, its readable fields and one hop through its relations in a palette
 * (drag onto rows, columns, measures or filters, or pick with "add"), date buckets, org-tree levels,
 * relative dates, drill paths (a click on a bar opens the next level), the chart type, and a live
 * preview through POST /api/reports/query.
 */
import { useEffect, useMemo, useState } from 'react';
import { App, Button, Card, Col, Empty, Input, InputNumber, Row, Select, Space, Switch, Tag, Tooltip, Typography } from 'antd';
import { DeleteOutlined, HolderOutlined, SaveOutlined, EyeOutlined } from '@ant-design/icons';
import { DndProvider, useDrag, useDrop } from 'react-dnd';
import { HTML5Backend } from 'react-dnd-html5-backend';
import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router';
import type { Field, ObjectDefinition, ReportSource } from '@crm/shared';
import { api, useAuth } from '../../lib/api';
import { useL, useLang, useT } from '../../lib/i18n';
import { useObjects } from '../../lib/meta';
import { ErrorAlert, Loading, PageHeader } from '../../components/common';
import { ReportView } from './ReportView';
import {
  type Agg, type Bucket, type ChartType, DATE_TYPES, type Draft, type DraftComputed, type DraftCondition, type DraftDim, type DraftHierarchy, type DraftMeasure, type FieldChoice, NUMERIC_TYPES, RELATIVE_DATES,
  computedKey, definitionDraft, dimDefinition, dimKey, draftDefinition, measureKey, usedDimKeys,
} from './reportModel';

const SYSTEM: { key: string; zh: string; en: string; type: string }[] = [
  { key: 'owner_id', zh: '负责人', en: 'Owner', type: 'user' },
  { key: 'org_unit_id', zh: '所属机构', en: 'Org unit', type: 'org_unit' },
  { key: 'created_at', zh: '创建时间', en: 'Created', type: 'datetime' },
  { key: 'updated_at', zh: '更新时间', en: 'Updated', type: 'datetime' },
];

export const CHARTS: { type: ChartType; zh: string; en: string }[] = [
  { type: 'kpi', zh: '指标卡', en: 'KPI' }, { type: 'column', zh: '柱形图', en: 'Column' }, { type: 'bar', zh: '条形图', en: 'Bar' },
  { type: 'line', zh: '折线图', en: 'Line' }, { type: 'area', zh: '面积图', en: 'Area' }, { type: 'pie', zh: '饼图', en: 'Pie' },
  { type: 'donut', zh: '环形图', en: 'Donut' }, { type: 'funnel', zh: '漏斗图', en: 'Funnel' }, { type: 'table', zh: '表格', en: 'Table' },
  { type: 'pivot', zh: '透视表', en: 'Pivot' },
];

const AGGS: { agg: Agg; zh: string; en: string; numeric?: boolean; noField?: boolean }[] = [
  { agg: 'count', zh: '计数', en: 'Count', noField: true }, { agg: 'count_distinct', zh: '去重计数', en: 'Distinct count' },
  { agg: 'sum', zh: '求和', en: 'Sum', numeric: true }, { agg: 'avg', zh: '平均', en: 'Average', numeric: true },
  { agg: 'min', zh: '最小', en: 'Min' }, { agg: 'max', zh: '最大', en: 'Max' },
];
const BUCKETS: { b: Bucket; zh: string; en: string }[] = [
  { b: 'day', zh: '按日', en: 'Day' }, { b: 'week', zh: '按周', en: 'Week' }, { b: 'month', zh: '按月', en: 'Month' }, { b: 'quarter', zh: '按季', en: 'Quarter' }, { b: 'year', zh: '按年', en: 'Year' },
];
const LEVELS = [[1, '总行', 'Head office'], [2, '分行', 'Branch'], [3, '支行', 'Sub-branch'], [4, '团队', 'Team']] as const;

const emptyDraft = (object = ''): Draft => ({
  key: `report_${Date.now().toString(36)}`, nameZh: '', nameEn: '', object, rows: [], columns: [], measures: [{ key: 'n', agg: 'count' }], computed: [], conditions: [], hierarchies: [], chart: 'column', stacked: false,
});

/** The fields a report on `object` may use: its own, the system columns, and one hop through each relation. */
export function useFieldChoices(object: string | undefined): { choices: FieldChoice[]; loading: boolean; objects: ObjectDefinition[]; sources: ReportSource[] } {
  const l = useL();
  const lang = useLang((s) => s.lang);
  const objects = useObjects();
  // Sources besides the objects (campaign members): their fields come with the list, not from the metadata.
  const sources = useQuery({ queryKey: ['reports', 'sources'], queryFn: () => api.reports.sources(), staleTime: 60_000 });
  const source = (sources.data?.items ?? []).find((s) => s.key === object);
  const obj = (objects.data ?? []).find((o) => o.key === object);
  const isObject = !!object && (objects.data ?? []).some((o) => o.key === object);
  const fullObj = useQuery({ queryKey: ['meta', 'object', object], queryFn: () => api.meta.getObject(object!), enabled: isObject });
  const fields: Field[] = useMemo(() => source?.fields ?? fullObj.data?.fields ?? obj?.fields ?? [], [source, fullObj.data, obj]);
  const targets = useMemo(() => [...new Set(fields.filter((f) => f.type === 'relation' && f.target).map((f) => f.target!))], [fields]);
  const targetObjs = useQueries({ queries: targets.map((k) => ({ queryKey: ['meta', 'object', k], queryFn: () => api.meta.getObject(k) })) });
  const choices = useMemo(() => {
    const sys = (prefix: string, plabel: string) => SYSTEM.map((s) => ({ path: prefix + s.key, label: plabel + (lang === 'en' ? s.en : s.zh), type: s.type }));
    const fit = (f: Field) => ('measure' in f ? { measure: f.measure as boolean, dimension: (f as { dimension?: boolean }).dimension } : {});
    const own = (fs: Field[], prefix: string, plabel: string) => fs.filter((f) => f.type !== 'json' && f.type !== 'attachment').map((f) => ({ path: prefix + f.key, label: plabel + l(f.label, f.key), type: f.type, field: f, ...fit(f) }));
    const out: FieldChoice[] = [...own(fields, '', ''), ...sys('', '')];
    for (const f of fields.filter((x) => x.type === 'relation' && x.target)) {
      const t = targetObjs[targets.indexOf(f.target!)]?.data;
      if (!t) continue;
      const p = `${l(f.label, f.key)} / `;
      out.push(...own((t.fields ?? []).filter((x) => x.type !== 'relation'), `${f.key}.`, p), ...sys(`${f.key}.`, p));
    }
    return out;
  }, [fields, targetObjs, targets, l, lang]);
  return { choices, loading: fullObj.isLoading || objects.isLoading || sources.isLoading, objects: objects.data ?? [], sources: sources.data?.items ?? [] };
}

export function ReportDesignerPage() {
  const { key } = useParams();
  const existing = useQuery({ queryKey: ['reports', key], queryFn: () => api.reports.get(key!), enabled: !!key });
  if (key && existing.isLoading) return <Loading />;
  if (existing.error) return <ErrorAlert error={existing.error} />;
  return (
    <DndProvider backend={HTML5Backend}>
      <Designer key={key ?? 'new'} initial={existing.data ? definitionDraft(existing.data) : emptyDraft()} version={existing.data?.version} isNew={!key} />
    </DndProvider>
  );
}

type Zone = 'rows' | 'columns' | 'measures' | 'filters';

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => { const h = setTimeout(() => setV(value), ms); return () => clearTimeout(h); }, [value, ms]);
  return v;
}

function Designer({ initial, version, isNew }: { initial: Draft; version?: number; isNew: boolean }) {
  const t = useT();
  const l = useL();
  const nav = useNavigate();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const user = useAuth((s) => s.user);
  const [d, setD] = useState<Draft>(initial);
  const [ver, setVer] = useState(version);
  const { choices, objects, sources } = useFieldChoices(d.object || undefined);
  const byPath = useMemo(() => new Map(choices.map((c) => [c.path, c])), [choices]);
  const set = (patch: Partial<Draft>) => setD((x) => ({ ...x, ...patch }));
  const definition = useMemo(() => draftDefinition(d), [d]);
  const debounced = useDebounced(definition, 350);
  // A computed measure still being written (no expression yet) waits; the server says what else is wrong.
  const canPreview = !!debounced.object && debounced.measures.length > 0 && !debounced.measures.some((m) => m.agg === 'feel' && !m.expression);
  const preview = useQuery({
    queryKey: ['reports', 'preview', debounced],
    queryFn: ({ signal }) => { void signal; return api.reports.query(debounced); },
    enabled: canPreview,
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 0,
  });
  const save = useMutation({
    mutationFn: async () => {
      const name = { 'zh-CN': d.nameZh.trim() || d.key, en: d.nameEn.trim() || d.nameZh.trim() || d.key };
      if (isNew && ver === undefined) return api.reports.create({ ...definition, key: d.key, name } as Parameters<typeof api.reports.create>[0]);
      const body = { ...definition, name, version: ver, filter: definition.filter ?? null, sort: definition.sort ?? null, limit: definition.limit ?? null, pivot: definition.pivot ?? null };
      return api.reports.update(d.key, body as Parameters<typeof api.reports.update>[1]);
    },
    onSuccess: (r) => {
      setVer(r.version);
      qc.invalidateQueries({ queryKey: ['reports'] });
      message.success(t(`已保存（第 ${r.version} 版）`, `Saved (version ${r.version})`));
      if (isNew) nav(`/reports/${r.key}/edit`, { replace: true });
    },
  });

  const addTo = (zone: Zone, path: string) => {
    const c = byPath.get(path);
    if (!c) return;
    if (zone === 'rows' || zone === 'columns') {
      if (c.dimension === false) return;
      const bucket: Bucket | undefined = DATE_TYPES.has(c.type) ? 'month' : undefined;
      const level = c.type === 'org_unit' ? 2 : undefined;
      const dim: DraftDim = { field: path, key: dimKey(path, bucket, level), bucket, level };
      if (usedDimKeys(d).has(dim.key)) return;
      set({ [zone]: [...d[zone], dim] } as Partial<Draft>);
    } else if (zone === 'measures') {
      const agg: Agg = (c.measure ?? NUMERIC_TYPES.has(c.type)) ? 'sum' : 'count_distinct';
      set({ measures: [...d.measures, { key: measureKey(agg, path, d.measures.map((m) => m.key)), agg, field: path }] });
    } else {
      set({ conditions: [...d.conditions, { field: path, op: DATE_TYPES.has(c.type) ? 'within' : 'eq' }] });
    }
  };
  const setDim = (zone: 'rows' | 'columns', i: number, patch: Partial<DraftDim>) => {
    const was = d[zone][i]!;
    const now = changedDim(was, patch);
    // A drill path starting at this dimension follows it to its new bucket or level.
    const hierarchies = d.hierarchies.map((h) => (h.base === was.key ? { ...h, base: now.key, first: undefined } : h));
    set({ [zone]: d[zone].map((x, j) => (j === i ? now : x)), hierarchies } as Partial<Draft>);
  };
  const removeDim = (zone: 'rows' | 'columns', i: number) => {
    const gone = d[zone][i]!;
    // A drill path starting here keeps its first level, so putting the dimension back restores it as it was.
    const hierarchies = d.hierarchies.map((h) => (h.base === gone.key && !h.first ? { ...h, first: dimDefinition(gone) } : h));
    set({ [zone]: d[zone].filter((_, j) => j !== i), hierarchies } as Partial<Draft>);
  };

  const dimensional = (c: FieldChoice) => c.dimension !== false;
  const fieldOptions = (filter?: (c: FieldChoice) => boolean) => choices.filter((c) => !filter || filter(c)).map((c) => ({ value: c.path, label: c.label }));
  const isDesigner = user?.platform?.includes('designer');
  const answer = preview.data;

  return (
    <div>
      <PageHeader
        title={isNew && ver === undefined ? t('新建报表', 'New report') : t('编辑报表', 'Edit report')}
        sub={ver ? <Tag data-testid="report-version">v{ver}</Tag> : undefined}
        extra={
          <Space>
            {ver !== undefined && <Button icon={<EyeOutlined />} onClick={() => nav(`/reports/${d.key}`)} data-testid="open-viewer">{t('查看', 'View')}</Button>}
            {isDesigner && <Button type="primary" icon={<SaveOutlined />} loading={save.isPending} onClick={() => save.mutate()} disabled={!d.object || !d.measures.length} data-testid="save-report">{t('保存', 'Save')}</Button>}
          </Space>
        }
      />
      <ErrorAlert error={save.error} />
      <Row gutter={12}>
        <Col span={5}>
          <Card size="small" title={t('数据对象', 'Object')} style={{ marginBottom: 12 }}>
            <Select style={{ width: '100%' }} value={d.object || undefined} placeholder={t('选择对象', 'Choose an object')} showSearch optionFilterProp="label" data-testid="report-object"
              onChange={(v) => setD({ ...emptyDraft(v), key: d.key, nameZh: d.nameZh, nameEn: d.nameEn, chart: d.chart })}
              options={[...objects, ...sources].map((o) => ({ value: o.key, label: l(o.label, o.key) }))} />
          </Card>
          <Card size="small" title={t('字段（拖到右侧）', 'Fields (drag right)')} styles={{ body: { maxHeight: 'calc(100vh - 330px)', overflow: 'auto', padding: 8 } }} data-testid="field-palette">
            {!d.object ? <Typography.Text type="secondary">{t('先选择对象', 'Choose an object first')}</Typography.Text>
              : choices.map((c) => <PaletteItem key={c.path} choice={c} />)}
          </Card>
        </Col>
        <Col span={19}>
          <Card size="small" style={{ marginBottom: 12 }}>
            <Space wrap>
              <span>{t('名称', 'Name')}</span>
              <Input style={{ width: 220 }} value={d.nameZh} onChange={(e) => set({ nameZh: e.target.value })} placeholder="中文名称" data-testid="report-name" />
              <Input style={{ width: 180 }} value={d.nameEn} onChange={(e) => set({ nameEn: e.target.value })} placeholder="English name" data-testid="report-name-en" />
              <span>{t('编码', 'Key')}</span>
              <Input style={{ width: 200 }} value={d.key} disabled={ver !== undefined} onChange={(e) => set({ key: e.target.value })} data-testid="report-key" />
            </Space>
          </Card>
          <Row gutter={12}>
            <Col span={8}>
              <DropZone zone="rows" title={t('行（维度）', 'Rows (dimensions)')} onDrop={addTo} options={fieldOptions(dimensional)} count={d.rows.length}>
                {d.rows.map((x, i) => <DimItem key={x.key} dim={x} choice={byPath.get(x.field)} onChange={(p) => setDim('rows', i, p)} onRemove={() => removeDim('rows', i)} testId={`row-dim-${i}`} />)}
              </DropZone>
            </Col>
            <Col span={8}>
              <DropZone zone="columns" title={t('列（系列）', 'Columns (series)')} onDrop={addTo} options={fieldOptions(dimensional)} count={d.columns.length}>
                {d.columns.map((x, i) => <DimItem key={x.key} dim={x} choice={byPath.get(x.field)} onChange={(p) => setDim('columns', i, p)} onRemove={() => removeDim('columns', i)} testId={`col-dim-${i}`} />)}
              </DropZone>
            </Col>
            <Col span={8}>
              <DropZone zone="measures" title={t('度量', 'Measures')} onDrop={addTo} options={fieldOptions()} count={d.measures.length}>
                {d.measures.map((m, i) => (
                  <Space key={i} style={{ display: 'flex', marginBottom: 4 }} data-testid={`measure-${i}`}>
                    <Select size="small" style={{ width: 96 }} value={m.agg} data-testid={`measure-${i}-agg`}
                      onChange={(agg: Agg) => set({ measures: d.measures.map((x, j) => (j === i ? { agg, field: agg === 'count' ? undefined : x.field, key: measureKey(agg, agg === 'count' ? undefined : x.field, d.measures.filter((_, k) => k !== i).map((y) => y.key)) } : x)) })}
                      options={AGGS.filter((a) => !a.numeric || !m.field || NUMERIC_TYPES.has(byPath.get(m.field)?.type ?? '')).map((a) => ({ value: a.agg, label: t(a.zh, a.en) }))} />
                    {m.agg !== 'count' || m.field ? <Typography.Text ellipsis style={{ maxWidth: 150 }}>{byPath.get(m.field ?? '')?.label ?? m.field}</Typography.Text> : <Typography.Text type="secondary">{t('记录数', 'rows')}</Typography.Text>}
                    <Button size="small" type="text" icon={<DeleteOutlined />} onClick={() => set({ measures: d.measures.filter((_, j) => j !== i) })} aria-label={t('删除', 'Remove')} />
                  </Space>
                ))}
                <Space size={4} wrap>
                  <Button size="small" type="dashed" onClick={() => set({ measures: [...d.measures, { key: measureKey('count', undefined, allKeys(d)), agg: 'count' }] })} data-testid="add-count">{t('+ 记录数', '+ Row count')}</Button>
                  <Tooltip title={t('两个度量相除，如户均资产 = 资产合计 ÷ 客户数', 'One measure divided by another, e.g. AUM per customer')}>
                    <Button size="small" type="dashed" disabled={!d.measures.length} data-testid="add-ratio"
                      onClick={() => set({ computed: [...d.computed, { key: computedKey('ratio', allKeys(d)), agg: 'ratio', numerator: d.measures[0]?.key ?? '', denominator: d.measures[1]?.key ?? d.measures[0]?.key ?? '' }] })}>{t('+ 比率', '+ Ratio')}</Button>
                  </Tooltip>
                  <Tooltip title={t('用 FEEL 公式按度量编码计算，精确小数', 'A FEEL expression over the measures by key, in exact decimals')}>
                    <Button size="small" type="dashed" disabled={!d.measures.length} data-testid="add-feel"
                      onClick={() => set({ computed: [...d.computed, { key: computedKey('feel', allKeys(d)), agg: 'feel', expression: '' }] })}>{t('+ 公式', '+ Formula')}</Button>
                  </Tooltip>
                </Space>
                {d.computed.map((m, i) => (
                  <ComputedItem key={m.key} m={m} index={i} plain={d.measures} byPath={byPath}
                    onChange={(next) => set({ computed: d.computed.map((x, j) => (j === i ? next : x)) })}
                    onRemove={() => set({ computed: d.computed.filter((_, j) => j !== i) })} />
                ))}
              </DropZone>
            </Col>
          </Row>
          <DropZone zone="filters" title={t('筛选条件', 'Filters')} onDrop={addTo} options={fieldOptions()} count={d.conditions.length + (d.kept?.filter ? 1 : 0)}>
            {d.kept?.filter && (
              <Space style={{ display: 'flex', marginBottom: 4 }} data-testid="kept-filter">
                <Tooltip title={<pre style={{ margin: 0, maxWidth: 480, whiteSpace: 'pre-wrap' }}>{JSON.stringify(d.kept.filter, null, 1)}</pre>}>
                  <Tag color="gold">{t('原有组合条件（保存时原样保留，下方条件与之同时满足）', 'The saved combined condition (kept as it is; the conditions below add to it)')}</Tag>
                </Tooltip>
                <Button size="small" type="text" icon={<DeleteOutlined />} onClick={() => set({ kept: { ...d.kept, filter: undefined } })} aria-label={t('删除', 'Remove')} data-testid="kept-filter-remove" />
              </Space>
            )}
            {d.conditions.map((c, i) => (
              <ConditionItem key={i} c={c} choice={byPath.get(c.field)} index={i}
                onChange={(p) => set({ conditions: d.conditions.map((x, j) => (j === i ? { ...x, ...p } : x)) })}
                onRemove={() => set({ conditions: d.conditions.filter((_, j) => j !== i) })} />
            ))}
          </DropZone>
          <DrillPaths d={d} set={set} byPath={byPath} options={fieldOptions(dimensional)} />
          <Card size="small" style={{ marginTop: 12 }}
            title={
              <Space wrap>
                <span>{t('图表', 'Chart')}</span>
                <Select size="small" style={{ width: 120 }} value={d.chart} onChange={(chart: ChartType) => set({ chart })} data-testid="chart-type" options={CHARTS.map((c) => ({ value: c.type, label: t(c.zh, c.en) }))} />
                {(d.chart === 'bar' || d.chart === 'column') && <Space size={4}><Switch size="small" checked={d.stacked} onChange={(stacked) => set({ stacked })} data-testid="chart-stacked" />{t('堆叠', 'Stacked')}</Space>}
                <span>{t('排序', 'Sort')}</span>
                <Select size="small" allowClear style={{ width: 180 }} value={d.sort} onChange={(sort) => set({ sort })} data-testid="report-sort"
                  options={[...d.rows, ...d.columns].map((x) => x.key).concat(allKeys(d)).flatMap((k) => [{ value: k, label: `${k} ↑` }, { value: `-${k}`, label: `${k} ↓` }])} />
                <span>{t('前 N 行', 'Top N')}</span>
                <InputNumber size="small" min={1} max={10000} value={d.limit} onChange={(v) => set({ limit: v ?? undefined })} data-testid="report-limit" />
              </Space>
            }
            extra={answer ? <Typography.Text type="secondary" data-testid="preview-meta">{t(`${answer.rows.length} 行 · ${answer.elapsedMs} 毫秒`, `${answer.rows.length} rows · ${answer.elapsedMs} ms`)}{preview.isFetching ? ' …' : ''}</Typography.Text> : preview.isFetching ? '…' : null}
            data-testid="report-preview"
          >
            <ErrorAlert error={preview.error} />
            {!canPreview ? <Empty description={t('选择对象并添加度量后即可预览', 'Choose an object and a measure to see a preview')} />
              : answer ? <div data-testid="preview-ready" data-fetching={preview.isFetching ? 'true' : 'false'}><ReportView answer={answer} chart={d.chart} stacked={d.stacked} rowKeys={d.rows.map((x) => x.key)} colKeys={d.columns.map((x) => x.key)} flat /></div>
                : preview.error ? null : <Loading />}
          </Card>
        </Col>
      </Row>
    </div>
  );
}

/** A dimension with a new bucket or level: its key follows; a saved label named it as it was (e.g. 月份) and goes. */
function changedDim(x: DraftDim, patch: Partial<DraftDim>): DraftDim {
  const { label: _saved, ...n } = { ...x, ...patch };
  return { ...n, key: dimKey(n.field, n.bucket, n.level) };
}

/** A drill level at an org depth is named after it (支行, 团队), as the breadcrumb and the column show it. */
function orgLevelDim(x: DraftDim): DraftDim {
  const lv = LEVELS.find(([n]) => n === x.level);
  const { label: _old, ...rest } = x;
  return lv ? { ...rest, label: { 'zh-CN': lv[1], en: lv[2] } } : rest;
}

const FINER: Record<Bucket, Bucket | undefined> = { year: 'quarter', quarter: 'month', month: 'day', week: 'day', day: undefined };

/**
 * The drill paths of a report: each starts at one of its dimensions and goes down through levels an
 * analyst picks (the next org level or a finer date bucket is offered first); at most three paths.
 */
function DrillPaths({ d, set, byPath, options }: { d: Draft; set(p: Partial<Draft>): void; byPath: Map<string, FieldChoice>; options: { value: string; label: string }[] }) {
  const t = useT();
  const { message } = App.useApp();
  const dims = [...d.rows, ...d.columns];
  const dimText = (x: DraftDim) => {
    const name = byPath.get(x.field)?.label ?? x.field;
    const lv = LEVELS.find(([n]) => n === x.level);
    const b = BUCKETS.find((y) => y.b === x.bucket);
    return lv ? `${name} · ${t(lv[1], lv[2])}` : b ? `${name} · ${t(b.zh, b.en)}` : name;
  };
  const setPath = (i: number, h: DraftHierarchy) => set({ hierarchies: d.hierarchies.map((x, j) => (j === i ? h : x)) });
  const addPath = () => {
    const base = dims.find((x) => !d.hierarchies.some((h) => h.base === x.key)) ?? dims[0];
    if (base) set({ hierarchies: [...d.hierarchies, { base: base.key, levels: [] }] });
  };
  const addLevel = (i: number, path: string) => {
    const h = d.hierarchies[i]!;
    const c = byPath.get(path);
    if (!c || c.dimension === false) return;
    // The level above: the next org level or a finer bucket of the same field is what a bank drills to.
    const above = h.levels[h.levels.length - 1] ?? dims.find((x) => x.key === h.base);
    const same = above?.field === path;
    const level = c.type === 'org_unit' ? (same && above?.level ? Math.min(8, above.level + 1) : 2) : undefined;
    const bucket = DATE_TYPES.has(c.type) ? ((same && above?.bucket ? FINER[above.bucket] : undefined) ?? 'month') : undefined;
    const dim = orgLevelDim({ field: path, key: dimKey(path, bucket, level), bucket, level });
    if (usedDimKeys(d).has(dim.key)) return void message.warning(t(`${dimText(dim)} 已在报表中`, `${dimText(dim)} is in the report already`));
    setPath(i, { ...h, levels: [...h.levels, dim] });
  };
  return (
    <Card size="small" style={{ marginTop: 12 }} data-testid="drill-paths"
      title={<Tooltip title={t('查看报表时点击柱形或单元格，显示下一层；最后一层点击打开明细记录', 'In the viewer a click on a bar or cell shows the next level; at the last level it opens the records')}>{t('下钻路径', 'Drill paths')}</Tooltip>}
      extra={<Button size="small" type="dashed" disabled={!dims.length || d.hierarchies.length >= 3} onClick={addPath} data-testid="add-drill">{t('+ 下钻路径', '+ Drill path')}</Button>}>
      {!d.hierarchies.length && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('例如 分行 → 支行 → 团队 → 客户经理；先在行或列中放入起始维度', 'e.g. branch → sub-branch → team → customer manager; put the first level on rows or columns')}</Typography.Text>}
      {d.hierarchies.map((h, i) => {
        const missing = !dims.some((x) => x.key === h.base);
        return (
          <div key={i} data-testid={`drill-${i}`} style={{ border: '1px dashed #d0d7e2', borderRadius: 6, padding: 6, marginBottom: 6 }}>
            <Space size={4} wrap>
              <span>{t('从', 'From')}</span>
              <Select size="small" style={{ width: 220 }} value={h.base} status={missing ? 'error' : undefined} data-testid={`drill-${i}-base`}
                options={[...dims.map((x) => ({ value: x.key, label: dimText(x) })), ...(missing ? [{ value: h.base, label: h.first ? dimText({ field: h.first.field, key: h.base, bucket: h.first.bucket, level: h.first.level }) : h.base }] : [])]}
                onChange={(base: string) => setPath(i, { ...h, base, first: undefined })} />
              <Button size="small" type="text" icon={<DeleteOutlined />} onClick={() => set({ hierarchies: d.hierarchies.filter((_, j) => j !== i) })} aria-label={t('删除下钻路径', 'Remove the drill path')} data-testid={`drill-${i}-remove`} />
            </Space>
            {missing && <div><Typography.Text type="danger" style={{ fontSize: 12 }}>{t('起始维度已不在行或列中：放回该维度，或另选起始维度', 'The first level is no longer on rows or columns: put it back or choose another')}</Typography.Text></div>}
            {h.levels.map((x, k) => (
              <div key={x.key} style={{ display: 'flex', alignItems: 'center', gap: 4, paddingLeft: 12 + k * 12 }}>
                <span style={{ color: '#8c8c8c' }}>↳</span>
                <DimItem dim={x} choice={byPath.get(x.field)} testId={`drill-${i}-level-${k}`}
                  onChange={(p) => setPath(i, { ...h, levels: h.levels.map((y, j) => (j === k ? orgLevelDim(changedDim(y, p)) : y)) })}
                  onRemove={() => setPath(i, { ...h, levels: h.levels.filter((_, j) => j !== k) })} />
              </div>
            ))}
            <div style={{ paddingLeft: 12 + h.levels.length * 12 }}>
              <Select size="small" style={{ width: 200 }} value={null} placeholder={t('+ 下一层', '+ Next level')} showSearch optionFilterProp="label" options={options}
                onChange={(v: string) => addLevel(i, v)} data-testid={`drill-${i}-add`} />
              {!h.levels.length && <Typography.Text type="warning" style={{ fontSize: 12, marginLeft: 8 }}>{t('至少添加一层（没有下一层的路径不保存）', 'Add at least one level (a path without one is not saved)')}</Typography.Text>}
            </div>
          </div>
        );
      })}
    </Card>
  );
}

/** Keys of every measure of the draft, plain and computed. */
function allKeys(d: Draft): string[] {
  return [...d.measures.map((m) => m.key), ...d.computed.map((m) => m.key)];
}

/** A measure's name in the designer's language, or its key. */
function labelText(label: DraftMeasure['label'], lang: string): string | undefined {
  if (!label) return undefined;
  return typeof label === 'string' ? label : ((lang === 'en' ? label.en : label['zh-CN']) ?? label['zh-CN'] ?? label.en);
}

/** A ratio (numerator ÷ denominator) or a FEEL formula over the plain measures, with its column name. */
function ComputedItem({ m, index, plain, byPath, onChange, onRemove }: {
  m: DraftComputed; index: number; plain: DraftMeasure[]; byPath: Map<string, FieldChoice>; onChange(m: DraftComputed): void; onRemove(): void;
}) {
  const t = useT();
  const lang = useLang((s) => s.lang);
  const aggName = (a: Agg) => { const x = AGGS.find((y) => y.agg === a); return x ? t(x.zh, x.en) : a; };
  const describe = (x: DraftMeasure) => labelText(x.label, lang) ?? (x.field ? `${aggName(x.agg)} ${byPath.get(x.field)?.label ?? x.field}` : t('记录数', 'Row count'));
  const options = plain.map((x) => ({ value: x.key, label: `${describe(x)} (${x.key})` }));
  const name = labelText(m.label, lang) ?? '';
  const setName = (v: string) => {
    const rest = typeof m.label === 'object' ? m.label : {};
    const { label: _old, ...without } = m;
    onChange(v.trim() ? { ...without, label: { en: v, ...rest, [lang === 'en' ? 'en' : 'zh-CN']: v } } : (without as DraftComputed));
  };
  const testId = `computed-${index}`;
  return (
    <div style={{ border: '1px dashed #d0d7e2', borderRadius: 6, padding: 6, marginTop: 6 }} data-testid={testId} data-key={m.key}>
      <Space size={4} style={{ display: 'flex' }}>
        <Tag color={m.agg === 'ratio' ? 'blue' : 'purple'}>{m.agg === 'ratio' ? t('比率', 'Ratio') : t('公式', 'Formula')}</Tag>
        <Input size="small" style={{ width: 140 }} value={name} placeholder={t('列名，如 户均资产', 'Column name')} onChange={(e) => setName(e.target.value)} data-testid={`${testId}-name`} />
        <Typography.Text type="secondary" style={{ fontSize: 11 }}>{m.key}</Typography.Text>
        <Button size="small" type="text" icon={<DeleteOutlined />} onClick={onRemove} aria-label={t('删除', 'Remove')} />
      </Space>
      {m.agg === 'ratio' ? (
        <Space size={4} style={{ display: 'flex', marginTop: 4 }}>
          <Select size="small" style={{ width: 112 }} popupMatchSelectWidth={false} value={m.numerator || undefined} options={options} onChange={(v: string) => onChange({ ...m, numerator: v })} data-testid={`${testId}-numerator`} placeholder={t('分子', 'Numerator')} />
          <span>÷</span>
          <Select size="small" style={{ width: 112 }} popupMatchSelectWidth={false} value={m.denominator || undefined} options={options} onChange={(v: string) => onChange({ ...m, denominator: v })} data-testid={`${testId}-denominator`} placeholder={t('分母', 'Denominator')} />
        </Space>
      ) : (
        <>
          <Space size={4} style={{ display: 'flex', marginTop: 4 }}>
            <Input size="small" style={{ width: 190 }} value={m.expression} placeholder={plain.length > 1 ? `${plain[1]!.key} / ${plain[0]!.key}` : plain[0]?.key} onChange={(e) => onChange({ ...m, expression: e.target.value })} data-testid={`${testId}-expression`} />
            <Tooltip title={t('小数位（四舍五入）', 'Decimals (rounded half up)')}>
              <InputNumber size="small" min={0} max={10} precision={0} style={{ width: 60 }} value={m.scale ?? null} placeholder="2" onChange={(v) => onChange({ ...m, scale: typeof v === 'number' ? v : undefined })} data-testid={`${testId}-scale`} />
            </Tooltip>
          </Space>
          <Typography.Text type="secondary" style={{ fontSize: 11 }}>{t('可用度量：', 'Measures: ')}{plain.map((x) => x.key).join('、')}</Typography.Text>
        </>
      )}
    </div>
  );
}

function PaletteItem({ choice }: { choice: FieldChoice }) {
  const [, drag] = useDrag(() => ({ type: 'report-field', item: { path: choice.path } }), [choice.path]);
  return (
    <div ref={(el) => { drag(el); }} className="report-palette-item" data-field={choice.path} title={choice.path}
      style={{ padding: '3px 6px', marginBottom: 2, borderRadius: 4, cursor: 'grab', background: '#f5f7fa', fontSize: 13 }}>
      <HolderOutlined style={{ color: '#aab' }} /> {choice.label} <Typography.Text type="secondary" style={{ fontSize: 11 }}>{choice.type}</Typography.Text>
    </div>
  );
}

function DropZone({ zone, title, onDrop, options, children, count }: { zone: Zone; title: string; onDrop(zone: Zone, path: string): void; options: { value: string; label: string }[]; children: React.ReactNode; count: number }) {
  const t = useT();
  const [{ over }, drop] = useDrop(() => ({ accept: 'report-field', drop: (item: { path: string }) => onDrop(zone, item.path), collect: (m) => ({ over: m.isOver() }) }), [onDrop, zone]);
  return (
    <div ref={(el) => { drop(el); }} data-testid={`zone-${zone}`}>
      <Card size="small" title={title} style={{ minHeight: 140, borderColor: over ? '#1f5aa6' : undefined, background: over ? '#f0f5ff' : undefined }}
        extra={<Select size="small" style={{ width: 140 }} value={null} placeholder={t('+ 添加', '+ Add')} showSearch optionFilterProp="label" options={options} onChange={(v: string) => onDrop(zone, v)} data-testid={`add-${zone}`} />}>
        {count === 0 && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('把字段拖到这里', 'Drop fields here')}</Typography.Text>}
        {children}
      </Card>
    </div>
  );
}

function DimItem({ dim, choice, onChange, onRemove, testId }: { dim: DraftDim; choice?: FieldChoice; onChange(p: Partial<DraftDim>): void; onRemove(): void; testId: string }) {
  const t = useT();
  const type = choice?.type ?? '';
  return (
    <Space style={{ display: 'flex', marginBottom: 4 }} data-testid={testId} data-key={dim.key}>
      <Typography.Text ellipsis style={{ maxWidth: 150 }}>{choice?.label ?? dim.field}</Typography.Text>
      {DATE_TYPES.has(type) && (
        <Select size="small" style={{ width: 80 }} value={dim.bucket ?? null} onChange={(b: Bucket | null) => onChange({ bucket: b ?? undefined })} data-testid={`${testId}-bucket`}
          options={[{ value: null, label: t('原值', 'Value') }, ...BUCKETS.map((b) => ({ value: b.b, label: t(b.zh, b.en) }))]} />
      )}
      {type === 'org_unit' && (
        <Select size="small" style={{ width: 90 }} value={dim.level ?? null} onChange={(v: number | null) => onChange({ level: v ?? undefined })} data-testid={`${testId}-level`}
          options={[{ value: null, label: t('本级', 'As is') }, ...LEVELS.map(([n, zh, en]) => ({ value: n, label: t(zh, en) }))]} />
      )}
      <Button size="small" type="text" icon={<DeleteOutlined />} onClick={onRemove} aria-label={t('删除', 'Remove')} />
    </Space>
  );
}

function ConditionItem({ c, choice, index, onChange, onRemove }: { c: DraftCondition; choice?: FieldChoice; index: number; onChange(p: Partial<DraftCondition>): void; onRemove(): void }) {
  const t = useT();
  const lang = useLang((s) => s.lang);
  const type = choice?.type ?? '';
  const isDate = DATE_TYPES.has(type);
  const ops: [DraftCondition['op'], string, string][] = [
    ...(isDate ? [['within', '相对日期', 'relative date'] as [DraftCondition['op'], string, string]] : []),
    ['eq', '等于', '='], ['ne', '不等于', '≠'], ['in', '属于', 'in'], ['gt', '大于', '>'], ['gte', '大于等于', '≥'], ['lt', '小于', '<'], ['lte', '小于等于', '≤'], ['empty', '为空', 'is empty'],
  ];
  const choicesOf = choice?.field?.options?.choices;
  const numeric = type === 'integer';
  const conv = (v: string) => (numeric && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v);
  let input: React.ReactNode = null;
  if (c.op === 'within') {
    input = <Select showSearch optionFilterProp="label" style={{ width: 200 }} value={c.value as string} onChange={(v) => onChange({ value: v })} data-testid={`condition-${index}-value`} options={RELATIVE_DATES.map(([v, zh, en]) => ({ value: v, label: t(zh, en) }))} />;
  } else if (c.op !== 'empty' && choicesOf && (c.op === 'eq' || c.op === 'ne' || c.op === 'in')) {
    input = <Select style={{ width: 240 }} mode={c.op === 'in' ? 'multiple' : undefined} value={c.value as string} onChange={(v) => onChange({ value: v })} data-testid={`condition-${index}-value`}
      options={choicesOf.map((x) => ({ value: x.value, label: typeof x.label === 'string' ? x.label : x.label[lang] ?? x.label['zh-CN'] ?? x.value }))} />;
  } else if (type === 'boolean' && c.op !== 'empty') {
    input = <Select style={{ width: 100 }} value={c.value as boolean} onChange={(v) => onChange({ value: v })} options={[{ value: true, label: t('是', 'Yes') }, { value: false, label: t('否', 'No') }]} data-testid={`condition-${index}-value`} />;
  } else if (c.op !== 'empty') {
    input = <Input style={{ width: 200 }} value={c.value === undefined ? '' : String(c.value)} placeholder={isDate ? 'YYYY-MM-DD' : undefined} onChange={(e) => onChange({ value: conv(e.target.value) })} data-testid={`condition-${index}-value`} />;
  }
  return (
    <Space style={{ display: 'flex', marginBottom: 4 }} data-testid={`condition-${index}`}>
      <Tooltip title={c.field}><Typography.Text style={{ display: 'inline-block', width: 160 }} ellipsis>{choice?.label ?? c.field}</Typography.Text></Tooltip>
      <Select size="small" style={{ width: 110 }} value={c.op} onChange={(op) => onChange({ op, value: undefined })} options={ops.map(([v, zh, en]) => ({ value: v, label: t(zh, en) }))} data-testid={`condition-${index}-op`} />
      {input}
      <Button size="small" type="text" icon={<DeleteOutlined />} onClick={onRemove} aria-label={t('删除', 'Remove')} />
    </Space>
  );
}
