/** Walks a layout tree, reporting every placed field and repeating group with its JSON Pointer. */
import type { FieldItem, GroupItem, LayoutItem } from '../types.js';

export interface LayoutVisitor {
  field?(item: FieldItem, pointer: string): void;
  group?(item: GroupItem, pointer: string): void;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Tolerates malformed input (the definition validator walks before it knows the shape is right). */
export function walkLayout(items: unknown, visitor: LayoutVisitor, pointer = '/layout'): void {
  if (!Array.isArray(items)) return;
  items.forEach((raw, i) => {
    const at = `${pointer}/${i}`;
    if (!isObject(raw)) return;
    if (raw.type === undefined && typeof raw.field === 'string') {
      visitor.field?.(raw as unknown as FieldItem, at);
    } else if (raw.type === 'group') {
      visitor.group?.(raw as unknown as GroupItem, at);
    } else if (raw.type === 'tabs' || raw.type === 'steps') {
      if (Array.isArray(raw.items)) {
        raw.items.forEach((pane, j) => {
          if (isObject(pane)) walkLayout(pane.items, visitor, `${at}/items/${j}/items`);
        });
      }
    } else {
      walkLayout(raw.items, visitor, `${at}/items`);
    }
  });
}

/** Top-level field keys placed on the form, and its repeating groups, in layout order. */
export function placedFields(layout: LayoutItem[]): { fields: string[]; groups: GroupItem[] } {
  const fields: string[] = [];
  const groups: GroupItem[] = [];
  walkLayout(layout, {
    field: (item) => fields.push(item.field),
    group: (item) => groups.push(item),
  });
  return { fields, groups };
}
