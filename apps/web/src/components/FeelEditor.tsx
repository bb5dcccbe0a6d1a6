/**
 * Conditions without code: a FEEL editor that completes field keys (typed by key or by Chinese label)
 * and checks as you type with the same semantic check the server runs (unknown names, labels used as
 * names, full-width operators, wrong types — in Chinese), and a visual condition builder (field,
 * operator by type, value; and / or) that writes the FEEL.
 */
import { useMemo, useState } from 'react';
import { AutoComplete, Button, Input, InputNumber, Radio, Select, Space, Tag } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { analyzeFeel, type FeelIssue } from '@crm/feel';
import { feelNamesOf } from '@crm/form-engine';
import type { Field } from '@crm/shared';
import { useL, useLang, useT } from '../lib/i18n';

/** Problems of an expression over these fields, in the user's language. */
export function useFeelIssues(value: string, fields: readonly Field[] | undefined, allowUnknown = false): FeelIssue[] {
  return useMemo(() => (value.trim() ? analyzeFeel(value, { names: feelNamesOf((fields ?? []) as never[]), allowUnknown: allowUnknown || !fields }) : []), [value, fields, allowUnknown]);
}

export function FeelEditor({ value, onChange, fields, placeholder, testId, allowUnknown }: {
  value: string; onChange(v: string): void; fields?: readonly Field[]; placeholder?: string; testId?: string; allowUnknown?: boolean;
}) {
  const t = useT();
  const l = useL();
  const lang = useLang((s) => s.lang);
  const issues = useFeelIssues(value, fields, allowUnknown);
  // Completion of the word being typed: by key or by label, inserting the key.
  const word = /([\p{L}_][\p{L}\p{N}_]*)$/u.exec(value)?.[1] ?? '';
  const options = word && fields
    ? fields.filter((f) => f.key.startsWith(word) || l(f.label, f.key).includes(word)).slice(0, 8)
      .map((f) => ({ value: value.slice(0, value.length - word.length) + f.key, label: <span><code>{f.key}</code> <span style={{ color: '#888' }}>{l(f.label, f.key)}</span></span> }))
    : [];
  return (
    <div>
      <AutoComplete value={value} options={options} onChange={(v) => onChange(String(v ?? ''))} style={{ width: '100%' }}>
        <Input
          placeholder={placeholder}
          status={issues.length ? 'error' : undefined}
          style={{ fontFamily: 'monospace' }}
          data-testid={testId}
          suffix={value.trim() ? (issues.length ? <Tag color="red" style={{ marginRight: 0 }}>{t('有误', 'error')}</Tag> : <Tag color="green" style={{ marginRight: 0 }}>{t('正确', 'OK')}</Tag>) : null}
        />
      </AutoComplete>
      {issues.map((i, n) => (
        <div key={n} className="fr-error" data-testid={testId ? `${testId}-error` : undefined}>{i.message[lang === 'en' ? 'en' : 'zh-CN']}</div>
      ))}
    </div>
  );
}

type Kind = 'number' | 'text' | 'date' | 'boolean' | 'choice';
interface Row { field: string; op: string; value: string }

const NUMBER = new Set(['integer', 'decimal', 'money', 'percent']);
function kindOf(f: Field | undefined): Kind {
  if (!f) return 'text';
  if (NUMBER.has(f.type)) return 'number';
  if (f.type === 'date' || f.type === 'datetime') return 'date';
  if (f.type === 'boolean') return 'boolean';
  if (f.type === 'select') return 'choice';
  return 'text';
}

const OPS: Record<Kind, [string, string, string][]> = {
  number: [['>', '大于', 'greater than'], ['>=', '大于等于', 'at least'], ['<', '小于', 'less than'], ['<=', '小于等于', 'at most'], ['=', '等于', 'equals'], ['!=', '不等于', 'differs from'], ['empty', '为空', 'is empty'], ['filled', '不为空', 'is filled']],
  text: [['=', '等于', 'equals'], ['!=', '不等于', 'differs from'], ['contains', '包含', 'contains'], ['empty', '为空', 'is empty'], ['filled', '不为空', 'is filled']],
  choice: [['=', '等于', 'equals'], ['!=', '不等于', 'differs from'], ['empty', '为空', 'is empty'], ['filled', '不为空', 'is filled']],
  date: [['<', '早于', 'before'], ['>', '晚于', 'after'], ['=', '等于', 'on'], ['empty', '为空', 'is empty'], ['filled', '不为空', 'is filled']],
  boolean: [['true', '是', 'is yes'], ['false', '否', 'is no']],
};

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** One row as FEEL (null while incomplete). */
export function rowFeel(f: Field | undefined, r: Row): string | null {
  if (!f || !r.op) return null;
  const k = kindOf(f);
  if (r.op === 'empty') return k === 'text' ? `(${f.key} = null or ${f.key} = "")` : `${f.key} = null`;
  if (r.op === 'filled') return k === 'text' ? `(${f.key} != null and ${f.key} != "")` : `${f.key} != null`;
  if (k === 'boolean') return `${f.key} = ${r.op}`;
  if (r.value === '') return null;
  if (k === 'number') return /^-?\d+(\.\d+)?$/.test(r.value) ? `${f.key} ${r.op} ${r.value}` : null;
  if (k === 'date') return /^\d{4}-\d{2}-\d{2}$/.test(r.value) ? `${f.key} ${r.op} date(${quote(r.value)})` : null;
  if (r.op === 'contains') return `contains(${f.key}, ${quote(r.value)})`;
  return `${f.key} ${r.op} ${quote(r.value)}`;
}

