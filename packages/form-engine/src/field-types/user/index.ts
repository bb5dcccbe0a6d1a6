/** The id of a platform user. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { idMessage, idSchema, TEXT_OPS, UUID_COLUMN } from '../common.js';

export const user: FieldTypeDescriptor = {
  type: 'user',
  label: { zh: '用户', en: 'User' },
  engine: { schema: idSchema, messages: { id: idMessage }, mask: 'opaque', feel: 'value', inGroup: true },
  server: { ...UUID_COLUMN, references: 'crm.users' },
  web: { widget: 'user', filterOperators: TEXT_OPS, designer: { group: 'system', properties: [] } },
};
