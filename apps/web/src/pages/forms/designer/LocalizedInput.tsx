import { Input, Space } from 'antd';
import type { LocalizedText } from '@crm/shared';

function parts(v: LocalizedText | undefined): { zh: string; en: string } {
  if (!v) return { zh: '', en: '' };
  if (typeof v === 'string') return { zh: v, en: '' };
  return { zh: v['zh-CN'] ?? '', en: v.en ?? '' };
}

/** Edits a label in Chinese and English side by side. */
export function LocalizedInput({ value, onChange, id, textarea }: { value?: LocalizedText; onChange(v: LocalizedText | undefined): void; id?: string; textarea?: boolean }) {
  const p = parts(value);
  const emit = (zh: string, en: string) => onChange(!zh && !en ? undefined : { 'zh-CN': zh, ...(en ? { en } : {}) });
  if (textarea) {
    return (
      <Space.Compact orientation="vertical" style={{ width: '100%' }}>
        <Input.TextArea id={id} rows={2} value={p.zh} onChange={(e) => emit(e.target.value, p.en)} placeholder="中文" />
        <Input.TextArea rows={2} value={p.en} onChange={(e) => emit(p.zh, e.target.value)} placeholder="English" />
      </Space.Compact>
    );
  }
  return (
    <Space.Compact orientation="vertical" style={{ width: '100%' }}>
      <Input id={id} value={p.zh} onChange={(e) => emit(e.target.value, p.en)} placeholder="中文" prefix={<span style={{ color: '#a0a6b4', fontSize: 11 }}>中</span>} />
      <Input value={p.en} onChange={(e) => emit(p.zh, e.target.value)} placeholder="English" prefix={<span style={{ color: '#a0a6b4', fontSize: 11 }}>EN</span>} />
    </Space.Compact>
  );
}
