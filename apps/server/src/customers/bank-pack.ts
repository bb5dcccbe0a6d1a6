/**
 * Where the customer routes find the pack's objects: the installed bank-crm template's `customer360`
 * section names every object and field they read. Identifiers are checked against live metadata
 * before any SQL uses them, so a renamed or missing field is a clear error, never an injection.
 */
import { AppError } from '../common/app-error.js';
import { registerMessages } from '../common/i18n.js';
import type { MetadataService } from '../metadata/metadata.service.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import { loadTemplate } from '../templates/templates.service.js';
import type { Customer360Config } from '../templates/template.types.js';

registerMessages({
  'customers.not_installed': { 'zh-CN': '银行客户管理模板尚未安装', en: 'The bank CRM template is not installed' },
  'customers.not_found': { 'zh-CN': '客户不存在或无权查看', en: 'No such customer, or not yours to see' },
  'customers.segment_not_found': { 'zh-CN': '客群不存在：{code}', en: 'No such segment: {code}' },
});

let cached: Customer360Config | undefined;

export function packConfig(): Customer360Config {
  cached ??= loadTemplate('bank-crm').bundle.customer360!;
  return cached;
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
