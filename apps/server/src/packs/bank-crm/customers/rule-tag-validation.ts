/**
 * A rule tag's FEEL is checked when the tag is saved, by whatever path (records API, pack install):
 * it must parse, its static shape must fit the FEEL budget, and it may read only the customer's
 * plain fields and the holdings variables — never an encrypted field (a tag over an ID number
 * would reveal it one guess at a time) nor an unknown name (which would silently read as null).
 */
import { checkFeel, compileFeel, FeelShapeError } from '@crm/feel';
import type { FieldDef } from '@crm/form-engine';
import { AppError } from '../../../common/app-error.js';
import { registerMessages } from '../../../common/i18n.js';
import { RequestContext } from '../../../common/request-context.js';
import { isEncrypted } from '../../../metadata/field-types.js';
import { RULE_VARIABLES } from './rule-tags.js';

registerMessages({
  'customers.rule_invalid': { 'zh-CN': '规则标签 {code} 的规则无效：{reason}', en: 'The rule of tag {code} is not valid: {reason}' },
  'customers.rule_budget': { 'zh-CN': '规则标签 {code} 运行被中止：{reason}', en: 'Rule tag {code} was stopped: {reason}' },
});

const SYSTEM_NAMES = ['id', 'created_at', 'updated_at', 'owner_id', 'org_unit_id', 'version'];

function lang(): 'zh-CN' | 'en' {
  return RequestContext.current()?.lang ?? 'zh-CN';
}

/**
 * Throws 400 when the tag's rule may not be saved. Holding fields (and `item`) are allowed too: inside
 * a filter such as `holdings[category = "loan"]` they name the holding's own values.
 */
export function assertRuleTagValid(code: string, rule: string, customerFields: readonly FieldDef[], holdingFields: readonly FieldDef[]): void {
  const bad = checkFeel(rule);
  if (bad) {
    throw new AppError(400, 'customers.rule_invalid', { code, reason: bad instanceof FeelShapeError ? bad.localized(lang()) : bad.message });
  }
  const plain = (fields: readonly FieldDef[]) => fields.filter((f) => !isEncrypted(f)).map((f) => f.key);
  const allowed = new Set<string>([...RULE_VARIABLES, ...SYSTEM_NAMES, 'item', ...plain(customerFields), ...plain(holdingFields)]);
  const unknown = compileFeel(rule).inputs.filter((n) => !allowed.has(n));
  if (unknown.length) {
    const names = unknown.join(', ');
    throw new AppError(400, 'customers.rule_invalid', { code, reason: lang() === 'en' ? `unknown or unreadable names: ${names}` : `未知或不可读取的名称：${names}` });
  }
}
