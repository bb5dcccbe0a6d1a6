/**
 * Masking for callers who may read a field but not unmask it — the one masking policy, used by every
 * path that masks (records, lists, exports, audit views, process variables). Each field type names its
 * policy (`engine.mask` in field-types/<type>). A mask must leave enough unknown even next to the other
 * fields the same viewer sees in clear (birth date, gender, district):
 * - cn_id_number: first and last character kept     1****************4
 *   (region 6 digits, birth date 8 and sequence 3 are quasi-identifiers a viewer may already know;
 *   with them all known, the hidden sequence still leaves about 45 candidates)
 * - phone: first 3 and last 4 kept                   138****8000   (carrier prefix and line digits: no
 *   quasi-identifier inside a mainland mobile)
 * - bank_card: last 4 kept                           **** **** **** 1234   (the issuer's BIN is dropped)
 * - cn_uscc: first and last character kept           9****************3   (registration code and check
 *   character; region and organisation code hidden)
 * - email: first character of the name, domain kept  z***@x.com
 * - a person's name (options.mask = 'name', or a text field keyed name/full_name/real_name/
 *   contact_name/customer_name or labelled 姓名): the surname kept, one * per other character
 *   (张*, 欧阳**; compound surnames such as 欧阳 and 司马 are kept whole)
 * - money, decimal, percent, integer: ****           (an amount's size is what must not show)
 * - date: the year kept                              1990-**-**
 * - other text (uscc, text, textarea, url, auto_number…): first and last character kept, a * for
 *   each character between (a one-character value becomes *)
 * - lists (tags, multiselect): every element masked as text
 * - anything else (boolean, select, ids, json, datetime): ***
 * options.mask = 'none' returns the value unchanged, except for identifier types and level ≥ 3 fields:
 * a designer's option never undoes the masking a role or a sensitivity level asks for.
 * options.mask = 'last4' or a shape such as '#### **** **** ####' (masked by type, e.g. account numbers):
 * the field is masked for every caller without `unmask` even below level 3 (`maskedWithoutUnmask`), and
 * text values take the shape: its leading `#`s keep that many first characters, its trailing `#`s that
 * many last ones, what lies between is shown as written (6222 **** **** 1234); 'last4' is '**** ####'.
 * A value shorter than the kept characters plus four is masked as other text. Identifier types keep
 * their own mask (a shape never shows more of an ID number).
 * null and undefined pass through.
 */
import type { FieldDef } from './types.js';
import { pickText } from './localized-text.js';
import { fieldType } from './field-types/index.js';
import type { MaskPolicy } from './field-types/descriptor.js';

const COMPOUND_SURNAMES = new Set([
  '欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒', '司空',
  '夏侯', '轩辕', '令狐', '钟离', '闻人', '澹台', '独孤', '端木', '南宫', '西门', '百里', '呼延',
  '赫连', '申屠', '太史', '拓跋', '完颜', '第五', '万俟', '濮阳', '淳于', '单于', '公羊', '东郭',
]);
const NAME_KEYS = new Set(['name', 'full_name', 'real_name', 'person_name', 'contact_name', 'customer_name']);
const stars = (n: number) => '*'.repeat(Math.max(n, 0));

function chars(s: string): string[] {
  return Array.from(s); // by code point, so a CJK character or emoji counts once
}

export function maskGeneric(s: string): string {
  const c = chars(s);
  if (c.length <= 1) return '*';
  if (c.length === 2) return c[0] + '*';
  return c[0] + stars(c.length - 2) + c[c.length - 1];
}

export function maskPersonName(s: string): string {
  const c = chars(s.trim());
  if (c.length === 0) return s;
  const keep = c.length > 2 && COMPOUND_SURNAMES.has(c[0]! + c[1]!) ? 2 : 1;
  return c.slice(0, keep).join('') + stars(Math.max(c.length - keep, 1));
}

function keepEnds(s: string, head: number, tail: number): string {
  if (s.length <= head + tail) return maskGeneric(s);
  return s.slice(0, head) + stars(s.length - head - tail) + s.slice(s.length - tail);
}

export function maskEmail(s: string): string {
  const at = s.lastIndexOf('@');
  if (at <= 0) return maskGeneric(s);
  return chars(s.slice(0, at))[0] + '***' + s.slice(at);
}

function isPersonName(field: FieldDef, personNameType: boolean): boolean {
  if (field.options?.mask === 'name') return true;
  if (!personNameType) return false;
  return NAME_KEYS.has(field.key) || pickText(field.label, 'zh-CN').includes('姓名');
}

/** The policies for string values (the field type's `mask` names one). */
const STRING_MASKS: Record<Exclude<MaskPolicy, 'amount' | 'year' | 'list'>, (s: string) => string> = {
  generic: maskGeneric,
  phone: (s) => keepEnds(s, 3, 4),
  bank_card: (s) => (s.length >= 8 ? `**** **** **** ${s.slice(-4)}` : maskGeneric(s)),
  email: maskEmail,
  opaque: () => '***',
};

/** A mask shape: up to 6 kept characters each end, at least one `*` between (spaces and dashes allowed). */
export const MASK_SHAPE = /^(#{0,6})([ *-]*\*[ *-]*)(#{0,6})$/;
const SHAPES: Record<string, string> = { last4: '**** ####' };

/** The shape a field's `mask` option gives its values, or null when it names none. */
export function maskShape(field: Pick<FieldDef, 'options'>): string | null {
  const m = field.options?.mask;
  if (typeof m !== 'string') return null;
  const shape = SHAPES[m] ?? m;
  return shape.length <= 40 && MASK_SHAPE.test(shape) ? shape : null;
}

/** Whether callers without `unmask` see the field masked whatever their field mode: level ≥ 3 or a mask shape. */
export function maskedWithoutUnmask(field: Pick<FieldDef, 'options' | 'sensitivity'>): boolean {
  return (field.sensitivity ?? 0) >= 3 || maskShape(field) !== null;
}

function applyShape(shape: string, value: string): string {
  const [, head, middle, tail] = MASK_SHAPE.exec(shape)!;
  const c = chars(value.replace(/[\s-]/g, ''));
  if (c.length < head!.length + tail!.length + 4) return maskGeneric(value);
  return c.slice(0, head!.length).join('') + middle + c.slice(c.length - tail!.length).join('');
}

export function maskValue(field: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  const type = fieldType(field.type).engine;
  const shape = maskShape(field);
  if (shape && typeof value === 'string' && !type.maskFixed && type.mask === 'generic') return applyShape(shape, value);
  // Identifier types and level ≥ 3 fields: a designer's option never undoes the masking.
  if (field.options?.mask === 'none' && !type.maskFixed && (field.sensitivity ?? 0) < 3) return value;
  if (type.mask === 'list' && Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? maskGeneric(v) : '***'));
  if (type.mask === 'amount') return '****';
  if (type.mask === 'year') return typeof value === 'string' && value.length >= 4 ? `${value.slice(0, 4)}-**-**` : '***';
  if (typeof value !== 'string') return '***';
  if (isPersonName(field, type.personName === true)) return maskPersonName(value);
  return type.mask === 'list' ? maskGeneric(value) : STRING_MASKS[type.mask](value);
}
