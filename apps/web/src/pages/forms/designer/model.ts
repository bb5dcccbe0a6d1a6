import { create } from 'zustand';
import type { Field, FormDefinitionInput, FormRule, LayoutItem, LocalizedText, Pane } from '@crm/shared';
import { ALWAYS, fieldItemAccepts } from '../../../lib/formEngine';

export type ContainerKind = 'section' | 'columns' | 'tabs' | 'steps' | 'pane' | 'group';
export type NodeKind = 'field' | 'subfield' | ContainerKind;

export interface DNode {
  id: string;
  kind: NodeKind;
  /** field: the object field's key; group: the json field holding the rows */
  field?: string;
  title?: LocalizedText;
  label?: LocalizedText;
  placeholder?: LocalizedText;
  help?: LocalizedText;
  required?: boolean;
  columns?: number;
  /** subfield: the inline definition of a repeating group's column */
  def?: Field;
  minItems?: number;
  maxItems?: number;
  children?: DNode[];
}

let seq = 0;
export const newId = () => `n${Date.now().toString(36)}${(seq++).toString(36)}`;

export const isContainer = (k: NodeKind) => k !== 'field' && k !== 'subfield';

/** What a container (or the root, `null`) accepts. */
export function accepts(parent: NodeKind | null, child: NodeKind): boolean {
  if (parent === 'tabs' || parent === 'steps') return child === 'pane';
  if (parent === 'group') return child === 'subfield';
  if (child === 'pane' || child === 'subfield') return false;
  return true;
}

// ------------------------------------------------------------------ conversion

export function fromLayout(layout: LayoutItem[] | undefined): DNode[] {
  return (layout ?? []).map(fromItem);
}

function fromItem(it: LayoutItem): DNode {
  if (!('type' in it)) {
    return { id: newId(), kind: 'field', field: it.field, label: it.label, placeholder: it.placeholder, help: it.help };
  }
  switch (it.type) {
    case 'tabs':
    case 'steps':
      return {
        id: newId(), kind: it.type, title: it.title,
        children: it.items.map((p) => ({ id: newId(), kind: 'pane' as const, title: p.title, children: fromLayout(p.items) })),
      };
    case 'group':
      return {
        id: newId(), kind: 'group', field: it.field, title: it.title, columns: it.columns,
        minItems: it.minItems, maxItems: it.maxItems,
        children: it.fields.map((def) => ({ id: newId(), kind: 'subfield' as const, def })),
      };
    default:
      return { id: newId(), kind: it.type, title: it.title, columns: it.columns, children: fromLayout(it.items) };
  }
}

/** Drops the properties a definition leaves out: unset, empty text, false, and texts with no language filled in. */
const clean = <T extends object>(o: T): T => {
  for (const k of Object.keys(o) as (keyof T)[]) {
    const v = o[k];
    if (v === undefined || v === '' || v === false || (v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => x === undefined || x === ''))) delete o[k];
  }
  return o;
};

export function toLayout(nodes: DNode[]): LayoutItem[] {
  return nodes.flatMap(toItem);
}

const paneOf = (n: DNode): Pane => clean({ title: n.title || '—', items: toLayout(n.children ?? []) });

/** The layout item of a node; panes and a group's row fields are written by their container. */
function toItem(n: DNode): LayoutItem[] {
  switch (n.kind) {
    case 'field':
      // "Required on this form" travels as an always-true rule; placeholder and help go where the engine takes them.
      return [clean({
        field: n.field ?? '',
        label: n.label,
        placeholder: fieldItemAccepts('placeholder') ? n.placeholder : undefined,
        help: fieldItemAccepts('help') ? n.help : undefined,
      })];
    case 'tabs':
    case 'steps':
      return [clean({ type: n.kind, title: n.title, items: (n.children ?? []).map(paneOf) })];
    case 'group':
      return [clean({ type: 'group' as const, field: n.field ?? '', title: n.title, columns: n.columns, minItems: n.minItems, maxItems: n.maxItems, fields: (n.children ?? []).flatMap((c) => (c.def ? [c.def] : [])) })];
    case 'section':
    case 'columns':
      return [clean({ type: n.kind, title: n.title, columns: n.columns, items: toLayout(n.children ?? []) })];
    default:
      return [];
  }
}

// ------------------------------------------------------------------ tree helpers

