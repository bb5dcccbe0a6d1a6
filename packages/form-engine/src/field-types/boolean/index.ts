/** Yes or no. */
import type { FieldTypeDescriptor } from '../descriptor.js';

export const boolean: FieldTypeDescriptor = {
  type: 'boolean',
  label: { zh: '是/否', en: 'Yes / no' },
  engine: { schema: () => ({ type: 'boolean' }), mask: 'opaque', feel: 'value', inGroup: true },
  server: { column: 'boolean', cast: 'boolean', comparable: 'boolean', index: 'none', codec: 'plain' },
  web: { widget: 'switch', display: 'yes_no', filterOperators: ['eq', 'ne'], designer: { group: 'basic', properties: ['default'] } },
};
