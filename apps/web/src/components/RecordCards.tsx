import { Tag } from 'antd';
import type { Field, RecordData } from '@crm/shared';
import { useL, useLang, useT } from '../lib/i18n';
import { displayText } from '../lib/display';
import { useObject } from '../lib/meta';
import { CardList } from './ResponsiveTable';

/**
 * A record list as cards, for a phone: the object's title field (else the first shown column) is the
 * card's title, a `status` (or `stage`) choice sits beside it, and the next three shown columns are
 * under it, each in words (a reference by its target's title, a choice by its label).
 */
export function RecordCards({ object, rows, columns, loading, onOpen, more }: {
  object: string;
  rows: RecordData[];
  /** The list's shown columns, in order. */
  columns: Field[];
  loading: boolean;
  onOpen(r: RecordData): void;
  more?: { onMore(): void; busy: boolean };
}) {
  const t = useT();
  const l = useL();
  const lang = useLang((s) => s.lang);
  const obj = useObject(object);
  const status = columns.find((f) => f.type === 'select' && /^(status|stage)$/.test(f.key));
  const named = obj.data?.fields.find((f) => f.key === obj.data?.titleField);
  const title = named ?? columns.find((f) => f !== status);
  const fields = columns.filter((f) => f !== status && f.key !== title?.key).slice(0, 3);
  return (
    <CardList
      testId="record-cards"
      loading={loading}
      pageSize={Number.MAX_SAFE_INTEGER}
      empty={t('没有符合条件的记录', 'No records match')}
      more={more}
      items={rows.map((r) => {
        const st = status ? displayText(status, r, status.key, lang) : '';
        return {
          key: r.id,
          title: (title ? displayText(title, r, title.key, lang) : '') || t('（无标题）', '(untitled)'),
          status: st ? <Tag>{st}</Tag> : undefined,
          fields: fields.map((f) => ({ label: l(f.label, f.key), value: displayText(f, r, f.key, lang) || '—' })),
          onOpen: () => onOpen(r),
          attrs: { 'data-row': r.id },
        };
      })}
    />
  );
}
