import { useCallback, useEffect, useMemo, useState } from 'react';
import { Button, Card, Checkbox, Dropdown, Input, InputNumber, Popover, Radio, Segmented, Select, Space, Tag, Typography, App } from 'antd';
import { AppstoreOutlined, CalendarOutlined, DeleteOutlined, DownloadOutlined, FilterOutlined, UnorderedListOutlined, UploadOutlined, PlusOutlined, ReloadOutlined, SearchOutlined, SettingOutlined } from '@ant-design/icons';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import type { Field, Filter, RecordData, SavedView } from '@crm/shared';
import { api } from '../../lib/api';
import { useL, useLang, useT } from '../../lib/i18n';
import { useObject } from '../../lib/meta';
import { ErrorAlert, Loading, PageHeader, errorText } from '../../components/common';
import { useNarrow } from '../../components/ResponsiveTable';
import { RecordCards } from '../../components/RecordCards';
import { useCan } from '../../lib/rights';
import { ImportDialog } from './ImportDialog';
import { RecordTable } from './RecordTable';
import { RecordKanban } from './RecordKanban';
import { RecordCalendar } from './RecordCalendar';
import { ListViews, type ViewState } from './ListViews';
import { BulkActions } from './BulkActions';
import { OP_LABELS, describeFilter, fromFilter, isSearchable, opsFor, quickSearchFilter, toFilter, type Condition, type FilterState, type Op } from './filters';

type ViewType = 'list' | 'kanban' | 'calendar';

const SYSTEM_FIELDS: Field[] = [
  { key: 'created_at', label: { 'zh-CN': '创建时间', en: 'Created' }, type: 'datetime' },
  { key: 'updated_at', label: { 'zh-CN': '更新时间', en: 'Updated' }, type: 'datetime' },
];
const EMPTY: FilterState = { combinator: 'and', conditions: [] };
/** The most rows one kanban board shows (one page of the list). */
const BOARD_LIMIT = 500;

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const h = setTimeout(() => setV(value), ms);
    return () => clearTimeout(h);
  }, [value, ms]);
  return v;
}

export function RecordListPage() {
  const { object = '' } = useParams();
  const obj = useObject(object);
  if (obj.isLoading) return <Loading />;
  if (obj.error) return <ErrorAlert error={obj.error} />;
  return <RecordList key={object} object={object} fields={obj.data!.fields ?? []} label={obj.data!.label} titleField={obj.data!.titleField} />;
}

