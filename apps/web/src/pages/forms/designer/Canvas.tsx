import { useRef, useState, type KeyboardEvent } from 'react';
import { useDrag, useDrop, type DropTargetMonitor } from 'react-dnd';
import { Button, Tag, Tooltip } from 'antd';
import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, HolderOutlined } from '@ant-design/icons';
import type { Field } from '@crm/shared';
import { useL, useT } from '../../../lib/i18n';
import { typeLabel } from '../../../lib/fieldTypes';
import { accepts, contains, findNode, locate, useDesigner, type DNode, type NodeKind } from './model';

export const DND = { PALETTE: 'PALETTE', NODE: 'NODE' } as const;

export type PaletteItem =
  | { kind: 'existing'; field: string }
  | { kind: 'type'; fieldType: Field['type'] }
  | { kind: 'block'; block: 'section' | 'columns' | 'tabs' | 'steps' | 'group' };

export type DropItem = { type: 'PALETTE'; item: PaletteItem } | { type: 'NODE'; id: string };

export interface CanvasProps {
  fields: Map<string, Field>;
  onDrop(item: DropItem, parent: string | null, index: number): void;
}

function paletteKind(p: PaletteItem): NodeKind {
  if (p.kind === 'block') return p.block;
  return 'field';
}

type Dragged = { id?: string; item?: PaletteItem };

/** Whether what is dragged may go into `parent` (of kind `parentKind`). */
function canPlace(item: Dragged, type: unknown, parent: string | null, parentKind: NodeKind | null): boolean {
  if (type === DND.NODE) {
    const n = findNode(useDesigner.getState().nodes, item.id!);
    if (!n) return false;
    if (parent && contains(n, parent)) return false;
    return accepts(parentKind, n.kind);
  }
  const p = item.item!;
  if (parentKind === 'group') return p.kind === 'type' && !['relation', 'attachment', 'computed', 'auto_number', 'json'].includes(p.fieldType);
  return accepts(parentKind, paletteKind(p));
}

function dropped(item: Dragged, type: unknown): DropItem {
  return type === DND.NODE ? { type: 'NODE', id: item.id! } : { type: 'PALETTE', item: item.item! };
}

/**
 * A node is a drop target too, not only the gaps around it: on a field, its upper half puts the item
 * before it and its lower half after it; on a section's (or columns', group's) own area, at its end.
 */
function useNodeDrop(node: DNode, onDrop: CanvasProps['onDrop']) {
  const [where, setWhere] = useState<'before' | 'after' | 'into' | null>(null);
  const box = useRef<HTMLDivElement | null>(null);
  const into = node.kind === 'section' || node.kind === 'columns' || node.kind === 'group' || node.kind === 'pane';
  const target = (monitor: DropTargetMonitor): { parent: string | null; index: number } | null => {
    if (into) return { parent: node.id, index: node.children?.length ?? 0 };
    const at = locate(useDesigner.getState().nodes, node.id);
    const rect = box.current?.getBoundingClientRect();
    const y = monitor.getClientOffset()?.y;
    if (!at || !rect || y === undefined) return null;
    return { parent: at.parent, index: y < rect.top + rect.height / 2 ? at.index : at.index + 1 };
  };
  const kindOf = (parent: string | null) => (parent ? findNode(useDesigner.getState().nodes, parent)?.kind ?? null : null);
  const [{ over }, ref] = useDrop(
    () => ({
      accept: [DND.PALETTE, DND.NODE],
      canDrop: (item: Dragged, monitor) => {
        if (item.id === node.id) return false;
        const at = target(monitor);
        return !!at && canPlace(item, monitor.getItemType(), at.parent, kindOf(at.parent));
      },
      hover: (item: Dragged, monitor) => {
        if (!monitor.isOver({ shallow: true }) || !monitor.canDrop()) return setWhere(null);
        const at = target(monitor);
        setWhere(into ? 'into' : at && at.index > (locate(useDesigner.getState().nodes, node.id)?.index ?? 0) ? 'after' : 'before');
      },
      drop: (item: Dragged, monitor) => {
        setWhere(null);
        if (monitor.didDrop()) return;
        const at = target(monitor);
        if (at) onDrop(dropped(item, monitor.getItemType()), at.parent, at.index);
      },
      collect: (m) => ({ over: m.isOver({ shallow: true }) && m.canDrop() }),
    }),
    [node, onDrop],
  );
  return { ref: (el: HTMLDivElement | null) => { box.current = el; ref(el); }, where: over ? where : null };
}

