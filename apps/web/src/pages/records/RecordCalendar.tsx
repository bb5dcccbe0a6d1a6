import { useMemo, useState } from 'react';
import { Badge, Calendar } from 'antd';
import type { Dayjs } from 'dayjs';
import dayjs from 'dayjs';
import { useQuery } from '@tanstack/react-query';
import type { Field, Filter, RecordData } from '@crm/shared';
import { api } from '../../lib/api';
import { useLang, useT } from '../../lib/i18n';
import { displayText } from '../../lib/display';
import { ErrorAlert } from '../../components/common';

/** The most records one month of the calendar shows. */
const MONTH_LIMIT = 500;

/**
 * Calendar by a date or date-time field: the month's records (the list's filter and the month, asked
 * of the server) on their day; a click on one opens it.
 */
export function RecordCalendar({ object, field, filter, titleField, fields, onOpen }: {
  object: string;
  field: Field | { key: string; type: 'datetime' };
  filter: Filter;
  titleField?: string | null;
  fields: Field[];
  onOpen(id: string): void;
}) {
  const t = useT();
  const lang = useLang((s) => s.lang);
  const [month, setMonth] = useState<Dayjs>(() => dayjs());
  const range = useMemo(() => {
    const start = month.startOf('month');
    const end = start.add(1, 'month');
    return field.type === 'date'
      ? { $gte: start.format('YYYY-MM-DD'), $lt: end.format('YYYY-MM-DD') }
      : { $gte: start.toISOString(), $lt: end.toISOString() };
  }, [month, field.type]);
  const monthFilter: Filter = useMemo(() => (Object.keys(filter).length ? { $and: [filter, { [field.key]: range }] } : { [field.key]: range }), [filter, field.key, range]);
  const q = useQuery({
    queryKey: ['records', object, 'calendar', monthFilter],
    queryFn: ({ signal }) => api.records.list(object, { filter: monthFilter, sort: field.key, limit: MONTH_LIMIT, display: true }, signal),
  });
  const byDay = useMemo(() => {
    const m = new Map<string, RecordData[]>();
    for (const r of q.data?.items ?? []) {
      const v = r[field.key];
      if (typeof v !== 'string') continue;
      const day = field.type === 'date' ? v.slice(0, 10) : dayjs(v).format('YYYY-MM-DD');
      m.set(day, [...(m.get(day) ?? []), r]);
    }
    return m;
  }, [q.data, field.key, field.type]);
  const title = (r: RecordData) => (titleField ? displayText(fields.find((f) => f.key === titleField), r, titleField, lang) : '') || t('（无标题）', '(untitled)');

  return (
    <div data-testid="calendar">
      <ErrorAlert error={q.error} />
      <Calendar
        mode="month"
        value={month}
        onPanelChange={(d) => setMonth(d)}
        onSelect={(d, info) => { if (info.source !== 'date') setMonth(d); }}
        cellRender={(d, info) => {
          if (info.type !== 'date') return info.originNode;
          const list = byDay.get(d.format('YYYY-MM-DD')) ?? [];
          return (
            <ul style={{ listStyle: 'none', margin: 0, padding: 0 }}>
              {list.slice(0, 4).map((r) => (
                <li key={r.id} data-event={r.id} onClick={(e) => { e.stopPropagation(); onOpen(r.id); }} style={{ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis', cursor: 'pointer' }}>
                  <Badge status="processing" text={title(r)} />
                </li>
              ))}
              {list.length > 4 && <li style={{ color: '#999', fontSize: 12 }}>{t(`还有 ${list.length - 4} 条`, `${list.length - 4} more`)}</li>}
            </ul>
          );
        }}
      />
    </div>
  );
}
