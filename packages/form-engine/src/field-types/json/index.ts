/** Any JSON value; bound to a repeating group it is the array of the group's rows. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { JSON_COLUMN, TEXT_OPS } from '../common.js';

export const json: FieldTypeDescriptor = {
  type: 'json',
  label: { zh: 'JSON', en: 'JSON' },
  engine: { schema: (_field, groupRows) => (groupRows ? { type: 'array', items: groupRows } : {}), mask: 'opaque', feel: 'value', inGroup: false },
  server: { ...JSON_COLUMN, keepsEmptyList: true },
  web: { widget: 'json', display: 'json', filterOperators: TEXT_OPS, designer: { group: 'system', properties: [] } },
};