function DropGap({ parent, parentKind, index, onDrop, last, empty }: { parent: string | null; parentKind: NodeKind | null; index: number; onDrop: CanvasProps['onDrop']; last?: boolean; empty?: string }) {
  const [{ over, can }, ref] = useDrop(
    () => ({
      accept: [DND.PALETTE, DND.NODE],
      canDrop: (item: Dragged, monitor) => canPlace(item, monitor.getItemType(), parent, parentKind),
      drop: (item: Dragged, monitor) => {
        if (monitor.didDrop()) return;
        onDrop(dropped(item, monitor.getItemType()), parent, index);
      },
      collect: (m) => ({ over: m.isOver({ shallow: true }), can: m.canDrop() }),
    }),
    [parent, parentKind, index, onDrop],
  );
  if (empty !== undefined) {
    return (
      <div ref={(el) => { ref(el); }} className={`fd-drop empty${over && can ? ' fd-gap over' : ''}`} data-drop={`${parent ?? 'root'}:${index}`}>
        {empty}
      </div>
    );
  }
  return <div ref={(el) => { ref(el); }} className={`fd-gap${over && can ? ' over' : ''}`} style={last ? { minHeight: 12 } : undefined} data-drop={`${parent ?? 'root'}:${index}`} />;
}

function NodeList({ nodes, parent, parentKind, fields, onDrop, columns }: { nodes: DNode[]; parent: string | null; parentKind: NodeKind | null; fields: Map<string, Field>; onDrop: CanvasProps['onDrop']; columns?: number }) {
  const t = useT();
  if (!nodes.length) {
    const hint = parentKind === 'group'
      ? t('拖入字段类型，作为明细的列', 'Drop field types here as the rows\' columns')
      : parent === null
        ? t('从左侧拖入字段或布局块，或选中后按回车添加', 'Drag fields or blocks here, or select one and press Enter')
        : t('拖到这里', 'Drop here');
    return <DropGap parent={parent} parentKind={parentKind} index={0} onDrop={onDrop} empty={hint} />;
  }
  const grid = columns && columns > 1 && parentKind !== 'tabs' && parentKind !== 'steps';
  return (
    <div className={grid ? 'fd-cols' : undefined} style={grid ? { gridTemplateColumns: `repeat(${columns}, minmax(0,1fr))` } : undefined}>
      {nodes.map((n, i) => (
        <div key={n.id}>
          <DropGap parent={parent} parentKind={parentKind} index={i} onDrop={onDrop} />
          <NodeView node={n} fields={fields} onDrop={onDrop} />
          {i === nodes.length - 1 && <DropGap parent={parent} parentKind={parentKind} index={i + 1} onDrop={onDrop} last />}
        </div>
      ))}
    </div>
  );
}

const KIND_LABEL: Record<string, [string, string]> = {
  section: ['分区', 'Section'], columns: ['多列', 'Columns'], tabs: ['标签页', 'Tabs'], steps: ['分步', 'Steps'], pane: ['页', 'Pane'], group: ['明细（重复组）', 'Repeating group'],
};

