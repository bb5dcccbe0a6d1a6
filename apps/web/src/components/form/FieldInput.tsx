import { memo, useState } from 'react';
import { Button, DatePicker, Input, InputNumber, Select, Switch, TreeSelect, Upload } from 'antd';
import { UploadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { itemsOf, localize, type Field, type Lang, type OrgUnit } from '@crm/shared';
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
  switch (field.type) {
    case 'textarea':
      return <Input.TextArea {...common} autoSize={{ minRows: 2, maxRows: 8 }} value={str(value)} maxLength={field.options?.maxLength} onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)} />;
    case 'integer':
      return <InputNumber {...common} style={{ width: '100%' }} precision={0} value={value as number | null} onChange={(v) => onChange(v ?? undefined)} />;
    case 'decimal':
    case 'money':
    case 'percent':
      return (
        <Input
          {...common}
          inputMode="decimal"
          prefix={field.type === 'money' ? (field.options?.currency === 'USD' ? '$' : '¥') : undefined}
          suffix={field.type === 'percent' ? '%' : undefined}
          value={str(value)}
          onChange={(e) => onChange(e.target.value.trim() === '' ? undefined : e.target.value.trim())}
        />
      );
    case 'boolean':
      return <Switch id={id} disabled={disabled} checked={value === true} onChange={(v) => onChange(v)} />;
    case 'date':
      return <DatePicker {...common} style={{ width: '100%' }} value={value ? dayjs(String(value)) : null} onChange={(d) => onChange(d ? d.format('YYYY-MM-DD') : undefined)} />;
    case 'datetime':
      return <DatePicker {...common} showTime style={{ width: '100%' }} value={value ? dayjs(String(value)) : null} onChange={(d) => onChange(d ? d.format('YYYY-MM-DDTHH:mm:ssZ') : undefined)} />;
    case 'select':
      return (
        <Select {...common} allowClear style={{ width: '100%' }} value={(value as string) ?? undefined} onChange={(v) => onChange(v ?? undefined)}
          options={(field.options?.choices ?? []).map((c) => ({ value: c.value, label: localize(c.label, lang) }))} />
      );
    case 'multiselect':
      return (
        <Select {...common} mode="multiple" allowClear style={{ width: '100%' }} value={(value as string[]) ?? []} onChange={(v) => onChange(v.length ? v : undefined)}
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
      return <Input {...common} disabled value={str(value)} placeholder={lang === 'en' ? 'Set automatically' : '自动生成'} />;
    case 'phone':
      return <Input {...common} inputMode="tel" maxLength={20} value={str(value)} onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)} />;
    default:
      return <Input {...common} value={str(value)} maxLength={field.options?.maxLength} onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)} />;
  }
});

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
      options={itemsOf(q.data).map((u) => ({ value: u.id, label: u.displayName ? `${u.displayName} (${u.username})` : u.username }))} />
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
  return <TreeSelect {...rest} allowClear treeDefaultExpandAll style={{ width: '100%' }} value={(value as string) ?? undefined} onChange={(v) => onChange(v ?? undefined)} treeData={orgTree(itemsOf(q.data))} />;
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
