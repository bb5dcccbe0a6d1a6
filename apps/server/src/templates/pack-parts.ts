/**
 * The parts of a solution pack as the three-way upgrade sees them: each part's key and its canonical
 * JSON, built the same way from the bundle (what the pack installs) and from what is stored (what the
 * bank has), so an untouched part has the same fingerprint on both sides.
 */
import { FeelDecimal, feelNumber } from '@crm/feel';
import type { FieldDef, LocalizedText } from '@crm/form-engine';
import { ensureDiagram, parseDmn } from '@crm/workflow-engine';
import { DashboardBody, ReportBody } from '@crm/shared';
import { fingerprint } from './three-way.js';
import type { LoadedTemplate } from './template-loader.js';
import type { TemplateBundle } from './template.types.js';

type Trigger = TemplateBundle['triggers'][number];

export const partKey = {
  object: (o: string) => `object:${o}`,
  field: (o: string, f: string) => `field:${o}.${f}`,
  form: (f: string) => `form:${f}`,
  decision: (d: string) => `decision:${d}`,
  process: (p: string) => `process:${p}`,
  trigger: (t: Trigger) => `trigger:${t.object}.${t.on}:${t.processKey}:${fingerprint(t.condition ?? null).slice(0, 12)}`,
  record: (o: string, businessKey: unknown) => `record:${o}:${String(businessKey)}`,
  report: (r: string) => `report:${r}`,
  dashboard: (d: string) => `dashboard:${d}`,
};

/** A report or dashboard definition as saved (zod defaults filled), without its version stamp. */
export function definitionCanon(def: Record<string, unknown>): Record<string, unknown> {
  const { version: _v, updatedAt: _u, ...rest } = def;
  return rest;
}

export function objectCanon(o: { label: LocalizedText; description?: string | null; app?: string | null; icon?: string | null; titleField?: string | null; subjectField?: string | null }) {
  // The subject declaration (PIPL) is named only when set, so the canon of an object without one is what earlier versions recorded.
  return { label: o.label, description: o.description ?? null, app: o.app ?? null, icon: o.icon ?? null, titleField: o.titleField ?? null, ...(o.subjectField ? { subjectField: o.subjectField } : {}) };
}

/** A field's definition without defaults, so a stored field and the pack's compare equal. */
export function fieldCanon(f: FieldDef): Record<string, unknown> {
  const out: Record<string, unknown> = { key: f.key, label: f.label, type: f.type };
  if (f.required) out.required = true;
  if (f.unique) out.unique = true;
  if (f.options && Object.keys(f.options).length) out.options = f.options;
  if (f.default !== undefined && f.default !== null) out.default = f.default;
  if (f.sensitivity) out.sensitivity = f.sensitivity;
  if (f.target) out.target = f.target;
  return out;
}

export function triggerCanon(t: Trigger) {
  return { processKey: t.processKey, object: t.object, on: t.on, condition: t.condition ?? null };
}

export const NUMERIC_TYPES: ReadonlySet<string> = new Set(['integer', 'decimal', 'money', 'percent']);

/** A value as comparable JSON: amounts as normalised decimals ("1.50" = "1.5"), never doubles. */
function valueCanon(f: FieldDef | undefined, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (f && NUMERIC_TYPES.has(f.type)) {
    const d = feelNumber(v);
    return d === null ? String(v) : new FeelDecimal(d).toString();
  }
  return typeof v === 'object' ? v : String(v);
}

/** A seed record's values on the pack's keys, read from `from` (the bundle's item or the stored record). */
export function recordCanon(fields: ReadonlyMap<string, FieldDef>, keys: readonly string[], from: Record<string, unknown>) {
  return Object.fromEntries(keys.map((k) => [k, valueCanon(fields.get(k), from[k])]));
}

/** The key a decision file deploys under (its one decision, else the definitions' id). */
export async function decisionKey(xml: string): Promise<string> {
  const model = await parseDmn(xml);
  const ids = Object.keys(model.decisions);
  return ids.length === 1 ? ids[0]! : model.id;
}

/**
 * Fingerprints of every part of a bundle as the pack installs it on an empty platform: what a
 * baseline file records for a pack version released before installs kept fingerprints.
 */
export async function bundleFingerprints({ bundle, files }: LoadedTemplate): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const fields = new Map<string, Map<string, FieldDef>>();
  for (const o of bundle.objects) {
    out[partKey.object(o.key)] = fingerprint(objectCanon(o));
    for (const f of o.fields) out[partKey.field(o.key, f.key)] = fingerprint(fieldCanon(f));
    fields.set(o.key, new Map(o.fields.map((f) => [f.key, f])));
  }
  for (const f of bundle.forms) out[partKey.form(f.key)] = fingerprint({ ...f });
  for (const group of bundle.records) {
    const byKey = fields.get(group.object) ?? new Map<string, FieldDef>();
    for (const item of group.items) {
      const keys = Object.keys(item).filter((k) => byKey.has(k));
      out[partKey.record(group.object, item[group.key])] = fingerprint(recordCanon(byKey, keys, item));
    }
  }
  for (const rel of bundle.decisions) out[partKey.decision(await decisionKey(files.get(rel)!))] = fingerprint(files.get(rel)!);
  // As deployed: a file without a diagram is laid out (workflow-engine ensureDiagram).
  for (const p of bundle.processes) out[partKey.process(p.key)] = fingerprint((await ensureDiagram(files.get(p.file)!)).xml);
  for (const t of bundle.triggers) out[partKey.trigger(t)] = fingerprint(triggerCanon(t));
  for (const r of bundle.reports ?? []) { const d = ReportBody.parse(r); out[partKey.report(d.key)] = fingerprint(definitionCanon(d)); }
  for (const x of bundle.dashboards ?? []) { const d = DashboardBody.parse(x); out[partKey.dashboard(d.key)] = fingerprint(definitionCanon(d)); }
  return out;
}
