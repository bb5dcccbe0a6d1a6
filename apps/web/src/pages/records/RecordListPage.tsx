import { useEffect, useMemo, useRef, useState } from 'react';
import { Button, Card, Checkbox, Dropdown, Input, InputNumber, Popover, Radio, Select, Space, Tag, Tooltip, Typography, App } from 'antd';
import { DeleteOutlined, FilterOutlined, UploadOutlined, PlusOutlined, ReloadOutlined, SaveOutlined, SettingOutlined, SortAscendingOutlined, SortDescendingOutlined, EyeOutlined } from '@ant-design/icons';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import type { Field, RecordData } from '@crm/shared';
import { api } from '../../lib/api';
import { useL, useLang, useT } from '../../lib/i18n';
import { displayText } from '../../lib/display';
import { useObject } from '../../lib/meta';
import { useCan } from '../../lib/rights';
import { ErrorAlert, Loading, PageHeader } from '../../components/common';
import { ImportDialog } from './ImportDialog';
import { OP_LABELS, opsFor, toFilter, type Condition, type FilterState, type Op } from './filters';

interface SavedView { name: string; columns: string[]; filter: FilterState; sort: string }

const SYSTEM_FIELDS: Field[] = [
  { key: 'created_at', label: { 'zh-CN': '创建时间', en: 'Created' }, type: 'datetime' },
  { key: 'updated_at', label: { 'zh-CN': '更新时间', en: 'Updated' }, type: 'datetime' },
];

function loadViews(object: string): SavedView[] {
  try { return JSON.parse(localStorage.getItem(`crm.views.${object}`) ?? '[]') as SavedView[]; } catch { return []; }
}

export function RecordListPage() {
  const { object = '' } = useParams();
  const obj = useObject(object);
  if (obj.isLoading) return <Loading />;
  if (obj.error) return <ErrorAlert error={obj.error} />;
  return <RecordList key={object} object={object} fields={obj.data!.fields ?? []} label={obj.data!.label} />;
}

