import { Fragment, memo, useState } from 'react';
import { Button, DatePicker, Input, Select, TreeSelect, Upload } from 'antd';
import { UploadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { localize, type Field, type Lang, type OrgUnit } from '@crm/shared';
import { api } from '../../lib/api';
import { fieldType, isFieldType, type DisplayKey } from '@crm/form-engine';
import { isWidgetKey, type WidgetKey } from './widget-keys';

export interface FieldInputProps {
  field: Field;
  value: unknown;
  onChange(value: unknown): void;
  disabled?: boolean;
  placeholder?: string;
  lang: Lang;
  id?: string;
  status?: 'error';
}

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

interface WidgetProps {
  field: Field;
  value: unknown;
  onChange(value: unknown): void;
  lang: Lang;
  id?: string;
  disabled?: boolean;
  /** What every input takes: id, disabled, status, placeholder, aria-label. */
  common: { id?: string; disabled?: boolean; status?: 'error'; placeholder?: string; 'aria-label': string };
  /** onChange for plain text: an empty input is no value. */
  text(v: string): void;
}

/**
 * The input components by widget key. A field type's web descriptor (@crm/form-engine field-types)
 * names its widget; a new kind of input is one entry here.
 */
const WIDGETS: Record<WidgetKey, (p: WidgetProps) => React.ReactNode> = {
  text: ({ field, value, common, text }) => <LightInput {...common} value={str(value)} maxLength={field.options?.maxLength} onText={text} />,
  textarea: ({ field, value, common, text }) => <LightInput {...common} multiline value={str(value)} maxLength={field.options?.maxLength} onText={text} />,
  // Anything typed is passed on: the engine says, in the user's language, when it is not a whole number.
  integer: ({ value, common, onChange }) => <LightInput {...common} inputMode="numeric" value={str(value)} onText={(v) => onChange(v.trim() === '' ? undefined : /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : v)} />,
  decimal: ({ field, value, common, onChange }) => (
    <LightInput {...common} inputMode="decimal" value={str(value)} onText={(v) => onChange(v.trim() === '' ? undefined : v.trim())}
      prefix={field.type === 'money' ? (field.options?.currency === 'USD' ? '$' : '¥') : undefined}
      suffix={field.type === 'percent' ? '%' : undefined} />
  ),
  switch: ({ id, disabled, value, onChange, common, lang }) => <LightSwitch id={id} disabled={disabled} checked={value === true} onChange={(v) => onChange(v)} label={common['aria-label']} lang={lang} />,
  date: ({ field, value, onChange, common, lang }) => (
    <LazyWidget {...common} shown={value ? (field.type === 'date' ? String(value) : dayjs(String(value)).format('YYYY-MM-DD HH:mm')) : ''} lang={lang}>
      {(auto) => <DatePicker {...common} autoFocus={auto} defaultOpen={auto} showTime={field.type === 'datetime'} style={{ width: '100%' }} value={value ? dayjs(String(value)) : null}
        onChange={(d) => onChange(d ? (field.type === 'date' ? d.format('YYYY-MM-DD') : d.format('YYYY-MM-DDTHH:mm:ssZ')) : undefined)} />}
    </LazyWidget>
  ),
  select: ({ field, value, onChange, common, lang }) => (
    <LazyWidget {...common} shown={localize(field.options?.choices?.find((c) => c.value === value)?.label, lang) || str(value)} lang={lang}>
      {(auto) => <Select {...common} autoFocus={auto} defaultOpen={auto} allowClear showSearch optionFilterProp="label" style={{ width: '100%' }} value={(value as string) ?? undefined} onChange={(v) => onChange(v ?? undefined)}
        options={(field.options?.choices ?? []).map((c) => ({ value: c.value, label: localize(c.label, lang) }))} />}
    </LazyWidget>
  ),
  multiselect: ({ field, value, onChange, common, lang }) => (
    <Select {...common} mode="multiple" allowClear optionFilterProp="label" style={{ width: '100%' }} value={(value as string[]) ?? []} onChange={(v) => onChange(v.length ? v : undefined)}
      options={(field.options?.choices ?? []).map((c) => ({ value: c.value, label: localize(c.label, lang) }))} />
  ),
  tags: ({ value, onChange, common }) => <Select {...common} mode="tags" style={{ width: '100%' }} value={(value as string[]) ?? []} onChange={(v) => onChange(v.length ? v : undefined)} />,
  relation: ({ field, value, onChange, common, lang }) => <RelationInput {...common} field={field} value={value} onChange={onChange} lang={lang} />,
  user: ({ value, onChange, common }) => <UserInput {...common} value={value} onChange={onChange} />,
  org_unit: ({ value, onChange, common }) => <OrgUnitInput {...common} value={value} onChange={onChange} />,
  attachment: ({ value, onChange, disabled, lang }) => <AttachmentInput disabled={disabled} value={value} onChange={onChange} lang={lang} />,
  json: ({ value, onChange, common }) => <JsonInput {...common} value={value} onChange={onChange} />,
  readonly: ({ value, common, lang }) => <LightInput {...common} disabled value={str(value)} placeholder={lang === 'en' ? 'Set automatically' : '自动生成'} onText={() => undefined} />,
  phone: ({ value, common, text }) => <LightInput {...common} inputMode="tel" maxLength={20} value={str(value)} onText={text} />,
  email: ({ value, common, text }) => <LightInput {...common} inputMode="email" value={str(value)} onText={text} />,
};

/** The widget of a field's type; a type this build does not know is shown, never edited. */
function widgetOf(type: string): (p: WidgetProps) => React.ReactNode {
  const key = isFieldType(type) ? fieldType(type).web.widget : 'readonly';
  return WIDGETS[isWidgetKey(key) ? key : 'readonly'];
}

/** One input per field type; values in the API's wire format (money as strings, dates as YYYY-MM-DD, …). */
export const FieldInput = memo(function FieldInput({ field, value, onChange, disabled, placeholder, lang, id, status }: FieldInputProps) {
  const common = { id, disabled, status, placeholder, 'aria-label': localize(field.label, lang) };
  const text = (v: string) => onChange(v === '' ? undefined : v);
  const Widget = widgetOf(field.type);
  return <>{Widget({ field, value, onChange, lang, id, disabled, common, text })}</>;
});

/** A switch drawn with CSS on a native checkbox (keyboard and screen readers as usual). */
function LightSwitch({ id, checked, onChange, disabled, label, lang }: { id?: string; checked: boolean; onChange(v: boolean): void; disabled?: boolean; label?: string; lang: Lang }) {
  return (
    <label className={`ls${checked ? ' ls-on' : ''}${disabled ? ' ls-disabled' : ''}`}>
      <input id={id} type="checkbox" role="switch" checked={checked} disabled={disabled} aria-label={label} onChange={(e) => onChange(e.target.checked)} />
      <span className="ls-track"><span className="ls-knob" /></span>
      <span className="ls-text">{checked ? (lang === 'en' ? 'Yes' : '是') : (lang === 'en' ? 'No' : '否')}</span>
    </label>
  );
}

interface LightProps {
  id?: string;
  value: string;
  onText(v: string): void;
  disabled?: boolean;
  status?: 'error';
  placeholder?: string;
  prefix?: string;
  suffix?: string;
  inputMode?: 'numeric' | 'decimal' | 'tel' | 'email' | 'text';
  maxLength?: number;
  multiline?: boolean;
  'aria-label'?: string;
}

/**
 * A plain input drawn like antd's: hundreds of them on one form cost little to mount and to update,
 * where each antd Input carries its own style registration and wrappers.
 */
export function LightInput({ id, value, onText, disabled, status, placeholder, prefix, suffix, inputMode, maxLength, multiline, ...aria }: LightProps) {
  const cls = `li${status ? ' li-error' : ''}${disabled ? ' li-disabled' : ''}${multiline ? ' li-multi' : ''}`;
  const input = multiline
    ? <textarea id={id} className="li-input" rows={2} value={value} disabled={disabled} placeholder={placeholder} maxLength={maxLength} aria-invalid={!!status} aria-label={aria['aria-label']} onChange={(e) => onText(e.target.value)} />
    : <input id={id} className="li-input" value={value} disabled={disabled} placeholder={placeholder} maxLength={maxLength} inputMode={inputMode} aria-invalid={!!status} aria-label={aria['aria-label']} onChange={(e) => onText(e.target.value)} />;
  return (
    <span className={cls}>
      {prefix && <span className="li-affix">{prefix}</span>}
      {input}
      {suffix && <span className="li-affix">{suffix}</span>}
    </span>
  );
}

/**
 * Heavy widgets (select, date picker) mount on first use: until then a light box shows the value.
 * A 500-field form thus paints at once and each widget is still the full antd one when touched.
 */
function LazyWidget({ id, shown, disabled, status, placeholder, lang, children, ...aria }: { id?: string; shown: string; disabled?: boolean; status?: 'error'; placeholder?: string; lang: Lang; children(autoOpen: boolean): React.ReactNode; 'aria-label'?: string }) {
  const [active, setActive] = useState<null | boolean>(null);
  // Remounts when a click follows the hover, so that the widget opens (defaultOpen applies at mount).
  if (active !== null) return <Fragment key={String(active)}>{children(active)}</Fragment>;
  return (
    <span className={`li li-lazy${status ? ' li-error' : ''}${disabled ? ' li-disabled' : ''}`}>
      <input id={id} className="li-input" readOnly value={shown} disabled={disabled} placeholder={placeholder ?? (lang === 'en' ? 'Select' : '请选择')} aria-label={aria['aria-label']} aria-invalid={!!status}
        onFocus={() => setActive(true)} onPointerDown={(e) => { e.preventDefault(); setActive(true); }} />
      <span className="li-arrow" aria-hidden>▾</span>
    </span>
  );
}

function recordTitle(r: Record<string, unknown>): string {
  for (const k of ['name', 'title', 'full_name', 'customer_name', 'subject', 'code', 'no']) if (typeof r[k] === 'string' && r[k]) return r[k] as string;
  const firstText = Object.entries(r).find(([k, v]) => typeof v === 'string' && v && !/(^id$|_id$|_at$|_by$)/.test(k));
  return firstText ? String(firstText[1]) : String(r.id ?? '');
}

function RelationInput({ field, value, onChange, lang, ...rest }: { field: Field; value: unknown; onChange(v: unknown): void; lang: Lang; id?: string; disabled?: boolean; status?: 'error'; placeholder?: string }) {
  const [open, setOpen] = useState(false);
  const q = useQuery({ queryKey: ['records', field.target, 'pick'], queryFn: () => api.records.list(field.target!, { limit: 200, sort: '-updated_at' }), enabled: !!field.target && (open || !!value) });
  const opts = (q.data?.items ?? []).map((r) => ({ value: r.id, label: recordTitle(r) }));
  // A value beyond the first page (prefilled from a link, an older record) is read on its own: its title, never its id.
  const missing = !!value && !!q.data && !opts.some((o) => o.value === value);
  const one = useQuery({ queryKey: ['records', field.target, 'one', value, 'title'], queryFn: () => api.records.get(field.target!, String(value)), enabled: missing && !!field.target, retry: false });
  if (value && !opts.some((o) => o.value === value)) opts.unshift({ value: String(value), label: one.data ? recordTitle(one.data) : one.error ? (lang === 'en' ? 'Restricted' : '受限') : '…' });
  return (
    <Select {...rest} showSearch optionFilterProp="label" allowClear style={{ width: '100%' }} loading={q.isLoading} onOpenChange={setOpen}
      notFoundContent={q.error ? (q.error as Error).message : undefined}
      value={(value as string) ?? undefined} onChange={(v) => onChange(v ?? undefined)} options={opts}
      aria-label={localize(field.label, lang)} />
  );
}

function UserInput({ value, onChange, ...rest }: { value: unknown; onChange(v: unknown): void; id?: string; disabled?: boolean; status?: 'error'; placeholder?: string }) {
  const q = useQuery({ queryKey: ['directory', 'users'], queryFn: () => api.admin.directory({ limit: 200 }) });
  if (q.error) return <Input {...rest} value={str(value)} onChange={(e) => onChange(e.target.value || undefined)} />;
  return (
    <Select {...rest} showSearch optionFilterProp="label" allowClear style={{ width: '100%' }} loading={q.isLoading} value={(value as string) ?? undefined} onChange={(v) => onChange(v ?? undefined)}
      options={(q.data ?? []).map((u) => ({ value: u.id, label: u.displayName ? `${u.displayName} (${u.username})` : u.username }))} />
  );
}

export function orgTree(units: OrgUnit[]) {
  type Node = { value: string; title: string; key: string; children: Node[] };
  const byId = new Map<string, Node>(units.map((u) => [u.id, { value: u.id, key: u.id, title: u.name, children: [] }]));
  const roots: Node[] = [];
  for (const u of units) {
    const n = byId.get(u.id)!;
    const parent = u.parentId ? byId.get(u.parentId) : undefined;
    if (parent) parent.children.push(n);
    else roots.push(n);
  }
  return roots;
}

function OrgUnitInput({ value, onChange, ...rest }: { value: unknown; onChange(v: unknown): void; id?: string; disabled?: boolean; status?: 'error'; placeholder?: string }) {
  const q = useQuery({ queryKey: ['admin', 'org-units'], queryFn: () => api.admin.listOrgUnits() });
  if (q.error) return <Input {...rest} value={str(value)} onChange={(e) => onChange(e.target.value || undefined)} />;
  return <TreeSelect {...rest} allowClear treeDefaultExpandAll style={{ width: '100%' }} value={(value as string) ?? undefined} onChange={(v) => onChange(v ?? undefined)} treeData={orgTree((q.data ?? []))} />;
}

function AttachmentInput({ value, onChange, disabled, lang }: { value: unknown; onChange(v: unknown): void; disabled?: boolean; lang: Lang }) {
  const [busy, setBusy] = useState(false);
  const [name, setName] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  return (
    <div>
      <Upload
        disabled={disabled}
        showUploadList={false}
        beforeUpload={(file) => {
          setBusy(true);
          setErr(null);
          api.files.upload(file, file.name).then((f) => { setName(f.name); onChange(f.id); }, (e) => setErr((e as Error).message)).finally(() => setBusy(false));
          return false;
        }}
      >
        <Button icon={<UploadOutlined />} loading={busy} disabled={disabled}>{lang === 'en' ? 'Upload file' : '上传文件'}</Button>
      </Upload>
      {(name || value) ? <span style={{ marginLeft: 8, color: '#666' }}>{name ?? String(value)}</span> : null}
      {err && <div style={{ color: '#cf1322' }}>{err}</div>}
    </div>
  );
}

function JsonInput({ value, onChange, ...rest }: { value: unknown; onChange(v: unknown): void; id?: string; disabled?: boolean; status?: 'error'; placeholder?: string }) {
  const [text, setText] = useState(() => (value === undefined ? '' : JSON.stringify(value, null, 2)));
  const [bad, setBad] = useState(false);
  return (
    <Input.TextArea
      {...rest}
      status={bad ? 'error' : rest.status}
      style={{ fontFamily: 'monospace' }}
      autoSize={{ minRows: 2, maxRows: 10 }}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        if (e.target.value.trim() === '') { setBad(false); onChange(undefined); return; }
        try { onChange(JSON.parse(e.target.value)); setBad(false); } catch { setBad(true); }
      }}
    />
  );
}