function RecordList({ object, fields, label, titleField }: { object: string; fields: Field[]; label: unknown; titleField?: string | null }) {
  const t = useT();
  const l = useL();
  const lang = useLang((s) => s.lang);
  const nav = useNavigate();
  const { message } = App.useApp();
  const narrow = useNarrow();
  const all = useMemo(() => [...fields, ...SYSTEM_FIELDS], [fields]);
  const fieldMap = useMemo(() => new Map(all.map((f) => [f.key, f])), [all]);
  const [columns, setColumns] = useState<string[]>(() => fields.filter((f) => f.type !== 'json' && f.type !== 'textarea').slice(0, 7).map((f) => f.key).concat('updated_at'));
  const [sort, setSort] = useState('-updated_at');
  const [draftFilter, setDraftFilter] = useState<FilterState>(EMPTY);
  const [filter, setFilter] = useState<FilterState>(EMPTY);
  // A saved view's filter the builder cannot show as conditions (kept as it is, named as the view's).
  const [viewFilter, setViewFilter] = useState<{ name: string; filter: Filter } | null>(null);
  const [search, setSearch] = useState('');
  const quick = useDebounced(search, 300);
  const [viewType, setViewType] = useState<ViewType>('list');
  const selectFields = useMemo(() => fields.filter((f) => f.type === 'select' && f.options?.choices?.length), [fields]);
  const dateFields = useMemo(() => all.filter((f) => f.type === 'date' || f.type === 'datetime'), [all]);
  const [boardField, setBoardField] = useState<string | undefined>(() => selectFields[0]?.key);
  const [dateField, setDateField] = useState<string | undefined>(() => dateFields[0]?.key);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [importing, setImporting] = useState(false);
  const [exporting, setExporting] = useState(false);
  const canExport = useCan(object, 'export');
  const canUpdate = useCan(object, 'update');
  const canCreate = useCan(object, 'create');
  // `?filter=<JSON>` (the rows behind a report cell, a link from elsewhere) narrows the list further.
  const [params, setParams] = useSearchParams();
  const urlFilter = useMemo(() => {
    const raw = params.get('filter');
    if (!raw) return undefined;
    try { const f = JSON.parse(raw) as unknown; return f && typeof f === 'object' && !Array.isArray(f) ? (f as Record<string, unknown>) : undefined; } catch { return undefined; }
  }, [params]);
  const ownFilter = useMemo(() => toFilter(filter, fieldMap), [filter, fieldMap]);
  const searchFilter = useMemo(() => quickSearchFilter(quick, fields, titleField), [quick, fields, titleField]);
  const apiFilter = useMemo<Filter>(() => {
    const parts = [urlFilter, viewFilter?.filter, Object.keys(ownFilter).length ? ownFilter : undefined, searchFilter ?? undefined].filter((x): x is Filter => !!x);
    return parts.length === 0 ? {} : parts.length === 1 ? parts[0]! : { $and: parts };
  }, [urlFilter, viewFilter, ownFilter, searchFilter]);
  const words = useMemo(() => describeFilter(filter, fieldMap, lang, (f) => l(f.label, f.key)), [filter, fieldMap, lang, l]);

  const board = viewType === 'kanban';
  const q = useInfiniteQuery({
    queryKey: ['records', object, 'list', apiFilter, sort, board],
    queryFn: ({ pageParam, signal }) => api.records.list(object, { filter: apiFilter, sort, limit: board ? BOARD_LIMIT : 100, cursor: pageParam, display: true, total: pageParam === null }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: viewType !== 'calendar',
  });
  const rows = useMemo(() => q.data?.pages.flatMap((p) => p.items) ?? [], [q.data]);
  const first = q.data?.pages[0];
  const total = first?.total;
  useEffect(() => setSelected(new Set()), [apiFilter]);
  const nearEnd = useCallback(() => {
    if (q.hasNextPage && !q.isFetchingNextPage) void q.fetchNextPage();
  }, [q]);

  const cols = columns.map((k) => fieldMap.get(k)).filter((f): f is Field => !!f);
  const toggleSort = (k: string) => setSort(sort === k ? `-${k}` : sort === `-${k}` ? k : `-${k}`);
  const open = (id: string) => nav(`/records/${object}/${id}`);

  const currentView = (): ViewState => ({
    filter: (() => {
      const parts = [viewFilter?.filter, Object.keys(ownFilter).length ? ownFilter : undefined].filter((x): x is Filter => !!x);
      return parts.length === 0 ? {} : parts.length === 1 ? parts[0]! : { $and: parts };
    })(),
    sort, columns, type: viewType,
    field: viewType === 'kanban' ? boardField : viewType === 'calendar' ? dateField : undefined,
  });
  const applyView = (v: SavedView) => {
    if (v.columns.length) setColumns(v.columns.filter((k) => fieldMap.has(k)));
    if (v.sort) setSort(v.sort);
    const state = fromFilter(v.filter);
    if (state) { setFilter(state); setDraftFilter(state); setViewFilter(null); }
    else { setFilter(EMPTY); setDraftFilter(EMPTY); setViewFilter({ name: v.name, filter: v.filter as Filter }); }
    setViewType(v.type);
    if (v.type === 'kanban' && v.field) setBoardField(v.field);
    if (v.type === 'calendar' && v.field) setDateField(v.field);
    message.info(t(`已应用视图「${v.name}」`, `View "${v.name}" applied`));
  };

  const doExport = async (format: 'csv' | 'xlsx') => {
    setExporting(true);
    try {
      const blob = await api.records.export(object, {
        format,
        filter: Object.keys(apiFilter).length ? JSON.stringify(apiFilter) : undefined,
        sort,
        fields: columns.filter((k) => fields.some((f) => f.key === k)).join(',') || undefined,
      });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `${l(label, object)}.${format}`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      message.success(t('导出完成', 'Exported'));
    } catch (e) {
      message.error(e && typeof e === 'object' && 'status' in e && (e as { status: number }).status === 403 ? t('没有导出此对象的权限', 'You may not export these records') : errorText(e, t));
    } finally {
      setExporting(false);
    }
  };

  const totalText = total === undefined ? (rows.length ? t(`已加载 ${rows.length} 条`, `${rows.length} loaded`) : undefined)
    : first?.totalCapped ? t(`共 ${total.toLocaleString()}+ 条`, `${total.toLocaleString()}+ records`) : t(`共 ${total.toLocaleString()} 条`, `${total.toLocaleString()} records`);
  const kanbanField = boardField ? fieldMap.get(boardField) : undefined;
  const calendarField = dateField ? fieldMap.get(dateField) : undefined;

  return (
    <div>
      <PageHeader
        title={l(label, object)}
        sub={viewType === 'calendar' ? undefined : <span data-testid="list-total">{totalText}</span>}
        extra={
          <>
            <ListViews object={object} current={currentView} onApply={applyView} />
            <Popover trigger="click" title={t('显示列', 'Columns')} content={
              <Checkbox.Group value={columns} onChange={(v) => setColumns(v as string[])} style={{ display: 'flex', flexDirection: 'column', gap: 4, maxHeight: 360, overflow: 'auto' }}
                options={all.map((f) => ({ value: f.key, label: l(f.label, f.key) }))} />
            }>
              <Button icon={<SettingOutlined />} data-testid="columns">{t('列', 'Columns')}</Button>
            </Popover>
            <Button icon={<ReloadOutlined />} onClick={() => q.refetch()}>{t('刷新', 'Refresh')}</Button>
            {canExport && (
              <Dropdown trigger={['click']} disabled={exporting} menu={{ items: [
                { key: 'csv', label: t('导出 CSV', 'Export CSV'), onClick: () => void doExport('csv') },
                { key: 'xlsx', label: t('导出 Excel（XLSX）', 'Export Excel (XLSX)'), onClick: () => void doExport('xlsx') },
              ] }}>
                <Button icon={<DownloadOutlined />} loading={exporting} data-testid="export">{exporting ? t('正在导出…', 'Exporting…') : t('导出', 'Export')}</Button>
              </Dropdown>
            )}
            {canCreate && <Button icon={<UploadOutlined />} onClick={() => setImporting(true)} data-testid="import-records">{t('导入', 'Import')}</Button>}
            {canCreate && <Button type="primary" icon={<PlusOutlined />} onClick={() => nav(`/records/${object}/new`)} data-testid="new-record">{t('新建', 'New')}</Button>}
          </>
        }
      />
      {urlFilter && (
        <Tag color="blue" closable onClose={() => { params.delete('filter'); params.delete('from'); setParams(params); }} style={{ marginBottom: 8 }} data-testid="url-filter">
          {params.get('from') ? t(`来自报表「${params.get('from')}」的筛选`, `Filtered from report "${params.get('from')}"`) : t('链接带入的筛选', 'Filter from the link')}
        </Tag>
      )}
      {viewFilter && (
        <Tag color="blue" closable onClose={() => setViewFilter(null)} style={{ marginBottom: 8 }} data-testid="view-filter">
          {t(`视图「${viewFilter.name}」的筛选`, `The filter of view "${viewFilter.name}"`)}
        </Tag>
      )}
      <Card size="small" style={{ marginBottom: 12 }} data-testid="filter-builder">
        <Space wrap style={{ marginBottom: 8 }}>
          <Input allowClear prefix={<SearchOutlined />} style={{ width: 260 }} value={search} onChange={(e) => setSearch(e.target.value)} maxLength={100}
            placeholder={titleField && fieldMap.get(titleField) ? t(`搜索${l(fieldMap.get(titleField)!.label, titleField)}`, `Search ${l(fieldMap.get(titleField)!.label, titleField)}`) : t('搜索', 'Search')}
            disabled={!isSearchable(fieldMap.get(titleField ?? ''))} data-testid="quick-search" />
          <Segmented<ViewType> value={viewType} onChange={(v) => setViewType(v)} data-testid="view-type" options={[
            { value: 'list', label: t('列表', 'List'), icon: <UnorderedListOutlined /> },
            ...(selectFields.length ? [{ value: 'kanban' as const, label: t('看板', 'Kanban'), icon: <AppstoreOutlined /> }] : []),
            ...(dateFields.length ? [{ value: 'calendar' as const, label: t('日历', 'Calendar'), icon: <CalendarOutlined /> }] : []),
          ]} />
          {viewType === 'kanban' && (
            <Select style={{ width: 180 }} value={boardField} onChange={setBoardField} options={selectFields.map((f) => ({ value: f.key, label: t(`按${l(f.label, f.key)}`, `By ${l(f.label, f.key)}`) }))} data-testid="kanban-field" />
          )}
          {viewType === 'calendar' && (
            <Select style={{ width: 180 }} value={dateField} onChange={setDateField} options={dateFields.map((f) => ({ value: f.key, label: t(`按${l(f.label, f.key)}`, `By ${l(f.label, f.key)}`) }))} data-testid="calendar-field" />
          )}
        </Space>
        <FilterBuilder state={draftFilter} onChange={setDraftFilter} fields={all} />
        <Space style={{ marginTop: 8 }} wrap>
          <Button type="primary" icon={<FilterOutlined />} onClick={() => setFilter(draftFilter)} data-testid="apply-filter">{t('查询', 'Apply')}</Button>
          <Button onClick={() => { setDraftFilter(EMPTY); setFilter(EMPTY); setViewFilter(null); }}>{t('重置', 'Reset')}</Button>
          {words && <Typography.Text type="secondary" data-testid="filter-words">{t('筛选：', 'Filter: ')}{words}</Typography.Text>}
        </Space>
      </Card>
      <ErrorAlert error={q.error} />
      {viewType === 'list' && selected.size > 0 && canUpdate && (
        <Card size="small" style={{ marginBottom: 8 }}>
          <BulkActions object={object} ids={[...selected]} fields={fields} onDone={() => { setSelected(new Set()); void q.refetch(); }} />
        </Card>
      )}
      {/* On a phone the rows are cards (no sideways scroll); the next page on demand. */}
      {viewType === 'list' && narrow && (
        <RecordCards object={object} rows={rows as RecordData[]} columns={cols} loading={q.isLoading} onOpen={(r) => nav(`/records/${object}/${r.id}`)} more={q.hasNextPage ? { onMore: () => void q.fetchNextPage(), busy: q.isFetchingNextPage } : undefined} />
      )}
      {viewType === 'list' && !narrow && (
        <Card size="small" styles={{ body: { padding: 0 } }}>
          <RecordTable rows={rows as RecordData[]} cols={cols} sort={sort} onSort={toggleSort} onOpen={open} loading={q.isLoading} fetchingMore={q.isFetchingNextPage} onNearEnd={nearEnd}
            {...(canUpdate ? { selected, onSelect: setSelected } : {})} />
        </Card>
      )}
      {viewType === 'kanban' && kanbanField && (
        <>
          <RecordKanban object={object} field={kanbanField} rows={rows as RecordData[]} titleField={titleField} cardFields={cols} onOpen={open} onChanged={() => void q.refetch()} />
          {q.hasNextPage && <Button onClick={() => void q.fetchNextPage()} loading={q.isFetchingNextPage}>{t('加载更多', 'Load more')}</Button>}
        </>
      )}
      {viewType === 'calendar' && calendarField && (
        <RecordCalendar object={object} field={calendarField} filter={apiFilter} titleField={titleField} fields={all} onOpen={open} />
      )}
      <ImportDialog object={object} open={importing} onClose={(changed) => { setImporting(false); if (changed) void q.refetch(); }} />
    </div>
  );
}

function FilterBuilder({ state, onChange, fields }: { state: FilterState; onChange(s: FilterState): void; fields: Field[] }) {
  const t = useT();
  const l = useL();
  const lang = useLang((s) => s.lang);
  const fieldMap = new Map(fields.map((f) => [f.key, f]));
  const set = (i: number, patch: Partial<Condition>) => onChange({ ...state, conditions: state.conditions.map((c, j) => (j === i ? { ...c, ...patch } : c)) });
  return (
    <div>
      <Space style={{ marginBottom: 8 }}>
        <span>{t('满足', 'Match')}</span>
        <Radio.Group size="small" value={state.combinator} onChange={(e) => onChange({ ...state, combinator: e.target.value })} optionType="button"
          options={[{ value: 'and', label: t('全部条件', 'all') }, { value: 'or', label: t('任一条件', 'any') }]} />
      </Space>
      {state.conditions.map((c, i) => {
        const f = fieldMap.get(c.field);
        const ops = opsFor(f);
        const needsValue = c.op !== 'empty' && c.op !== 'notEmpty';
        return (
          <Space key={i} style={{ display: 'flex', marginBottom: 6 }} data-testid={`condition-${i}`}>
            <Select style={{ width: 180 }} value={c.field} showSearch optionFilterProp="label" onChange={(v) => set(i, { field: v, op: opsFor(fieldMap.get(v))[0]!, value: undefined })}
              options={fields.map((x) => ({ value: x.key, label: l(x.label, x.key) }))} data-testid={`condition-${i}-field`} />
            <Select style={{ width: 120 }} value={c.op} onChange={(v: Op) => set(i, { op: v })} options={ops.map((o) => ({ value: o, label: t(...OP_LABELS[o]) }))} data-testid={`condition-${i}-op`} />
            {needsValue && <ValueInput field={f} op={c.op} value={c.value} onChange={(v) => set(i, { value: v })} lang={lang} testId={`condition-${i}-value`} />}
            <Button type="text" icon={<DeleteOutlined />} onClick={() => onChange({ ...state, conditions: state.conditions.filter((_, j) => j !== i) })} aria-label={t('删除条件', 'Remove condition')} />
          </Space>
        );
      })}
      <Button size="small" type="dashed" icon={<PlusOutlined />} onClick={() => { const f = fields[0]; if (f) onChange({ ...state, conditions: [...state.conditions, { field: f.key, op: opsFor(f)[0]! }] }); }} data-testid="add-condition">
        {t('添加条件', 'Add condition')}
      </Button>
    </div>
  );
}

function ValueInput({ field, op, value, onChange, lang, testId }: { field?: Field; op: Op; value: unknown; onChange(v: unknown): void; lang: 'zh-CN' | 'en'; testId: string }) {
  const choices = field?.options?.choices;
  if (choices && (field?.type === 'select' || field?.type === 'multiselect')) {
    return (
      <Select style={{ width: 220 }} mode={op === 'in' ? 'multiple' : undefined} value={value as string} onChange={onChange} data-testid={testId}
        options={choices.map((c) => ({ value: c.value, label: typeof c.label === 'string' ? c.label : c.label[lang] ?? c.label['zh-CN'] ?? c.value }))} />
    );
  }
  if (field?.type === 'boolean') return <Select style={{ width: 120 }} value={value as boolean} onChange={onChange} options={[{ value: true, label: lang === 'en' ? 'Yes' : '是' }, { value: false, label: lang === 'en' ? 'No' : '否' }]} data-testid={testId} />;
  if (field?.type === 'integer') return <InputNumber style={{ width: 160 }} value={value as number} onChange={onChange} data-testid={testId} />;
  return <Input style={{ width: 220 }} value={(value as string) ?? ''} onChange={(e) => onChange(e.target.value)} placeholder={op === 'in' ? (lang === 'en' ? 'a, b, c' : '多个值用逗号分隔') : field?.type === 'date' ? 'YYYY-MM-DD' : undefined} data-testid={testId} />;
}
