/**
 * The built-in field types, registered in the order API.md documents them. Adding a type is one
 * folder here (engine part + server and web descriptors) and one line below.
 */
import { registerFieldType } from './registry.js';
import type { FieldTypeDescriptor } from './descriptor.js';
import { text } from './text/index.js';
import { textarea } from './textarea/index.js';
import { integer } from './integer/index.js';
import { decimal } from './decimal/index.js';
import { money } from './money/index.js';
import { percent } from './percent/index.js';
import { boolean } from './boolean/index.js';
import { date } from './date/index.js';
import { datetime } from './datetime/index.js';
import { select } from './select/index.js';
import { multiselect } from './multiselect/index.js';
import { email } from './email/index.js';
import { phone } from './phone/index.js';
import { cn_id_number } from './cn_id_number/index.js';
import { cn_uscc } from './cn_uscc/index.js';
import { bank_card } from './bank_card/index.js';
import { url } from './url/index.js';
import { relation } from './relation/index.js';
import { user } from './user/index.js';
import { org_unit } from './org_unit/index.js';
import { attachment } from './attachment/index.js';
import { auto_number } from './auto_number/index.js';
import { tags } from './tags/index.js';
import { computed } from './computed/index.js';
import { json } from './json/index.js';

export const BUILTIN_FIELD_TYPES: readonly FieldTypeDescriptor[] = [
  text, textarea, integer, decimal, money, percent, boolean, date, datetime, select, multiselect, email,
  phone, cn_id_number, cn_uscc, bank_card, url, relation, user, org_unit, attachment, auto_number, tags,
  computed, json,
];

for (const d of BUILTIN_FIELD_TYPES) registerFieldType(d);

export * from './registry.js';
export type * from './descriptor.js';
