import { useState, type Key, type ReactNode } from 'react';
import { Button, Empty, Grid, Spin, Table, type TableProps } from 'antd';
import { useT } from '../lib/i18n';

/** True below the md breakpoint (768 px): a phone, WeChat Work's H5 view. Undecided (first paint) counts as wide. */
export function useNarrow(): boolean {
  return Grid.useBreakpoint().md === false;
}

/** One row of a list as a card: a title, a status beside it, and a few labelled fields under it. */
export interface CardItem {
  key: Key;
  title: ReactNode;
  status?: ReactNode;
  fields: { label: ReactNode; value: ReactNode }[];
  onOpen?: () => void;
  /** Extra attributes on the card (test ids, data-* keys). */
  attrs?: Record<string, string>;
}

/** Cards in one column, the first `pageSize` shown and more on demand. */
export function CardList({ items, loading, empty, pageSize = 8, more, testId }: {
  items: CardItem[];
  loading?: boolean;
  empty?: ReactNode;
  pageSize?: number;
  /** A further page the caller loads (the server's cursor), shown once all loaded cards are shown. */
  more?: { onMore(): void; busy: boolean };
  testId?: string;
}) {
  const t = useT();
  const [shown, setShown] = useState(pageSize);
  if (loading && !items.length) return <div className="rt-more"><Spin /></div>;
  if (!items.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={empty ?? t('暂无', 'None')} />;
  const visible = items.slice(0, shown);
  return (
    <div className="rt-cards" data-testid={testId}>
      {visible.map((it) => (
        <div key={it.key} className={`rt-card${it.onOpen ? ' clickable' : ''}`} onClick={it.onOpen} role={it.onOpen ? 'link' : undefined} {...it.attrs}>
          <div className="rt-card-head">
            <span className="rt-card-title">{it.title}</span>
            {it.status ? <span className="rt-card-status">{it.status}</span> : null}
          </div>
          {it.fields.map((f, i) => (
            <div key={i} className="rt-card-field">
              <span className="rt-card-label">{f.label}</span>
              <span className="rt-card-value">{f.value}</span>
            </div>
          ))}
        </div>
      ))}
      {items.length > shown ? (
        <div className="rt-more"><Button onClick={() => setShown(shown + pageSize)} data-testid="cards-more">{t(`显示更多（还有 ${items.length - shown} 条）`, `Show more (${items.length - shown} left)`)}</Button></div>
      ) : more ? (
        <div className="rt-more"><Button loading={more.busy} onClick={more.onMore} data-testid="cards-more">{t('加载更多', 'Load more')}</Button></div>
      ) : null}
    </div>
  );
}

/** What a card reads of a column: its key, title, dataIndex and render (as antd calls them). */
type Column<T> = { key?: Key; title?: unknown; dataIndex?: unknown; render?: (value: unknown, row: T, index: number) => unknown };

/**
 * An antd Table on a wide screen; on a phone the same rows as cards (no sideways scroll). The card's
 * title is the column `card.title` (else the first), its status the column `card.status`, and under
 * them up to three of the other columns (or those named in `card.fields`).
 */
export function ResponsiveTable<T extends object>({ card, ...props }: TableProps<T> & { card?: { title?: string; status?: string; fields?: string[] } }) {
  const narrow = useNarrow();
  if (!narrow) return <Table<T> {...props} />;
  const columns = (props.columns ?? []) as unknown as Column<T>[];
  const keyOf = (c: Column<T>, i: number) => String(c.key ?? (typeof c.dataIndex === 'string' ? c.dataIndex : i));
  const cell = (c: Column<T>, row: T, i: number): ReactNode => {
    const value = typeof c.dataIndex === 'string' ? (row as Record<string, unknown>)[c.dataIndex] : undefined;
    return (c.render ? c.render(value, row, i) : value) as ReactNode;
  };
  const titleCol = columns.find((c, i) => keyOf(c, i) === card?.title) ?? columns[0];
  const statusCol = card?.status ? columns.find((c, i) => keyOf(c, i) === card.status) : undefined;
  const rest = columns.filter((c, i) => c !== titleCol && c !== statusCol && (!card?.fields || card.fields.includes(keyOf(c, i)))).slice(0, 3);
  const rows = (props.dataSource ?? []) as T[];
  const rowKey = (row: T, i: number): Key => (typeof props.rowKey === 'function' ? props.rowKey(row, i) : props.rowKey ? String((row as Record<string, unknown>)[props.rowKey as string]) : i);
  const pageSize = props.pagination && typeof props.pagination === 'object' && props.pagination.pageSize ? props.pagination.pageSize : 8;
  return (
    <CardList
      loading={!!props.loading}
      empty={props.locale?.emptyText as ReactNode}
      pageSize={pageSize}
      items={rows.map((row, i) => ({
        key: rowKey(row, i),
        title: titleCol ? cell(titleCol, row, i) : null,
        status: statusCol ? cell(statusCol, row, i) : undefined,
        fields: rest.map((c) => ({ label: c.title as ReactNode, value: cell(c, row, i) ?? '—' })),
      }))}
    />
  );
}
