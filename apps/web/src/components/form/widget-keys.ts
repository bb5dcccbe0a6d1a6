/**
 * The input widgets FieldInput has (its WIDGETS map is typed by this list). A field type's web
 * descriptor (@crm/form-engine field-types/<type>) names one; a test checks every registered type's
 * widget is here.
 */
export const WIDGET_KEYS = [
  'text', 'textarea', 'integer', 'decimal', 'switch', 'date', 'select', 'multiselect', 'tags', 'relation', 'user',
  'org_unit', 'attachment', 'json', 'readonly', 'phone', 'email',
] as const;

export type WidgetKey = (typeof WIDGET_KEYS)[number];

export function isWidgetKey(key: string): key is WidgetKey {
  return (WIDGET_KEYS as readonly string[]).includes(key);
}