const asText = (value: unknown) => (typeof value === 'object' ? JSON.stringify(value) : String(value));

/** Text renderings of stored values, by the display key of the field type's web descriptor. */
const DISPLAYS: Record<DisplayKey, (field: Field, value: unknown, lang: Lang) => string> = {
  plain: (_f, value) => asText(value),
  yes_no: (_f, value, lang) => (value ? (lang === 'en' ? 'Yes' : '是') : (lang === 'en' ? 'No' : '否')),
  choice: (field, value, lang) => {
    const c = field.options?.choices?.find((x) => x.value === value);
    return c ? localize(c.label, lang) : String(value);
  },
  choices: (field, value, lang) =>
    (Array.isArray(value) ? value : [value]).map((v) => localize(field.options?.choices?.find((x) => x.value === v)?.label, lang) || String(v)).join('、'),
  money: (_f, value) => {
    const n = Number(value);
    return Number.isFinite(n) ? `¥${n.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}` : String(value);
  },
  percent: (_f, value) => `${String(value)}%`,
  datetime: (_f, value) => dayjs(String(value)).format('YYYY-MM-DD HH:mm'),
  json: (_f, value) => JSON.stringify(value),
};

/** A read-only rendering of a stored value. */
export function formatValue(field: Field | undefined, value: unknown, lang: Lang): string {
  if (value === undefined || value === null || value === '') return '';
  if (!field || !isFieldType(field.type)) return asText(value);
  return DISPLAYS[fieldType(field.type).web.display ?? 'plain'](field, value, lang);
}
