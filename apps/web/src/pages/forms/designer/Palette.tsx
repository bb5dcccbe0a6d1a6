import type { KeyboardEvent, ReactNode } from 'react';
import { useDrag } from 'react-dnd';
import { AppstoreOutlined, BorderOuterOutlined, ColumnWidthOutlined, FieldStringOutlined, OrderedListOutlined, PlusSquareOutlined, TableOutlined } from '@ant-design/icons';
import type { Field } from '@crm/shared';
import { useL, useT } from '../../../lib/i18n';
import { paletteGroups, typeLabel } from '../../../lib/fieldTypes';
import { DND, type PaletteItem } from './Canvas';

function Item({ item, children, used, onAdd, testId }: { item: PaletteItem; children: ReactNode; used?: boolean; onAdd(item: PaletteItem): void; testId: string }) {
  const [, drag] = useDrag(() => ({ type: DND.PALETTE, item: { item } }), [item]);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onAdd(item); }
  };
  return (
    <div ref={(el) => { drag(el); }} className={`fd-palette-item${used ? ' used' : ''}`} tabIndex={0} role="button" onKeyDown={onKey} onDoubleClick={() => onAdd(item)} data-palette={testId}>
      {children}
    </div>
  );
}

export function Palette({ fields, placed, onAdd }: { fields: Field[]; placed: Set<string>; onAdd(item: PaletteItem): void }) {
  const t = useT();
  const l = useL();
  const blocks: { block: 'section' | 'columns' | 'tabs' | 'steps' | 'group'; icon: ReactNode; label: [string, string] }[] = [
    { block: 'section', icon: <BorderOuterOutlined />, label: ['分区', 'Section'] },
    { block: 'columns', icon: <ColumnWidthOutlined />, label: ['多列', 'Columns'] },
    { block: 'tabs', icon: <AppstoreOutlined />, label: ['标签页', 'Tabs'] },
    { block: 'steps', icon: <OrderedListOutlined />, label: ['分步向导', 'Steps'] },
    { block: 'group', icon: <TableOutlined />, label: ['明细（重复组）', 'Repeating group'] },
  ];
  return (
    <div className="fd-palette" aria-label={t('组件库', 'Palette')} data-testid="palette">
      <div className="fd-group-title">{t('布局', 'Layout')}</div>
      {blocks.map((b) => (
        <Item key={b.block} item={{ kind: 'block', block: b.block }} onAdd={onAdd} testId={`block:${b.block}`}>{b.icon} {t(...b.label)}</Item>
      ))}
      <div className="fd-group-title">{t('对象字段', 'Object fields')}</div>
      {fields.length === 0 && <div style={{ fontSize: 12, color: '#a0a6b4' }}>{t('对象还没有字段：从下方拖入字段类型新建。', 'No fields yet: drag a type below to create one.')}</div>}
      {fields.map((f) => (
        <Item key={f.key} item={{ kind: 'existing', field: f.key }} used={placed.has(f.key)} onAdd={onAdd} testId={`field:${f.key}`}>
          <FieldStringOutlined /> <span style={{ flex: 1, overflow: 'hidden', textOverflow: 'ellipsis' }}>{l(f.label, f.key)}</span>
          <span style={{ fontSize: 11, color: '#a0a6b4' }}>{t(...typeLabel(f.type))}</span>
        </Item>
      ))}
      {paletteGroups().map((g) => (
        <div key={g.label[0]}>
          <div className="fd-group-title">{t('新建字段 · ', 'New field · ')}{t(...g.label)}</div>
          {g.types.map((ty) => (
            <Item key={ty} item={{ kind: 'type', fieldType: ty }} onAdd={onAdd} testId={`type:${ty}`}>
              <PlusSquareOutlined /> {t(...typeLabel(ty))}
            </Item>
          ))}
        </div>
      ))}
    </div>
  );
}