export function findNode(nodes: DNode[], id: string): DNode | null {
  for (const n of nodes) {
    if (n.id === id) return n;
    const hit = n.children ? findNode(n.children, id) : null;
    if (hit) return hit;
  }
  return null;
}

/** The parent id (`null` for the root) and index of a node. */
export function locate(nodes: DNode[], id: string, parent: string | null = null): { parent: string | null; index: number } | null {
  for (let i = 0; i < nodes.length; i++) {
    if (nodes[i]!.id === id) return { parent, index: i };
    const c = nodes[i]!.children;
    if (c) {
      const hit = locate(c, id, nodes[i]!.id);
      if (hit) return hit;
    }
  }
  return null;
}

function mapTree(nodes: DNode[], fn: (n: DNode) => DNode): DNode[] {
  return nodes.map((n) => {
    const m = fn(n);
    return m.children ? { ...m, children: mapTree(m.children, fn) } : m;
  });
}

function childrenOf(nodes: DNode[], parent: string | null): DNode[] | null {
  if (parent === null) return nodes;
  return findNode(nodes, parent)?.children ?? null;
}

function setChildren(nodes: DNode[], parent: string | null, children: DNode[]): DNode[] {
  if (parent === null) return children;
  return mapTree(nodes, (n) => (n.id === parent ? { ...n, children } : n));
}

function removeNode(nodes: DNode[], id: string): DNode[] {
  return nodes.filter((n) => n.id !== id).map((n) => (n.children ? { ...n, children: removeNode(n.children, id) } : n));
}

export function contains(node: DNode, id: string): boolean {
  return node.id === id || !!node.children?.some((c) => contains(c, id));
}

export function placedFields(nodes: DNode[], acc = new Set<string>()): Set<string> {
  for (const n of nodes) {
    if ((n.kind === 'field' || n.kind === 'group') && n.field) acc.add(n.field);
    if (n.children) placedFields(n.children, acc);
  }
  return acc;
}

export function kindOfParent(nodes: DNode[], parent: string | null): NodeKind | null {
  return parent === null ? null : findNode(nodes, parent)?.kind ?? null;
}

// ------------------------------------------------------------------ the designer store

export interface FormMeta {
  key: string;
  object: string;
  title: LocalizedText;
  rules: FormRule[];
  computed: Record<string, string>;
}

interface Snapshot { nodes: DNode[]; meta: FormMeta }

interface DesignerState extends Snapshot {
  selected: string | null;
  past: Snapshot[];
  future: Snapshot[];
  dirty: boolean;
  load(def: FormDefinitionInput): void;
  select(id: string | null): void;
  insert(parent: string | null, index: number, node: DNode): boolean;
  move(id: string, parent: string | null, index: number): boolean;
  remove(id: string): void;
  update(id: string, patch: Partial<DNode>): void;
  setMeta(patch: Partial<FormMeta>): void;
  undo(): void;
  redo(): void;
  markSaved(): void;
  definition(): FormDefinitionInput;
}

const LIMIT = 100;

