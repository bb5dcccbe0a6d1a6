/**
 * The public data model of a form: fields (columns of an object), form definitions (layout + rules +
 * computed fields) and the issues the engine reports. Everything here is plain JSON so the same
 * definition runs on the server and in the browser.
 */

/** The built-in field types of the metadata API, in the order the API documents them. */
export const FIELD_TYPES = [
  'text', 'textarea', 'integer', 'decimal', 'money', 'percent', 'boolean', 'date', 'datetime',
  'select', 'multiselect', 'email', 'phone', 'cn_id_number', 'cn_uscc', 'bank_card', 'url',
  'relation', 'user', 'org_unit', 'attachment', 'auto_number', 'tags', 'computed', 'json',
] as const;

export type BuiltinFieldType = (typeof FIELD_TYPES)[number];

/** A field type's name: a built-in one, or one an extension registered (field-types/registry.ts). */
export type FieldType = BuiltinFieldType | (string & {});

export type Lang = 'zh-CN' | 'en';

export type LocalizedText = string | { 'zh-CN'?: string; en?: string };

export interface Choice {
  value: string;
  label: LocalizedText;
}

/**
 * Type-specific settings (API.md "Metadata"). Only the keys that matter for a field's type are read;
 * `mask: 'name'` marks a text field as a person's name for masking.
 */
export interface FieldOptions {
  choices?: Choice[];
  precision?: number;
  scale?: number;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  /** Message shown when `pattern` fails. */
  patternMessage?: LocalizedText;
  minimum?: number;
  maximum?: number;
  currency?: string;
  /** phone: also accept landline numbers like 010-12345678. */
  allowLandline?: boolean;
  maxItems?: number;
  expression?: string;
  /** 'name' (a person's name), 'none' (no mask below level 3), 'last4' or a shape such as '#### **** **** ####' (masked without unmask). */
  mask?: 'name' | 'none' | 'last4' | (string & {});
  [setting: string]: unknown;
}

export interface FieldDef {
  key: string;
  label: LocalizedText;
  type: FieldType;
  required?: boolean;
  unique?: boolean;
  options?: FieldOptions;
  default?: unknown;
  /** JR/T 0197 level 1..5; 3 and up are masked and encrypted. */
  sensitivity?: 1 | 2 | 3 | 4 | 5;
  /** relation: the target object's key. */
  target?: string;
}

/** A field placed on the form. */
export interface FieldItem {
  field: string;
  /** Overrides the field's label on this form. */
  label?: LocalizedText;
  /** Hint shown inside an empty input. */
  placeholder?: LocalizedText;
  /** Help text shown under the input. */
  help?: LocalizedText;
}

/** A tab or a wizard step: a titled list of items. */
export interface Pane {
  title: LocalizedText;
  items: LayoutItem[];
}

export interface SectionItem {
  type: 'section' | 'columns';
  title?: LocalizedText;
  columns?: number;
  items: LayoutItem[];
}

export interface PanesItem {
  type: 'tabs' | 'steps';
  title?: LocalizedText;
  items: Pane[];
}

/**
 * A repeating group: `field` names a `json` field of the object that holds an array of row objects;
 * the rows' own fields are declared inline in `fields`; `items` (optional) lays them out.
 */
export interface GroupItem {
  type: 'group';
  field: string;
  title?: LocalizedText;
  columns?: number;
  fields: FieldDef[];
  items?: FieldItem[];
  minItems?: number;
  maxItems?: number;
}

export type LayoutItem = FieldItem | SectionItem | PanesItem | GroupItem;

/**
 * When the FEEL condition `when` is true: `show` makes fields visible (a field named in any `show`
 * is hidden unless one of those rules holds), `hide` hides, `require` requires, `readOnly` keeps the
 * stored value, and `set` assigns the result of a FEEL expression. Targets are field keys, or
 * `group.subfield` for a repeating group's columns (show/hide/require/readOnly).
 */
export interface Rule {
  when: string;
  show?: string[];
  hide?: string[];
  require?: string[];
  readOnly?: string[];
  set?: Record<string, string>;
}

export interface FormDefinition {
  key: string;
  object: string;
  version?: number;
  title: LocalizedText;
  description?: LocalizedText;
  layout: LayoutItem[];
  rules?: Rule[];
  /** field key → FEEL expression whose result the engine stores in that field. */
  computed?: Record<string, string>;
}

export interface ValidationIssue {
  /** JSON Pointer into the record ("/id_number", "/contacts/0/phone") or definition; "" for the whole. */
  path: string;
  code: string;
  message: string;
}

export interface FormState {
  hidden: string[];
  required: string[];
  readOnly: string[];
}

export interface ProcessContext {
  lang?: Lang;
  /** The stored record, for updates: read-only fields keep these values. */
  previous?: Record<string, unknown>;
  /** Reference time for "not in the future" checks (defaults to the current time). */
  now?: Date;
}

export interface ProcessResult {
  ok: boolean;
  /** What the server stores: hidden fields dropped, read-only fields restored, computed fields set. */
  value: Record<string, unknown>;
  errors: ValidationIssue[];
  state: FormState;
}
