/**
 * What the designers and lists show of field types, read from the form engine's field-type registry
 * (one folder per type there): labels, the form designer's palette groups, the properties a type's
 * field has. A type registered there appears here with no change to the web app.
 */
import { fieldType, fieldTypes, isFieldType, type DesignerProperty, type FieldTypeDescriptor } from '@crm/form-engine';

/** [zh-CN, en] label of a type; the type's own name when no type of that name is registered. */
export function typeLabel(type: string): [string, string] {
  if (!isFieldType(type)) return [type, type];
  const { label } = fieldType(type);
  return [label.zh, label.en];
}

const GROUP_LABELS: Record<FieldTypeDescriptor['web']['designer']['group'], [string, string]> = {
  basic: ['基础', 'Basic'],
  banking: ['银行专用', 'Banking'],
  system: ['关联与系统', 'Relations & system'],
};

/** The form designer's palette: every registered type, by its descriptor's group. */
export function paletteGroups(): { label: [string, string]; types: string[] }[] {
  return (Object.keys(GROUP_LABELS) as (keyof typeof GROUP_LABELS)[]).map((g) => ({
    label: GROUP_LABELS[g],
    types: fieldTypes().filter((d) => d.web.designer.group === g).map((d) => d.type),
  }));
}

/** Types a repeating group's row field may have in the form designer. */
export function rowFieldTypes(): string[] {
  return fieldTypes().filter((d) => d.web.designer.rowField ?? d.engine.inGroup).map((d) => d.type);
}

/** Whether the designers edit `property` for a field of `type`. */
export function hasProperty(type: string | undefined, property: DesignerProperty): boolean {
  return !!type && isFieldType(type) && fieldType(type).web.designer.properties.includes(property);
}

/** Options a new field of `type` starts with (a copy), if any. */
export function defaultOptions(type: string): Record<string, unknown> | undefined {
  const o = isFieldType(type) ? fieldType(type).web.designer.defaultOptions : undefined;
  return o ? { ...o } : undefined;
}

export const SENSITIVITY_LABELS: Record<number, [string, string]> = {
  1: ['1级 公开', 'L1 public'],
  2: ['2级 内部', 'L2 internal'],
  3: ['3级 敏感（脱敏加密）', 'L3 sensitive (masked, encrypted)'],
  4: ['4级 高度敏感', 'L4 highly sensitive'],
  5: ['5级 极度敏感', 'L5 critical'],
};
