/** An RFC 3339 timestamp with its offset; stored as timestamptz and sent back in UTC. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { coded, fixed, ORDERED_OPS, t } from '../common.js';

export const datetime: FieldTypeDescriptor = {
  type: 'datetime',
  label: { zh: '日期时间', en: 'Date & time' },
  engine: {
    schema: () => coded('datetime', { type: 'string', format: 'date-time' }, ['type', 'format']),
    messages: { datetime: fixed(t('应为带时区的日期时间，例如 2024-05-01T09:30:00+08:00', 'Must be a date and time with an offset, e.g. 2024-05-01T09:30:00+08:00')) },
    mask: 'opaque',
    feel: 'datetime',
    inGroup: true,
  },
  server: { column: 'timestamptz', cast: 'timestamptz', comparable: 'timestamp', index: 'none', codec: 'timestamp' },
  web: { widget: 'date', display: 'datetime', filterOperators: ORDERED_OPS, designer: { group: 'basic', properties: ['default'] } },
};
