/** Uploaded files: a list of file ids (options.maxItems bounds it), stored as uuid[]. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { idMessage, idSchema, num, TEXT_OPS } from '../common.js';

export const attachment: FieldTypeDescriptor = {
  type: 'attachment',
  label: { zh: '附件', en: 'Attachment' },
  engine: {
    schema(field) {
      const schema: Record<string, unknown> = { type: 'array', uniqueItems: true, items: idSchema() };
      if (num(field.options?.maxItems) !== undefined) schema.maxItems = field.options!.maxItems;
      return schema;
    },
    messages: { id: idMessage },
    list: true,
    mask: 'opaque',
    feel: 'value',
    inGroup: true,
  },
  server: { column: 'uuid[]', cast: 'uuid[]', comparable: 'array', index: 'none', codec: 'plain' },
  web: { widget: 'attachment', filterOperators: TEXT_OPS, designer: { group: 'system', rowField: false, properties: [] } },
};
