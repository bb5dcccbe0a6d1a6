import { useState } from 'react';
import { App, Card, Empty, Tag, Typography } from 'antd';
import type { Field, RecordData } from '@crm/shared';
import { api } from '../../lib/api';
import { useL, useLang, useT } from '../../lib/i18n';
import { displayText } from '../../lib/display';
import { errorText } from '../../components/common';

/**
 * Kanban by a select field: a column per option (with its label, plus 未设置 for records without a
 * value), a card per record. Dropping a card on another column writes the field with the record's
 * version; a refused move (rights, rules, a newer version) snaps back and says why.
 */
export function RecordKanban({ object, field, rows, titleField, cardFields, onOpen, onChanged }: {
  object: string;
  field: Field;
  rows: RecordData[];
  titleField?: string | null;
  cardFields: Field[];
  onOpen(id: string): void;
  onChanged(): void;
}) {
  const t = useT();
  const l = useL();
  const lang = useLang((s) => s.lang);
  const { message } = App.useApp();
  // Moves written (or being written) since the rows were read: the card's column and version meanwhile.
  const [moved, setMoved] = useState<Map<string, { value: unknown; version: number }>>(new Map());
  const [over, setOver] = useState<string | null>(null);
  const choices = field.options?.choices ?? [];
  const columns: { value: unknown; label: string }[] = [
    ...choices.map((c) => ({ value: c.value as unknown, label: typeof c.label === 'string' ? c.label : (c.label[lang] ?? c.label['zh-CN'] ?? String(c.value)) })),
    { value: null, label: t('未设置', 'Not set') },
  ];
  const valueOf = (r: RecordData) => (moved.has(r.id) ? moved.get(r.id)!.value : (r[field.key] ?? null));
  const versionOf = (r: RecordData) => moved.get(r.id)?.version ?? r.version;
  const keyOf = (v: unknown) => (v === null || v === undefined ? '__none' : String(v));

  const move = async (id: string, value: unknown) => {
    const r = rows.find((x) => x.id === id);
    if (!r || keyOf(valueOf(r)) === keyOf(value)) return;
    const before = new Map(moved);
    setMoved(new Map(moved).set(id, { value, version: versionOf(r) }));
    try {
      const saved = await api.records.update(object, id, { [field.key]: value, version: versionOf(r) });
      setMoved((m) => new Map(m).set(id, { value, version: saved.version }));
      onChanged();
    } catch (e) {
      setMoved(before);
      message.error(errorText(e, t));
    }
  };

  const title = (r: RecordData) => (titleField ? displayText(cardFields.find((f) => f.key === titleField), r, titleField, lang) : '') || t('（无标题）', '(untitled)');
  return (
    <div style={{ display: 'flex', gap: 12, overflowX: 'auto', paddingBottom: 8 }} data-testid="kanban">
      {columns.map((c) => {
        const k = keyOf(c.value);
        const cards = rows.filter((r) => keyOf(valueOf(r)) === k);
        return (
          <div key={k} data-testid={`kanban-column-${k}`} onDragOver={(e) => { e.preventDefault(); setOver(k); }} onDragLeave={() => setOver(null)}
            onDrop={(e) => { e.preventDefault(); setOver(null); void move(e.dataTransfer.getData('text/plain'), c.value); }}
            style={{ flex: '0 0 260px', background: over === k ? '#e6f4ff' : '#f5f5f5', borderRadius: 8, padding: 8, minHeight: 240 }}>
            <div style={{ display: 'flex', justifyContent: 'space-between', marginBottom: 8 }}>
              <Typography.Text strong>{c.label}</Typography.Text>
              <Tag>{cards.length}</Tag>
            </div>
            {cards.length === 0 && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('拖动卡片到这里', 'Drop cards here')} />}
            {cards.map((r) => (
              <Card key={r.id} size="small" hoverable draggable data-card={r.id} style={{ marginBottom: 8, cursor: 'grab' }}
                onDragStart={(e) => { e.dataTransfer.setData('text/plain', r.id); e.dataTransfer.effectAllowed = 'move'; }}
                onClick={() => onOpen(r.id)}>
                <Typography.Text strong ellipsis style={{ display: 'block' }}>{title(r)}</Typography.Text>
                {cardFields.filter((f) => f.key !== titleField && f.key !== field.key).slice(0, 3).map((f) => {
                  const text = displayText(f, r, f.key, lang);
                  return text ? <div key={f.key} style={{ fontSize: 12, color: '#666' }}>{l(f.label, f.key)}：{text}</div> : null;
                })}
              </Card>
            ))}
          </div>
        );
      })}
    </div>
  );
}
