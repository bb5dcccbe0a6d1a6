/** The id of a record of the target object (field.target), a foreign key to its table. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { idMessage, idSchema, TEXT_OPS, UUID_COLUMN } from '../common.js';

export const relation: FieldTypeDescriptor = {
  type: 'relation',
  label: { zh: '关联对象', en: 'Relation' },
  engine: { schema: idSchema, messages: { id: idMessage }, mask: 'opaque', feel: 'value', inGroup: true },
  server: { ...UUID_COLUMN, references: 'target' },
  web: { widget: 'relation', filterOperators: TEXT_OPS, designer: { group: 'system', rowField: false, properties: ['target'] } },
};