export const useDesigner = create<DesignerState>((set, get) => {
  /** Every edit goes through here so that undo / redo see it. */
  let lastKey = '';
  let lastAt = 0;
  const commit = (next: Partial<Snapshot>, extra: Partial<DesignerState> = {}, coalesce = '') => {
    const { nodes, meta, past } = get();
    const now = Date.now();
    // Typing in the properties panel makes one undo step per burst, not one per keystroke.
    const merge = coalesce !== '' && coalesce === lastKey && now - lastAt < 1200;
    lastKey = coalesce;
    lastAt = now;
    set({ ...next, ...extra, past: merge ? past : [...past.slice(-LIMIT + 1), { nodes, meta }], future: [], dirty: true });
  };
  return {
    nodes: [],
    meta: { key: '', object: '', title: '', rules: [], computed: {} },
    selected: null,
    past: [],
    future: [],
    dirty: false,
    load(def) {
      const always = (r: FormRule) => r.when.trim() === ALWAYS && r.require?.length && !r.show && !r.hide && !r.readOnly && !r.set;
      const requiredHere = new Set((def.rules ?? []).filter(always).flatMap((r) => r.require ?? []));
      const mark = (ns: DNode[]): DNode[] => ns.map((n) => ({ ...n, required: n.kind === 'field' && n.field && requiredHere.has(n.field) ? true : n.required, children: n.children ? mark(n.children) : undefined }));
      set({
        nodes: mark(fromLayout(def.layout)),
        meta: { key: def.key, object: def.object, title: def.title, rules: (def.rules ?? []).filter((r) => !always(r)), computed: def.computed ?? {} },
        selected: null, past: [], future: [], dirty: false,
      });
    },
    select: (id) => set({ selected: id }),
    insert(parent, index, node) {
      const { nodes } = get();
      if (!accepts(kindOfParent(nodes, parent), node.kind)) return false;
      const list = childrenOf(nodes, parent);
      if (!list) return false;
      const next = [...list];
      next.splice(Math.max(0, Math.min(index, next.length)), 0, node);
      commit({ nodes: setChildren(nodes, parent, next) }, { selected: node.id });
      return true;
    },
    move(id, parent, index) {
      const { nodes } = get();
      const node = findNode(nodes, id);
      const from = locate(nodes, id);
      if (!node || !from) return false;
      if (parent !== null && contains(node, parent)) return false;
      if (!accepts(kindOfParent(nodes, parent), node.kind)) return false;
      let target = index;
      if (from.parent === parent && from.index < index) target -= 1;
      if (from.parent === parent && from.index === target) return false;
      const without = removeNode(nodes, id);
      const list = [...(childrenOf(without, parent) ?? [])];
      list.splice(Math.max(0, Math.min(target, list.length)), 0, node);
      commit({ nodes: setChildren(without, parent, list) }, { selected: id });
      return true;
    },
    remove(id) {
      const { nodes, selected } = get();
      commit({ nodes: removeNode(nodes, id) }, { selected: selected === id ? null : selected });
    },
    update(id, patch) {
      commit({ nodes: mapTree(get().nodes, (n) => (n.id === id ? { ...n, ...patch } : n)) }, {}, `node:${id}:${Object.keys(patch).join(',')}`);
    },
    setMeta(patch) {
      commit({ meta: { ...get().meta, ...patch } }, {}, `meta:${Object.keys(patch).join(',')}`);
    },
    undo() {
      const { past, future, nodes, meta } = get();
      const prev = past[past.length - 1];
      if (!prev) return;
      set({ ...prev, past: past.slice(0, -1), future: [{ nodes, meta }, ...future], dirty: true });
    },
    redo() {
      const { past, future, nodes, meta } = get();
      const next = future[0];
      if (!next) return;
      set({ ...next, past: [...past, { nodes, meta }], future: future.slice(1), dirty: true });
    },
    markSaved: () => set({ dirty: false }),
    definition() {
      const { nodes, meta } = get();
      const def: FormDefinitionInput = { key: meta.key, object: meta.object, title: meta.title, layout: toLayout(nodes) };
      const required: string[] = [];
      const walk = (ns: DNode[]) => ns.forEach((n) => { if (n.kind === 'field' && n.required && n.field) required.push(n.field); if (n.children) walk(n.children); });
      walk(nodes);
      const rules = [...(required.length ? [{ when: ALWAYS, require: required }] : []), ...meta.rules.filter((r) => r.when.trim())];
      if (rules.length) def.rules = rules.map((r) => clean({ ...r, show: r.show?.length ? r.show : undefined, hide: r.hide?.length ? r.hide : undefined, require: r.require?.length ? r.require : undefined, readOnly: r.readOnly?.length ? r.readOnly : undefined, set: r.set && Object.keys(r.set).length ? r.set : undefined }));
      if (Object.keys(meta.computed).length) def.computed = meta.computed;
      return def;
    },
  };
});

/** A fresh container as dropped from the palette. */
export function newBlock(kind: ContainerKind, t: (zh: string, en: string) => string): DNode {
  switch (kind) {
    case 'section':
      return { id: newId(), kind, title: { 'zh-CN': '新分区', en: 'New section' }, columns: 2, children: [] };
    case 'columns':
      return { id: newId(), kind, columns: 2, children: [] };
    case 'tabs':
    case 'steps': {
      const word = kind === 'tabs' ? ['标签页', 'Tab'] : ['步骤', 'Step'];
      return {
        id: newId(), kind,
        children: [1, 2].map((i) => ({ id: newId(), kind: 'pane' as const, title: { 'zh-CN': `${word[0]}${i}`, en: `${word[1]} ${i}` }, children: [] })),
      };
    }
    case 'pane':
      return { id: newId(), kind, title: t('新页', 'New pane'), children: [] };
    case 'group':
      return { id: newId(), kind, title: { 'zh-CN': '明细', en: 'Rows' }, columns: 3, children: [] };
  }
}
