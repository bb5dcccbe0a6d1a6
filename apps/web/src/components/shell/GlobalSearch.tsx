/**
 * The command palette (Ctrl+K, or the search icon in the header): menu entries (matched here), and
 * from the server the records the user may read — customers by name, customer number, or a full ID
 * or mobile number for those allowed — and their open tasks. Up/down moves, Enter opens.
 */
import { isValidElement, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Button, Empty, Input, Modal, Spin, Tag, Tooltip, Typography } from 'antd';
import { SearchOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api } from '../../lib/api';
import { useL, useT } from '../../lib/i18n';
import { packRecordLinks } from '../../packs/registry';

/** A menu entry the palette offers: where it goes and its (visible) label. */
export interface PaletteMenuEntry {
  path: string;
  label: string;
}

interface Row {
  key: string;
  group: string;
  title: string;
  sub?: string | null;
  to: string;
}

/** The visible text of a menu label (a string, or an element holding strings). */
function textOf(node: ReactNode): string {
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(textOf).join('');
  if (isValidElement(node)) return textOf((node.props as { children?: ReactNode }).children);
  return '';
}

/** Menu items (as antd's Menu takes them) flattened to the entries that open a page. */
export function menuEntries(items: readonly unknown[]): PaletteMenuEntry[] {
  const out: PaletteMenuEntry[] = [];
  const walk = (list: readonly unknown[]) => {
    for (const it of list) {
      const m = it as { key?: string; label?: ReactNode; children?: unknown[]; disabled?: boolean };
      if (m.children) walk(m.children);
      else if (typeof m.key === 'string' && m.key.startsWith('/') && !m.disabled) out.push({ path: m.key, label: textOf(m.label).trim() });
    }
  };
  walk(items);
  return out.filter((e) => e.label);
}

function recordPath(object: string, id: string): string {
  return packRecordLinks(object)[0]?.to(id) ?? `/records/${encodeURIComponent(object)}/${encodeURIComponent(id)}`;
}

export function GlobalSearch({ menu }: { menu: PaletteMenuEntry[] }) {
  const t = useT();
  const l = useL();
  const nav = useNavigate();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const [active, setActive] = useState(0);
  const listRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Ask the server once typing pauses.
  useEffect(() => {
    const timer = setTimeout(() => setQ(text.trim()), 250);
    return () => clearTimeout(timer);
  }, [text]);

  const found = useQuery({ queryKey: ['search', q], queryFn: () => api.search({ q, limit: 8 }), enabled: open && q.length > 0, staleTime: 30_000 });

  const rows = useMemo<Row[]>(() => {
    const needle = text.trim().toLowerCase();
    if (!needle) return [];
    const out: Row[] = menu
      .filter((m) => m.label.toLowerCase().includes(needle))
      .slice(0, 6)
      .map((m) => ({ key: `menu:${m.path}`, group: t('菜单', 'Menu'), title: m.label, to: m.path }));
    if (found.data && q === text.trim()) {
      for (const g of found.data.groups) {
        for (const h of g.items) out.push({ key: `${g.object}:${h.id}`, group: l(g.label, g.object), title: h.title ?? t('（无标题）', '(untitled)'), sub: h.subtitle, to: recordPath(g.object, h.id) });
      }
      for (const task of found.data.tasks) {
        out.push({ key: `task:${task.id}`, group: t('待办任务', 'Tasks'), title: task.name ?? t('待办', 'Task'), sub: task.contextTitle, to: `/tasks?task=${encodeURIComponent(task.id)}` });
      }
    }
    return out;
  }, [menu, text, q, found.data, t, l]);

  useEffect(() => setActive(0), [rows.length, q]);
  useEffect(() => {
    listRef.current?.querySelector('[data-active="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  const close = () => {
    setOpen(false);
    setText('');
    setQ('');
  };
  const go = (row: Row | undefined) => {
    if (!row) return;
    close();
    nav(row.to);
  };

  let lastGroup = '';
  return (
    <>
      <Tooltip title={t('搜索（Ctrl+K）', 'Search (Ctrl+K)')}>
        <Button shape="circle" icon={<SearchOutlined />} onClick={() => setOpen(true)} aria-label={t('全局搜索', 'Search')} data-testid="global-search-button" />
      </Tooltip>
      <Modal open={open} onCancel={close} footer={null} closable={false} width={640} destroyOnHidden styles={{ body: { padding: 0 } }}>
        <div data-testid="global-search">
        <Input
          autoFocus
          size="large"
          variant="borderless"
          prefix={<SearchOutlined style={{ color: '#7a8194' }} />}
          placeholder={t('搜索客户（姓名、客户号、证件号、手机号）、记录、待办、菜单', 'Search customers (name, number, ID, mobile), records, tasks, menus')}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') { e.preventDefault(); setActive((a) => Math.min(a + 1, rows.length - 1)); }
            else if (e.key === 'ArrowUp') { e.preventDefault(); setActive((a) => Math.max(a - 1, 0)); }
            else if (e.key === 'Enter') { e.preventDefault(); go(rows[active]); }
          }}
          style={{ padding: '12px 16px', borderBottom: '1px solid #f0f0f0' }}
          data-testid="global-search-input"
        />
        <div ref={listRef} style={{ maxHeight: 'min(60vh, 480px)', overflowY: 'auto', padding: '4px 0' }} role="listbox">
          {rows.map((row, i) => {
            const header = row.group !== lastGroup ? row.group : null;
            lastGroup = row.group;
            return (
              <div key={row.key}>
                {header && <div style={{ padding: '8px 16px 4px', fontSize: 12, color: '#7a8194' }}>{header}</div>}
                <div
                  role="option"
                  aria-selected={i === active}
                  data-active={i === active}
                  data-testid="global-search-row"
                  onMouseEnter={() => setActive(i)}
                  onClick={() => go(row)}
                  style={{ padding: '8px 16px', cursor: 'pointer', background: i === active ? '#eef4fb' : undefined, display: 'flex', gap: 12, alignItems: 'baseline', minWidth: 0 }}
                >
                  <Typography.Text ellipsis style={{ flex: '0 1 auto', minWidth: 0 }}>{row.title}</Typography.Text>
                  {row.sub && <Typography.Text type="secondary" ellipsis style={{ fontSize: 12, minWidth: 0 }}>{row.sub}</Typography.Text>}
                </div>
              </div>
            );
          })}
          {text.trim() && found.isFetching && <div style={{ padding: 12, textAlign: 'center' }}><Spin size="small" /></div>}
          {text.trim() && !found.isFetching && q === text.trim() && !rows.length && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('没有找到匹配的结果', 'Nothing found')} />}
          {!text.trim() && (
            <div style={{ padding: '12px 16px', color: '#7a8194', fontSize: 12 }}>
              {t('输入关键字开始搜索；', 'Type to search; ')}<Tag>↑</Tag><Tag>↓</Tag>{t('选择，', 'to move, ')}<Tag>{t('回车', 'Enter')}</Tag>{t('打开', 'to open')}
            </div>
          )}
        </div>
        </div>
      </Modal>
    </>
  );
}
