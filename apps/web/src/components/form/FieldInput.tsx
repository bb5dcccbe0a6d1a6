import { Fragment, memo, useState } from 'react';
import { Button, DatePicker, Input, Select, TreeSelect, Upload } from 'antd';
import { UploadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { localize, type Field, type Lang, type OrgUnit } from '@crm/shared';
import { api } from '../../lib/api';

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

/** One input per field type; values in the API's wire format (money as strings, dates as YYYY-MM-DD, …). */
export const FieldInput = memo(function FieldInput({ field, value, onChange, disabled, placeholder, lang, id, status }: FieldInputProps) {
  const common = { id, disabled, status, placeholder, 'aria-label': localize(field.label, lang) };
  const text = (v: string) => onChange(v === '' ? undefined : v);
  switch (field.type) {
    case 'textarea':
      return <LightInput {...common} multiline value={str(value)} maxLength={field.options?.maxLength} onText={text} />;
    case 'integer':
      // Anything typed is passed on: the engine says, in the user's language, when it is not a whole number.
      return <LightInput {...common} inputMode="numeric" value={str(value)} onText={(v) => onChange(v.trim() === '' ? undefined : /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : v)} />;
    case 'decimal':
    case 'money':
    case 'percent':
      return (
        <LightInput {...common} inputMode="decimal" value={str(value)} onText={(v) => onChange(v.trim() === '' ? undefined : v.trim())}
          prefix={field.type === 'money' ? (field.options?.currency === 'USD' ? '$' : '¥') : undefined}
          suffix={field.type === 'percent' ? '%' : undefined} />
      );
    case 'boolean':
      return <LightSwitch id={id} disabled={disabled} checked={value === true} onChange={(v) => onChange(v)} label={common['aria-label']} lang={lang} />;
    case 'date':
    case 'datetime':
      return <LazyWidget {...common} shown={value ? (field.type === 'date' ? String(value) : dayjs(String(value)).format('YYYY-MM-DD HH:mm')) : ''} lang={lang}>
        {(auto) => <DatePicker {...common} autoFocus={auto} defaultOpen={auto} showTime={field.type === 'datetime'} style={{ width: '100%' }} value={value ? dayjs(String(value)) : null}
          onChange={(d) => onChange(d ? (field.type === 'date' ? d.format('YYYY-MM-DD') : d.format('YYYY-MM-DDTHH:mm:ssZ')) : undefined)} />}
      </LazyWidget>;
    case 'select':
      return <LazyWidget {...common} shown={localize(field.options?.choices?.find((c) => c.value === value)?.label, lang) || str(value)} lang={lang}>
        {(auto) => <Select {...common} autoFocus={auto} defaultOpen={auto} allowClear showSearch optionFilterProp="label" style={{ width: '100%' }} value={(value as string) ?? undefined} onChange={(v) => onChange(v ?? undefined)}
          options={(field.options?.choices ?? []).map((c) => ({ value: c.value, label: localize(c.label, lang) }))} />}
      </LazyWidget>;
    case 'multiselect':
      return (
        <Select {...common} mode="multiple" allowClear optionFilterProp="label" style={{ width: '100%' }} value={(value as string[]) ?? []} onChange={(v) => onChange(v.length ? v : undefined)}
          options={(field.options?.choices ?? []).map((c) => ({ value: c.value, label: localize(c.label, lang) }))} />
      );
    case 'tags':
      return <Select {...common} mode="tags" style={{ width: '100%' }} value={(value as string[]) ?? []} onChange={(v) => onChange(v.length ? v : undefined)} />;
    case 'relation':
      return <RelationInput {...common} field={field} value={value} onChange={onChange} lang={lang} />;
    case 'user':
      return <UserInput {...common} value={value} onChange={onChange} />;
    case 'org_unit':
      return <OrgUnitInput {...common} value={value} onChange={onChange} />;
    case 'attachment':
      return <AttachmentInput disabled={disabled} value={value} onChange={onChange} lang={lang} />;
    case 'json':
      return <JsonInput {...common} value={value} onChange={onChange} />;
    case 'computed':
    case 'auto_number':
      return <LightInput {...common} disabled value={str(value)} placeholder={lang === 'en' ? 'Set automatically' : '自动生成'} onText={() => undefined} />;
    case 'phone':
      return <LightInput {...common} inputMode="tel" maxLength={20} value={str(value)} onText={text} />;
    case 'email':
      return <LightInput {...common} inputMode="email" value={str(value)} onText={text} />;
    default:
      return <LightInput {...common} value={str(value)} maxLength={field.options?.maxLength} onText={text} />;
  }
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
  if (value && !opts.some((o) => o.value === value)) opts.unshift({ value: String(value), label: String(value) });
  return (
    <Select {...rest} showSearch optionFilterProp="label" allowClear style={{ width: '100%' }} loading={q.isLoading} onOpenChange={setOpen}
      notFoundContent={q.error ? (q.error as Error).message : undefined}
      value={(value as string) ?? undefined} onChange={(v) => onChange(v ?? undefined)} options={opts}
      aria-label={localize(field.label, lang)} />
  );
}

function UserInput({ value, onChange, ...rest }: { value: unknown; onChange(v: unknown): void; id?: string; disabled?: boolean; status?: 'error'; placeholder?: string }) {
  const q = useQuery({ queryKey: ['admin', 'users'], queryFn: () => api.admin.listUsers() });
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

/** A read-only rendering of a stored value. */
export function formatValue(field: Field | undefined, value: unknown, lang: Lang): string {
  if (value === undefined || value === null || value === '') return '';
  if (!field) return typeof value === 'object' ? JSON.stringify(value) : String(value);
  switch (field.type) {
    case 'boolean':
      return value ? (lang === 'en' ? 'Yes' : '是') : (lang === 'en' ? 'No' : '否');
    case 'select': {
      const c = field.options?.choices?.find((x) => x.value === value);
      return c ? localize(c.label, lang) : String(value);
    }
    case 'multiselect':
    case 'tags':
      return (Array.isArray(value) ? value : [value]).map((v) => localize(field.options?.choices?.find((x) => x.value === v)?.label, lang) || String(v)).join('、');
    case 'money': {
      const n = Number(value);
      return Number.isFinite(n) ? `¥${n.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}` : String(value);
    }
    case 'percent':
      return `${value}%`;
    case 'datetime':
      return dayjs(String(value)).format('YYYY-MM-DD HH:mm');
    case 'json':
      return JSON.stringify(value);
    default:
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}
