/** The id of a unit of the org tree. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { idMessage, idSchema, TEXT_OPS, UUID_COLUMN } from '../common.js';

export const org_unit: FieldTypeDescriptor = {
  type: 'org_unit',
  label: { zh: '机构', en: 'Org unit' },
  engine: { schema: idSchema, messages: { id: idMessage }, mask: 'opaque', feel: 'value', inGroup: true },
  server: { ...UUID_COLUMN, references: 'crm.org_units' },
  web: { widget: 'org_unit', filterOperators: TEXT_OPS, designer: { group: 'system', properties: [] } },
};
