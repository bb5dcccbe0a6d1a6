/**
 * What a (fields, form) pair means once resolved: which fields the form carries, its repeating
 * groups, the computed expressions, and which fields callers may not write. deriveDataSchema,
 * compileForm and the browser runtime all read this instead of re-walking the definition.
 */
import type { FieldDef, FormDefinition, GroupItem, Rule } from '../types.js';
import { placedFields } from './layout-walk.js';
import { isServerOwned } from '../field-types/index.js';

export interface GroupModel {
  item: GroupItem;
  subFields: Map<string, FieldDef>;
}

export interface FormModel {
  fields: Map<string, FieldDef>;
  /** Top-level keys the record data may hold, in layout order. */
  propertyKeys: string[];
  groups: Map<string, GroupModel>;
  rules: Rule[];
  /** field key → FEEL; a form's `computed` overrides a computed field's own expression. */
  computed: Map<string, string>;
  /** Fields (or group.sub paths) named in a show or hide rule: never statically required. */
  visibilityControlled: Set<string>;
  /** Server-owned values (auto numbers, computed): a caller's value is ignored. */
  serverOwned: Set<string>;
  /** The field definition at a data pointer such as "/contacts/0/phone". */
  fieldAt(pointer: string): FieldDef | undefined;
}

export function buildFormModel(fieldList: FieldDef[], form: FormDefinition | null | undefined): FormModel {
  const fields = new Map(fieldList.map((f) => [f.key, f]));
  const groups = new Map<string, GroupModel>();
  const computed = new Map<string, string>();
  for (const f of fieldList) {
    if (f.type === 'computed' && typeof f.options?.expression === 'string') computed.set(f.key, f.options.expression);
  }
  let propertyKeys: string[];
  const rules = form?.rules ?? [];
  if (!form) {
    propertyKeys = fieldList.map((f) => f.key);
  } else {
    const placed = placedFields(form.layout);
    for (const g of placed.groups) {
      groups.set(g.field, { item: g, subFields: new Map((g.fields ?? []).map((f) => [f.key, f])) });
    }
    for (const [k, expr] of Object.entries(form.computed ?? {})) computed.set(k, expr);
    const keys = new Set<string>([...placed.fields, ...placed.groups.map((g) => g.field), ...computed.keys()]);
    for (const r of rules) for (const k of Object.keys(r.set ?? {})) keys.add(k);
    for (const f of fieldList) if (isServerOwned(f.type)) keys.add(f.key);
    propertyKeys = [...keys].filter((k) => fields.has(k));
  }
  const visibilityControlled = new Set<string>();
  for (const r of rules) for (const k of [...(r.show ?? []), ...(r.hide ?? [])]) visibilityControlled.add(k);
  const serverOwned = new Set<string>([...computed.keys()]);
  for (const f of fieldList) if (f.type === 'auto_number') serverOwned.add(f.key);

  function fieldAt(pointer: string): FieldDef | undefined {
    const segs = pointer.split('/').slice(1);
    const top = segs[0] === undefined ? undefined : fields.get(segs[0]);
    if (!top || segs.length === 1) return top;
    const group = groups.get(top.key);
    const sub = segs.find((s, i) => i > 0 && !/^\d+$/.test(s));
    return group && sub !== undefined ? group.subFields.get(sub) ?? top : top;
  }

  return { fields, propertyKeys, groups, rules, computed, visibilityControlled, serverOwned, fieldAt };
}
