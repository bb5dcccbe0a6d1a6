import { useEffect, useRef } from 'react';
import { Checkbox, Tag } from 'antd';
import { SortAscendingOutlined, SortDescendingOutlined } from '@ant-design/icons';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Field, RecordData } from '@crm/shared';
import { useL, useLang, useT } from '../../lib/i18n';
import { displayText } from '../../lib/display';

/**
 * The record list's table (the one place rows are rendered as a table): virtual rows, sortable headers,
 * optional row selection for bulk actions, and the next page fetched when the end comes into view.
 */
export function RecordTable({ rows, cols, sort, onSort, selected, onSelect, onOpen, loading, fetchingMore, onNearEnd }: {
  rows: RecordData[];
  cols: Field[];
  sort: string;
  onSort(key: string): void;
  /** Row selection (bulk actions); absent: no checkboxes. */
  selected?: Set<string>;
  onSelect?(ids: Set<string>): void;
  onOpen(id: string): void;
  loading: boolean;
  fetchingMore: boolean;
  onNearEnd(): void;
}) {
  const t = useT();
  const l = useL();
  const lang = useLang((s) => s.lang);
  const parentRef = useRef<HTMLDivElement>(null);
  const virt = useVirtualizer({ count: rows.length, getScrollElement: () => parentRef.current, estimateSize: () => 40, overscan: 12 });
  const items = virt.getVirtualItems();
  useEffect(() => {
    const last = items[items.length - 1];
    if (last && last.index >= rows.length - 20) onNearEnd();
  }, [items, rows.length, onNearEnd]);

  const width = (f: Field | undefined) => (f?.type === 'datetime' ? 170 : f?.type === 'textarea' ? 260 : 160);
  const selecting = !!selected && !!onSelect;
  const totalWidth = cols.reduce((s, f) => s + width(f), selecting ? 44 : 0);
  const allSelected = selecting && rows.length > 0 && rows.every((r) => selected.has(r.id));
  const toggle = (id: string) => {
    if (!selected || !onSelect) return;
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onSelect(next);
  };

  return (
    <div ref={parentRef} style={{ height: 'calc(100vh - 420px)', minHeight: 320, overflow: 'auto' }} data-testid="record-list">
      <div style={{ minWidth: totalWidth }}>
        <div className="vlist-head" style={{ position: 'sticky', top: 0, zIndex: 1 }}>
          {selecting && (
            <div className="vlist-cell" style={{ width: 44 }}>
              <Checkbox checked={allSelected} indeterminate={!allSelected && selected.size > 0} onChange={(e) => onSelect(e.target.checked ? new Set(rows.slice(0, 500).map((r) => r.id)) : new Set())} aria-label={t('全选', 'Select all')} data-testid="select-all" />
            </div>
          )}
          {cols.map((f) => (
            <div key={f.key} className="vlist-cell" style={{ width: width(f) }} onClick={() => onSort(f.key)} role="columnheader" aria-sort={sort === f.key ? 'ascending' : sort === `-${f.key}` ? 'descending' : 'none'}>
              {l(f.label, f.key)} {sort === f.key ? <SortAscendingOutlined /> : sort === `-${f.key}` ? <SortDescendingOutlined /> : null}
            </div>
          ))}
        </div>
        <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
          {items.map((vi) => {
            const r = rows[vi.index] as RecordData;
            return (
              <div key={r.id} className="vlist-row" style={{ position: 'absolute', top: 0, left: 0, right: 0, height: vi.size, transform: `translateY(${vi.start}px)` }} onClick={() => onOpen(r.id)} data-row={r.id}>
                {selecting && (
                  <div className="vlist-cell" style={{ width: 44 }} onClick={(e) => e.stopPropagation()}>
                    <Checkbox checked={selected.has(r.id)} onChange={() => toggle(r.id)} aria-label={t('选择', 'Select')} data-testid="select-row" />
                  </div>
                )}
                {cols.map((f) => {
                  const text = displayText(f, r, f.key, lang);
                  return (
                    <div key={f.key} className="vlist-cell" style={{ width: width(f) }} title={text}>
                      {(f.type === 'select' || f.type === 'tags' || f.type === 'multiselect') && text ? <Tag>{text}</Tag> : text}
                    </div>
                  );
                })}
              </div>
            );
          })}
        </div>
        {!loading && rows.length === 0 && <div style={{ padding: 40, textAlign: 'center', color: '#999' }}>{t('没有符合条件的记录', 'No records match')}</div>}
        {(loading || fetchingMore) && <div style={{ padding: 12, textAlign: 'center', color: '#999' }}>{t('加载中…', 'Loading…')}</div>}
      </div>
    </div>
  );
}