function RecordList({ object, fields, label }: { object: string; fields: Field[]; label: unknown }) {
  const t = useT();
  const l = useL();
  const lang = useLang((s) => s.lang);
  const nav = useNavigate();
  const canCreate = useCan(object, 'create');
  const { message } = App.useApp();
  const all = useMemo(() => [...fields, ...SYSTEM_FIELDS], [fields]);
  const fieldMap = useMemo(() => new Map(all.map((f) => [f.key, f])), [all]);
  const [columns, setColumns] = useState<string[]>(() => fields.filter((f) => f.type !== 'json' && f.type !== 'textarea').slice(0, 7).map((f) => f.key).concat('updated_at'));
  const [sort, setSort] = useState('-updated_at');
  const [draftFilter, setDraftFilter] = useState<FilterState>({ combinator: 'and', conditions: [] });
  const [filter, setFilter] = useState<FilterState>({ combinator: 'and', conditions: [] });
  const [views, setViews] = useState<SavedView[]>(() => loadViews(object));
  const [viewName, setViewName] = useState('');
  const [importing, setImporting] = useState(false);
  // `?filter=<JSON>` (the rows behind a report cell, a link from elsewhere) narrows the list further.
  const [params, setParams] = useSearchParams();
  const urlFilter = useMemo(() => {
    const raw = params.get('filter');
    if (!raw) return undefined;
    try { const f = JSON.parse(raw) as unknown; return f && typeof f === 'object' && !Array.isArray(f) ? (f as Record<string, unknown>) : undefined; } catch { return undefined; }
  }, [params]);
  const ownFilter = useMemo(() => toFilter(filter, fieldMap), [filter, fieldMap]);
  const apiFilter = useMemo(() => (urlFilter ? (Object.keys(ownFilter).length ? { $and: [urlFilter, ownFilter] } : urlFilter) : ownFilter), [urlFilter, ownFilter]);

  const q = useInfiniteQuery({
    queryKey: ['records', object, 'list', apiFilter, sort],
    queryFn: ({ pageParam, signal }) => api.records.list(object, { filter: apiFilter, sort, limit: 100, cursor: pageParam, display: true }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = useMemo(() => q.data?.pages.flatMap((p) => p.items) ?? [], [q.data]);
  const total = q.data?.pages[0]?.total;

  const parentRef = useRef<HTMLDivElement>(null);
  const virt = useVirtualizer({ count: rows.length, getScrollElement: () => parentRef.current, estimateSize: () => 40, overscan: 12 });
  const items = virt.getVirtualItems();
  useEffect(() => {
    const last = items[items.length - 1];
    if (last && last.index >= rows.length - 20 && q.hasNextPage && !q.isFetchingNextPage) q.fetchNextPage();
  }, [items, rows.length, q]);

  const width = (f: Field | undefined) => (f?.type === 'datetime' ? 170 : f?.type === 'textarea' ? 260 : 160);
  const cols = columns.map((k) => fieldMap.get(k)).filter((f): f is Field => !!f);
  const totalWidth = cols.reduce((s, f) => s + width(f), 0);

  const toggleSort = (k: string) => setSort(sort === k ? `-${k}` : sort === `-${k}` ? k : `-${k}`);
  const saveView = () => {
    const name = viewName.trim() || t(`视图 ${views.length + 1}`, `View ${views.length + 1}`);
    const next = [...views.filter((v) => v.name !== name), { name, columns, filter, sort }];
    setViews(next);
    localStorage.setItem(`crm.views.${object}`, JSON.stringify(next));
    setViewName('');
    message.success(t('视图已保存', 'View saved'));
  };
  const applyView = (v: SavedView) => { setColumns(v.columns); setFilter(v.filter); setDraftFilter(v.filter); setSort(v.sort); };
  const deleteView = (name: string) => { const next = views.filter((v) => v.name !== name); setViews(next); localStorage.setItem(`crm.views.${object}`, JSON.stringify(next)); };

  return (
    <div>
      <PageHeader
        title={l(label, object)}
        sub={total !== undefined ? t(`共 ${total} 条`, `${total} records`) : rows.length ? t(`已加载 ${rows.length} 条`, `${rows.length} loaded`) : undefined}
        extra={
          <>
            <Dropdown
              menu={{
                items: views.length
                  ? views.map((v) => ({ key: v.name, label: <Space>{v.name}<DeleteOutlined onClick={(e) => { e.stopPropagation(); deleteView(v.name); }} /></Space>, onClick: () => applyView(v) }))
                  : [{ key: 'none', label: t('还没有保存的视图', 'No saved views'), disabled: true }],
              }}
            >
              <Button icon={<EyeOutlined />} data-testid="views">{t('视图', 'Views')}</Button>
            </Dropdown>
            <Popover trigger="click" title={t('显示列', 'Columns')} content={
              <Checkbox.Group value={columns} onChange={(v) => setColumns(v as string[])} style={{ display: 'flex', flexDirection: 'column', gap: 4, maxHeight: 360, overflow: 'auto' }}
                options={all.map((f) => ({ value: f.key, label: l(f.label, f.key) }))} />
            }>
              <Button icon={<SettingOutlined />} data-testid="columns">{t('列', 'Columns')}</Button>
            </Popover>
            <Button icon={<ReloadOutlined />} onClick={() => q.refetch()}>{t('刷新', 'Refresh')}</Button>
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
      <Card size="small" style={{ marginBottom: 12 }} data-testid="filter-builder">
        <FilterBuilder state={draftFilter} onChange={setDraftFilter} fields={all} />
        <Space style={{ marginTop: 8 }} wrap>
          <Button type="primary" icon={<FilterOutlined />} onClick={() => setFilter(draftFilter)} data-testid="apply-filter">{t('查询', 'Apply')}</Button>
          <Button onClick={() => { const e = { combinator: 'and' as const, conditions: [] }; setDraftFilter(e); setFilter(e); }}>{t('重置', 'Reset')}</Button>
          <Input style={{ width: 160 }} placeholder={t('视图名称', 'View name')} value={viewName} onChange={(e) => setViewName(e.target.value)} />
          <Button icon={<SaveOutlined />} onClick={saveView} data-testid="save-view">{t('保存为视图', 'Save as view')}</Button>
          {Object.keys(apiFilter).length > 0 && (
            <Tooltip title={<pre style={{ margin: 0, fontSize: 11 }}>{JSON.stringify(apiFilter, null, 2)}</pre>}>
              <Typography.Text type="secondary" code style={{ fontSize: 11, maxWidth: 360 }} ellipsis data-testid="filter-json">{JSON.stringify(apiFilter)}</Typography.Text>
            </Tooltip>
          )}
        </Space>
      </Card>
      <ErrorAlert error={q.error} />
      <Card size="small" styles={{ body: { padding: 0 } }}>
        <div ref={parentRef} style={{ height: 'calc(100vh - 400px)', minHeight: 320, overflow: 'auto' }} data-testid="record-list">
          <div style={{ minWidth: totalWidth }}>
            <div className="vlist-head" style={{ position: 'sticky', top: 0, zIndex: 1 }}>
              {cols.map((f) => (
                <div key={f.key} className="vlist-cell" style={{ width: width(f) }} onClick={() => toggleSort(f.key)} role="columnheader" aria-sort={sort === f.key ? 'ascending' : sort === `-${f.key}` ? 'descending' : 'none'}>
                  {l(f.label, f.key)} {sort === f.key ? <SortAscendingOutlined /> : sort === `-${f.key}` ? <SortDescendingOutlined /> : null}
                </div>
              ))}
            </div>
            <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
              {items.map((vi) => {
                const r = rows[vi.index] as RecordData;
                return (
                  <div key={r.id} className="vlist-row" style={{ position: 'absolute', top: 0, left: 0, right: 0, height: vi.size, transform: `translateY(${vi.start}px)` }} onClick={() => nav(`/records/${object}/${r.id}`)} data-row={r.id}>
                    {cols.map((f) => {
                      const text = displayText(f, r, f.key, lang);
                      return (
                        <div key={f.key} className="vlist-cell" style={{ width: width(f) }} title={text}>
                          {f.type === 'select' && text ? <Tag>{text}</Tag> : text}
                        </div>
                      );
                    })}
                  </div>
                );
              })}
            </div>
            {!q.isLoading && rows.length === 0 && <div style={{ padding: 40, textAlign: 'center', color: '#999' }}>{t('没有符合条件的记录', 'No records match')}</div>}
            {(q.isLoading || q.isFetchingNextPage) && <div style={{ padding: 12, textAlign: 'center', color: '#999' }}>{t('加载中…', 'Loading…')}</div>}
          </div>
        </div>
      </Card>
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
