/**
 * Form definitions as the form designer writes them (layout containers, field items, rules): the
 * form engine checks them in depth; these types are what the contract's form schemas carry.
 */
import type { Rule } from '@crm/form-engine';
import type { LocalizedText } from './types.js';

export type LayoutContainerType = 'section' | 'tabs' | 'steps' | 'columns' | 'group';

export interface LayoutFieldItem {
  field: string;
  label?: LocalizedText;
  placeholder?: LocalizedText;
  help?: LocalizedText;
  required?: boolean;
  readOnly?: boolean;
  span?: number;
  [key: string]: unknown;
}

export interface LayoutContainer {
  type: LayoutContainerType;
  title?: LocalizedText;
  columns?: number;
  items: LayoutItem[];
  /** group: the repeating group's field key, when the group repeats */
  field?: string;
  [key: string]: unknown;
}

export type LayoutItem = LayoutContainer | LayoutFieldItem;

/** A form rule: the form engine's own (`when` → show / hide / require / readOnly / set). */
export type FormRule = Rule & { [key: string]: unknown };

export interface FormDefinitionInput {
  key: string;
  object: string;
  title: LocalizedText;
  layout: LayoutItem[];
  rules?: FormRule[];
  computed?: Record<string, string>;
  [key: string]: unknown;
}