function NodeView({ node, fields, onDrop }: { node: DNode; fields: Map<string, Field>; onDrop: CanvasProps['onDrop'] }) {
  const t = useT();
  const l = useL();
  const selected = useDesigner((s) => s.selected === node.id);
  const { select, remove } = useDesigner.getState();
  const ref = useRef<HTMLDivElement | null>(null);
  const [{ dragging }, drag] = useDrag(() => ({ type: DND.NODE, item: { id: node.id }, collect: (m) => ({ dragging: m.isDragging() }) }), [node.id]);
  const drop = useNodeDrop(node, onDrop);

  const moveBy = (delta: number) => {
    const st = useDesigner.getState();
    const at = locate(st.nodes, node.id);
    if (!at) return;
    st.move(node.id, at.parent, delta < 0 ? at.index - 1 : at.index + 2);
  };

  const onKey = (e: KeyboardEvent) => {
    if (e.target !== e.currentTarget) return;
    const st = useDesigner.getState();
    if (e.key === 'Delete' || e.key === 'Backspace') { e.preventDefault(); remove(node.id); }
    else if (e.altKey && e.key === 'ArrowUp') { e.preventDefault(); moveBy(-1); }
    else if (e.altKey && e.key === 'ArrowDown') { e.preventDefault(); moveBy(1); }
    else if (e.altKey && e.key === 'ArrowLeft') {
      // Out of the container, just after it.
      e.preventDefault();
      const at = locate(st.nodes, node.id);
      if (at?.parent) {
        let up = locate(st.nodes, at.parent);
        let container = at.parent;
        // A pane sits inside tabs/steps: step out of both.
        if (findNode(st.nodes, at.parent)?.kind === 'pane' && up?.parent) { container = up.parent; up = locate(st.nodes, up.parent); }
        if (up) st.move(node.id, up.parent, up.index + 1);
        void container;
      }
    } else if (e.altKey && e.key === 'ArrowRight') {
      // Into the previous sibling container (its first pane for tabs/steps), at its end.
      e.preventDefault();
      const at = locate(st.nodes, node.id);
      if (!at || at.index === 0) return;
      const siblings = at.parent === null ? st.nodes : findNode(st.nodes, at.parent)?.children ?? [];
      let prev: DNode | undefined = siblings[at.index - 1];
      if (prev && (prev.kind === 'tabs' || prev.kind === 'steps')) prev = prev.children?.[0];
      if (prev?.children) st.move(node.id, prev.id, prev.children.length);
    } else if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(node.id); }
  };

  const field = node.field ? fields.get(node.field) : undefined;
  const container = node.kind !== 'field' && node.kind !== 'subfield';
  const title = container
    ? l(node.title) || t(...KIND_LABEL[node.kind]!)
    : node.kind === 'subfield'
      ? l(node.def?.label, node.def?.key)
      : l(node.label) || l(field?.label, node.field);

  return (
    <div
      ref={(el) => { ref.current = el; drag(el); drop.ref(el); }}
      className={`fd-node${container ? ' fd-container' : ''}${selected ? ' selected' : ''}${dragging ? ' dragging' : ''}${drop.where ? ` drop-${drop.where}` : ''}`}
      tabIndex={0}
      role="treeitem"
      aria-selected={selected}
      aria-label={title}
      data-node={node.field ?? node.kind}
      onClick={(e) => { e.stopPropagation(); select(node.id); }}
      onKeyDown={onKey}
    >
      {container ? (
        <>
          <div className="fd-container-title">
            <HolderOutlined /> <Tag style={{ marginRight: 0 }}>{t(...KIND_LABEL[node.kind]!)}</Tag> <span>{title}</span>
            {node.kind === 'group' && node.field && <code style={{ fontSize: 11 }}>{node.field}</code>}
          </div>
          {node.kind === 'tabs' || node.kind === 'steps' ? (
            <div style={{ display: 'flex', gap: 8, alignItems: 'stretch' }}>
              <div style={{ flex: 1 }}>
                <NodeList nodes={node.children ?? []} parent={node.id} parentKind={node.kind} fields={fields} onDrop={onDrop} />
              </div>
            </div>
          ) : (
            <NodeList nodes={node.children ?? []} parent={node.id} parentKind={node.kind} fields={fields} onDrop={onDrop} columns={node.kind === 'group' ? node.columns : node.columns} />
          )}
        </>
      ) : (
        <div className="fd-field-row">
          <HolderOutlined style={{ color: '#b0b5c0' }} />
          {(node.required || field?.required || node.def?.required) && <span style={{ color: '#cf1322' }}>*</span>}
          <span>{title}</span>
          <span className="type">{t(...typeLabel(field?.type ?? node.def?.type ?? '?'))}</span>
          {!field && node.kind === 'field' && <Tag color="orange">{t('字段不存在', 'missing field')}</Tag>}
        </div>
      )}
      <div className="fd-node-actions">
        <Tooltip title={t('上移 (Alt+↑)', 'Move up (Alt+↑)')}><Button size="small" type="text" icon={<ArrowUpOutlined />} onClick={(e) => { e.stopPropagation(); moveBy(-1); }} /></Tooltip>
        <Tooltip title={t('下移 (Alt+↓)', 'Move down (Alt+↓)')}><Button size="small" type="text" icon={<ArrowDownOutlined />} onClick={(e) => { e.stopPropagation(); moveBy(1); }} /></Tooltip>
        <Tooltip title={t('删除 (Delete)', 'Remove (Delete)')}><Button size="small" type="text" danger icon={<DeleteOutlined />} onClick={(e) => { e.stopPropagation(); remove(node.id); }} /></Tooltip>
      </div>
    </div>
  );
}

export function Canvas({ fields, onDrop }: CanvasProps) {
  const nodes = useDesigner((s) => s.nodes);
  const t = useT();
  return (
    <div className="fd-canvas" onClick={() => useDesigner.getState().select(null)} role="tree" aria-label={t('表单画布', 'Form canvas')} data-testid="form-canvas">
      <NodeList nodes={nodes} parent={null} parentKind={null} fields={fields} onDrop={onDrop} />
      <div style={{ color: '#a0a6b4', fontSize: 12, marginTop: 12 }}>
        {t('键盘：Tab 选中元素，Alt+↑/↓ 调整顺序，Alt+→ 移入上方容器，Alt+← 移出容器，Delete 删除；Ctrl+Z 撤销，Ctrl+Y 重做。',
          'Keyboard: Tab to an element, Alt+↑/↓ to reorder, Alt+→ into the container above, Alt+← out of a container, Delete to remove; Ctrl+Z undo, Ctrl+Y redo.')}
      </div>
    </div>
  );
}