/** Rows joined by and / or, as FEEL. */
export function buildFeel(fields: readonly Field[], rows: Row[], join: 'and' | 'or'): string {
  const parts = rows.map((r) => rowFeel(fields.find((f) => f.key === r.field), r)).filter((s): s is string => !!s);
  return parts.join(` ${join} `);
}

/** The visual builder; `onApply` receives the FEEL it wrote. */
export function ConditionBuilder({ fields, onApply, testId = 'cond' }: { fields: readonly Field[]; onApply(feel: string): void; testId?: string }) {
  const t = useT();
  const l = useL();
  const [rows, setRows] = useState<Row[]>([{ field: '', op: '', value: '' }]);
  const [join, setJoin] = useState<'and' | 'or'>('and');
  const set = (i: number, patch: Partial<Row>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const feel = buildFeel(fields, rows, join);
  return (
    <div className="cond-builder" data-testid={testId}>
      {rows.length > 1 && (
        <Radio.Group size="small" value={join} onChange={(e) => setJoin(e.target.value)} style={{ marginBottom: 6 }}>
          <Radio.Button value="and">{t('全部满足（并且）', 'All (and)')}</Radio.Button>
          <Radio.Button value="or">{t('任一满足（或者）', 'Any (or)')}</Radio.Button>
        </Radio.Group>
      )}
      {rows.map((r, i) => {
        const f = fields.find((x) => x.key === r.field);
        const k = kindOf(f);
        const needsValue = f && r.op && !['empty', 'filled'].includes(r.op) && k !== 'boolean';
        return (
          <Space key={i} style={{ display: 'flex', marginBottom: 6 }} wrap>
            <Select style={{ width: 150 }} placeholder={t('字段', 'Field')} value={r.field || undefined} showSearch optionFilterProp="label" data-testid={`${testId}-field-${i}`}
              options={fields.map((x) => ({ value: x.key, label: l(x.label, x.key) }))} onChange={(v) => set(i, { field: v, op: '', value: '' })} />
            <Select style={{ width: 110 }} placeholder={t('条件', 'Operator')} value={r.op || undefined} disabled={!f} data-testid={`${testId}-op-${i}`}
              options={OPS[k].map(([v, zh, en]) => ({ value: v, label: t(zh, en) }))} onChange={(v) => set(i, { op: v })} />
            {needsValue && (k === 'number'
              ? <InputNumber style={{ width: 150 }} value={r.value === '' ? null : r.value} stringMode onChange={(v) => set(i, { value: v == null ? '' : String(v) })} data-testid={`${testId}-value-${i}`} />
              : k === 'choice'
                ? <Select style={{ width: 150 }} value={r.value || undefined} onChange={(v) => set(i, { value: v })} options={(f!.options?.choices ?? []).map((c) => ({ value: c.value, label: l(c.label, c.value) }))} data-testid={`${testId}-value-${i}`} />
                : <Input style={{ width: 150 }} value={r.value} placeholder={k === 'date' ? 'YYYY-MM-DD' : ''} onChange={(e) => set(i, { value: e.target.value })} data-testid={`${testId}-value-${i}`} />)}
            {rows.length > 1 && <Button size="small" type="text" icon={<DeleteOutlined />} onClick={() => setRows(rows.filter((_, j) => j !== i))} />}
          </Space>
        );
      })}
      <Space>
        <Button size="small" icon={<PlusOutlined />} onClick={() => setRows([...rows, { field: '', op: '', value: '' }])}>{t('添加条件', 'Add a condition')}</Button>
        <Button size="small" type="primary" disabled={!feel} onClick={() => onApply(feel)} data-testid={`${testId}-apply`}>{t('生成表达式', 'Write the expression')}</Button>
        {feel && <code style={{ fontSize: 12 }}>{feel}</code>}
      </Space>
    </div>
  );
}
