import { memo, useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { Button, Steps, Tabs } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { localize, type Field, type GroupItem, type Lang, type LayoutFieldItem, type LayoutItem, type PanesItem } from '@crm/shared';
import { FieldInput } from './FieldInput';
import type { FormController } from './controller';
import './form.css';


export interface FormRendererProps {
  ctrl: FormController;
  layout: LayoutItem[];
  lang: Lang;
  disabled?: boolean;
  /** Prefix for input ids (several forms on one page). */
  idPrefix?: string;
  /** Called once every block of the form is mounted (large forms mount progressively). */
  onAllMounted?: () => void;
}

/** Forms with more fields than this paint their first blocks at once and mount the rest in idle time. */
const PROGRESSIVE_FIELDS = 80;
const FIRST_FIELDS = 60;

/** A placed field (the one layout item without a `type`), or else a container. */
const isFieldItem = (it: LayoutItem): it is LayoutFieldItem => !('type' in it);

/** The object fields a layout places (a repeating group counts as its own field). */
export function layoutFieldKeys(items: LayoutItem[], out = new Set<string>()): Set<string> {
  for (const it of items) {
    if (isFieldItem(it)) { out.add(it.field); continue; }
    switch (it.type) {
      case 'group': out.add(it.field); break;
      case 'tabs':
      case 'steps': for (const pane of it.items) layoutFieldKeys(pane.items, out); break;
      default: layoutFieldKeys(it.items, out);
    }
  }
  return out;
}

function countFields(items: LayoutItem[]): number {
  let n = 0;
  for (const it of items) {
    if (isFieldItem(it)) { n += 1; continue; }
    switch (it.type) {
      case 'group': n += it.fields.length; break;
      case 'tabs':
      case 'steps': n += it.items.reduce((sum, pane) => sum + countFields(pane.items), 0); break;
      default: n += countFields(it.items);
    }
  }
  return n;
}

/** The grid columns a layout item asks for (sections, column blocks and groups may). */
const columnsOf = (it: LayoutItem): number | undefined => (isFieldItem(it) || !('columns' in it) ? undefined : it.columns);

/** Renders a form definition's layout; the controller keeps values, errors and rule state. */
export function FormRenderer({ ctrl, layout, lang, disabled, idPrefix = 'f', onAllMounted }: FormRendererProps) {
  const items = layout;
  const sizes = useMemo(() => items.map((it) => countFields([it])), [items]);
  const total = sizes.reduce((a, b) => a + b, 0);
  // How many top-level blocks are mounted: all for an ordinary form; for a large one, the first
  // blocks now and one more per idle slice, so the form paints at once and typing never waits.
  const initial = useMemo(() => {
    if (total <= PROGRESSIVE_FIELDS) return items.length;
    let n = 0;
    let acc = 0;
    while (n < items.length && acc < FIRST_FIELDS) acc += sizes[n++]!;
    return Math.max(1, n);
  }, [items, sizes, total]);
  const [mounted, setMounted] = useState(initial);
  useEffect(() => {
    if (mounted >= items.length) { onAllMounted?.(); return; }
    const idle = (globalThis as { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number }).requestIdleCallback;
    const cancelIdle = (globalThis as { cancelIdleCallback?: (h: number) => void }).cancelIdleCallback;
    if (idle && cancelIdle) {
      const h = idle(() => setMounted((m) => m + 1), { timeout: 100 });
      return () => cancelIdle(h);
    }
    const h = setTimeout(() => setMounted((m) => m + 1), 16);
    return () => clearTimeout(h);
  }, [mounted, items.length, onAllMounted]);
  return (
    <div className="fr-form">
      <div className="fr-grid" style={{ gridTemplateColumns: 'minmax(0, 1fr)' }}>
        {items.map((it, i) =>
          i < mounted
            ? <Item key={i} item={it} ctrl={ctrl} lang={lang} disabled={disabled} idPrefix={idPrefix} />
            : <div key={i} className="fr-pending" style={{ height: Math.ceil(sizes[i]! / Math.max(1, columnsOf(it) ?? 1)) * 62 + 40 }} aria-busy="true" />,
        )}
      </div>
    </div>
  );
}

function Items({ items, ctrl, lang, disabled, idPrefix, columns }: { items: LayoutItem[]; ctrl: FormController; lang: Lang; disabled?: boolean; idPrefix: string; columns: number }) {
  return (
    <div className="fr-grid" style={{ gridTemplateColumns: `repeat(${Math.max(1, columns)}, minmax(0, 1fr))` }}>
      {items.map((it, i) => (
        <Item key={i} item={it} ctrl={ctrl} lang={lang} disabled={disabled} idPrefix={idPrefix} />
      ))}
    </div>
  );
}

function Item({ item, ctrl, lang, disabled, idPrefix }: { item: LayoutItem; ctrl: FormController; lang: Lang; disabled?: boolean; idPrefix: string }) {
  const t = (zh: string, en: string) => (lang === 'en' ? en : zh);
  if (isFieldItem(item)) {
    const field = ctrl.fieldMap.get(item.field);
    if (!field) return <div className="fr-missing">{t('字段不存在：', 'Unknown field: ')}{item.field}</div>;
    return <FieldCell field={field} item={item} ctrl={ctrl} lang={lang} disabled={disabled} idPrefix={idPrefix} />;
  }
  const title = localize(item.title, lang);
  switch (item.type) {
    case 'section':
      return (
        <div className="fr-section" style={{ gridColumn: '1 / -1' }}>
          {title && <div className="fr-section-title">{title}</div>}
          <Items items={item.items} ctrl={ctrl} lang={lang} disabled={disabled} idPrefix={idPrefix} columns={item.columns ?? 1} />
        </div>
      );
    case 'columns':
      return (
        <div style={{ gridColumn: '1 / -1' }}>
          {title && <div className="fr-sub-title">{title}</div>}
          <Items items={item.items} ctrl={ctrl} lang={lang} disabled={disabled} idPrefix={idPrefix} columns={item.columns ?? Math.max(2, item.items.length)} />
        </div>
      );
    case 'tabs':
      return (
        <div style={{ gridColumn: '1 / -1' }}>
          <Tabs
            items={item.items.map((pane, i) => ({
              key: String(i),
              label: localize(pane.title, lang) || `${t('标签页', 'Tab')} ${i + 1}`,
              forceRender: true,
              children: <Items items={pane.items} ctrl={ctrl} lang={lang} disabled={disabled} idPrefix={idPrefix} columns={1} />,
            }))}
          />
        </div>
      );
    case 'steps':
      return <StepsBlock item={item} ctrl={ctrl} lang={lang} disabled={disabled} idPrefix={idPrefix} />;
    case 'group':
      return <RepeatingGroup item={item} ctrl={ctrl} lang={lang} disabled={disabled} idPrefix={idPrefix} />;
    default:
      return null;
  }
}

function StepsBlock({ item, ctrl, lang, disabled, idPrefix }: { item: PanesItem; ctrl: FormController; lang: Lang; disabled?: boolean; idPrefix: string }) {
  const [current, setCurrent] = useState(0);
  const panes = item.items;
  const t = (zh: string, en: string) => (lang === 'en' ? en : zh);
  return (
    <div style={{ gridColumn: '1 / -1' }}>
      <Steps size="small" current={current} onChange={setCurrent} items={panes.map((p, i) => ({ title: localize(p.title, lang) || `${t('步骤', 'Step')} ${i + 1}` }))} style={{ marginBottom: 16 }} />
      {panes.map((p, i) => (
        <div key={i} style={{ display: i === current ? 'block' : 'none' }}>
          <Items items={p.items} ctrl={ctrl} lang={lang} disabled={disabled} idPrefix={idPrefix} columns={1} />
        </div>
      ))}
      <div style={{ display: 'flex', gap: 8, marginTop: 8 }}>
        <Button disabled={current === 0} onClick={() => setCurrent(current - 1)}>{t('上一步', 'Previous')}</Button>
        <Button disabled={current >= panes.length - 1} onClick={() => setCurrent(current + 1)}>{t('下一步', 'Next')}</Button>
      </div>
    </div>
  );
}

function useSnap(ctrl: FormController, key: string) {
  const sub = useCallback((fn: () => void) => ctrl.subscribe(key, fn), [ctrl, key]);
  return useSyncExternalStore(sub, () => ctrl.snap(key));
}

const FieldCell = memo(function FieldCell({ field, item, ctrl, lang, disabled, idPrefix }: { field: Field; item: LayoutFieldItem; ctrl: FormController; lang: Lang; disabled?: boolean; idPrefix: string }) {
  const snap = useSnap(ctrl, field.key);
  const onChange = useCallback((v: unknown) => ctrl.setValue(field.key, v), [ctrl, field.key]);
  if (snap.hidden) return null;
  const id = `${idPrefix}-${field.key}`;
  const label = localize(item.label, lang) || localize(field.label, lang) || field.key;
  const help = localize(item.help, lang);
  return (
    <div className={`fr-field${snap.error ? ' has-error' : ''}`} data-field={field.key}>
      <label className="fr-label" htmlFor={id}>
        {snap.required && <span className="fr-req">*</span>}
        {label}
      </label>
      <FieldInput
        field={field}
        value={snap.value}
        onChange={onChange}
        disabled={disabled || snap.readOnly}
        placeholder={localize(item.placeholder, lang) || undefined}
        lang={lang}
        id={id}
        status={snap.error ? 'error' : undefined}
      />
      {snap.error ? <div className="fr-error" role="alert">{snap.error}</div> : help ? <div className="fr-help">{help}</div> : null}
    </div>
  );
});

function RepeatingGroup({ item, ctrl, lang, disabled, idPrefix }: { item: GroupItem; ctrl: FormController; lang: Lang; disabled?: boolean; idPrefix: string }) {
  const key = item.field;
  const snap = useSnap(ctrl, key);
  const rows = Array.isArray(snap.value) ? (snap.value as Record<string, unknown>[]) : [];
  const subFields = item.fields;
  const t = (zh: string, en: string) => (lang === 'en' ? en : zh);
  if (snap.hidden) return null;
  const setRows = (next: Record<string, unknown>[]) => ctrl.setValue(key, next);
  return (
    <div className="fr-section" style={{ gridColumn: '1 / -1' }} data-field={key}>
      <div className="fr-section-title">{localize(item.title, lang) || localize(ctrl.fieldMap.get(key)?.label, lang) || key}</div>
      {rows.map((row, r) => (
        <div key={r} className="fr-group-row">
          <div className="fr-grid" style={{ gridTemplateColumns: `repeat(${Math.max(1, item.columns ?? Math.min(3, subFields.length || 1))}, minmax(0, 1fr))` }}>
            {subFields.map((sf) => (
              <div className="fr-field" key={sf.key}>
                <label className="fr-label" htmlFor={`${idPrefix}-${key}-${r}-${sf.key}`}>{sf.required && <span className="fr-req">*</span>}{localize(sf.label, lang) || sf.key}</label>
                <FieldInput field={sf} lang={lang} id={`${idPrefix}-${key}-${r}-${sf.key}`} disabled={disabled || snap.readOnly} value={row[sf.key]}
                  onChange={(v) => setRows(rows.map((x, i) => (i === r ? { ...x, [sf.key]: v } : x)))} />
              </div>
            ))}
          </div>
          {!disabled && <Button type="text" danger icon={<DeleteOutlined />} onClick={() => setRows(rows.filter((_, i) => i !== r))} aria-label={t('删除此行', 'Remove row')} />}
        </div>
      ))}
      {!disabled && !snap.readOnly && <Button type="dashed" icon={<PlusOutlined />} onClick={() => setRows([...rows, {}])}>{t('添加一行', 'Add row')}</Button>}
      {snap.error && <div className="fr-error" role="alert">{snap.error}</div>}
    </div>
  );
}

/** The layout a form without a designed layout gets: one two-column section of every field. */
export function defaultLayout(fields: Field[]): LayoutItem[] {
  return [{ type: 'section', columns: 2, items: fields.filter((f) => !['id'].includes(f.key)).map((f) => ({ field: f.key })) }];
}
