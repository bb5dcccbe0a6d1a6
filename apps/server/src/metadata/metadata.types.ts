import type { FieldDef, LocalizedText, ObjectRule } from '@crm/form-engine';

export interface ObjectMeta {
  key: string;
  label: LocalizedText;
  description: string | null;
  app: string | null;
  icon: string | null;
  titleField: string | null;
  /** The relation field that makes this object's records belong to a data subject (PIPL), or null. */
  subjectField: string | null;
  /** Active fields in display order. */
  fields: FieldDef[];
  /** Fields deleted (hidden) but whose column and data are kept until a purge. */
  deletedFields: FieldDef[];
  byKey: Map<string, FieldDef>;
  /** Validation rules enforced on every create and update. */
  rules: ObjectRule[];
  /** The published forms the object's 新建 / 编辑 pages use. */
  defaultForms: { create?: string; edit?: string };
}

export interface MetaSnapshot {
  version: number;
  objects: Map<string, ObjectMeta>;
}
