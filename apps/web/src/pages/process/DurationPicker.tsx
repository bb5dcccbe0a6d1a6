/**
 * A due date or timer as a number of 天/小时/分钟 instead of a typed ISO 8601 duration (P3D, PT4H,
 * PT30M). A value it did not write (a date, a FEEL expression, P1DT2H) stays editable as text beside it.
 */
import { InputNumber, Select, Space } from 'antd';
import { useT } from '../../lib/i18n';

const UNITS = [
  { unit: 'D', zh: '天', en: 'days', iso: (n: number) => `P${n}D` },
  { unit: 'H', zh: '小时', en: 'hours', iso: (n: number) => `PT${n}H` },
  { unit: 'M', zh: '分钟', en: 'minutes', iso: (n: number) => `PT${n}M` },
] as const;
type Unit = (typeof UNITS)[number]['unit'];

/** `P3D` → 3 天, `PT4H` → 4 小时, `PT30M` → 30 分钟; anything else: null. */
export function simpleDuration(value: string): { n: number; unit: Unit } | null {
  const m = /^P(?:(\d+)D|T(\d+)([HM]))$/.exec(value.trim());
  if (!m) return null;
  return m[1] ? { n: Number(m[1]), unit: 'D' } : { n: Number(m[2]), unit: m[3] as Unit };
}

export function durationOf(n: number, unit: Unit): string {
  return UNITS.find((u) => u.unit === unit)!.iso(n);
}

export function DurationPicker({ value, onChange, testId }: { value: string; onChange(v: string | undefined): void; testId?: string }) {
  const t = useT();
  const d = simpleDuration(value);
  const unit = d?.unit ?? 'D';
  return (
    <Space.Compact data-testid={testId}>
      <InputNumber min={1} max={100000} precision={0} style={{ width: 90 }} value={d?.n ?? null} placeholder={value && !d ? t('自定义', 'custom') : '3'}
        onChange={(n) => onChange(n ? durationOf(Number(n), unit) : undefined)} />
      <Select style={{ width: 90 }} value={unit} onChange={(u: Unit) => onChange(durationOf(d?.n ?? 1, u))}
        options={UNITS.map((u) => ({ value: u.unit, label: t(u.zh, u.en) }))} />
    </Space.Compact>
  );
}
