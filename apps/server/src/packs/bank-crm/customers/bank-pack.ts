/**
 * Where the customer routes find the pack's objects: the installed bank-crm template's `customer360`
 * section names every object and field they read. Identifiers are checked against live metadata
 * before any SQL uses them, so a renamed or missing field is a clear error, never an injection.
 */
import { AppError } from '../../../common/app-error.js';
import { registerMessages } from '../../../common/i18n.js';
import type { MetadataService } from '../../../metadata/metadata.service.js';
import type { ObjectMeta } from '../../../metadata/metadata.types.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTemplateFrom } from '../../../templates/template-loader.js';
import type { TemplateBundle } from '../../../templates/template.types.js';

registerMessages({
  'customers.not_installed': { 'zh-CN': '银行客户管理模板尚未安装', en: 'The bank CRM template is not installed' },
  'customers.not_found': { 'zh-CN': '客户不存在或无权查看', en: 'No such customer, or not yours to see' },
  'customers.segment_not_found': { 'zh-CN': '客群不存在：{code}', en: 'No such segment: {code}' },
});

/** Which objects and fields of the pack the customer 360 / network / tag / segment routes read. */
export interface Customer360Config {
  customer: string;
  holding: { object: string; customer: string; category: string; balance: string; status: string };
  relationship: { object: string; from: string; to: string; type: string; guarantor: string; amount: string };
  interaction: { object: string; customer: string; at: string };
  consent: { object: string; customer: string };
  linked: { object: string; customer: string }[];
  tags: { object: string; manualField: string; ruleField: string };
  segment: { object: string };
  circle: { flag: string; id: string };
  aumField: string;
}

/** The bank pack's bundle: a template bundle plus the section only this pack reads. */
export type BankBundle = TemplateBundle & { customer360: Customer360Config };

/** The folder of the pack's template bundle (template.json, processes/, decisions/). */
export const BANK_BUNDLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../template');

let bundle: BankBundle | undefined;

export function bankBundle(): BankBundle {
  bundle ??= loadTemplateFrom<BankBundle>(BANK_BUNDLE_DIR).bundle;
  return bundle;
}

export function packConfig(): Customer360Config {
  return bankBundle().customer360;
}

/** The object, after checking it and the named fields exist. */
export async function packObject(meta: MetadataService, key: string, fields: string[] = []): Promise<ObjectMeta> {
  const o = (await meta.current()).objects.get(key);
  if (!o || fields.some((f) => !o.byKey.has(f))) throw new AppError(404, 'customers.not_installed');
  return o;
}

export async function isInstalled(meta: MetadataService): Promise<boolean> {
  const cfg = packConfig();
  const objects = (await meta.current()).objects;
  return objects.has(cfg.customer) && objects.has(cfg.holding.object) && objects.has(cfg.relationship.object);
}
