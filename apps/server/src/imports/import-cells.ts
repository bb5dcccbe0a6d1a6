/**
 * From a file's text cell to the value a form submission would carry for the field (API.md's wire
 * format): integers and booleans parsed, lists split, money and decimals kept as decimal strings
 * (thousands separators removed; never a float), dates in the common spreadsheet spellings. A cell
 * that does not read as its type is passed on as text, so the form engine rejects it with its own
 * code and message, exactly like a form submission.
 */
import type { FieldDef } from '@crm/form-engine';

const TRUE = new Set(['true', '1', 'yes', 'y', '是', '对', '√', 'x']);
const FALSE = new Set(['false', '0', 'no', 'n', '否', '错', '']);

function pad(n: string): string {
  return n.length === 1 ? `0${n}` : n;
}

export function cellToInput(f: FieldDef, raw: string): unknown {
  const text = raw.trim();
  if (text === '') return undefined;
  switch (f.type) {
    case 'integer':
      return /^[+-]?\d{1,15}$/.test(text) ? Number(text) : text;
    case 'money':
    case 'decimal':
    case 'percent': {
      const plain = text.replace(/^[¥￥]/, '');
      return /^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(plain) ? plain.replace(/,/g, '') : plain;
    }
    case 'boolean': {
      const l = text.toLowerCase();
      if (TRUE.has(l)) return true;
      if (FALSE.has(l)) return false;
      return text;
    }
    case 'multiselect':
    case 'tags':
      return text.split(/[;；,，|]/).map((s) => s.trim()).filter(Boolean);
    case 'date': {
      const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(text);
      return m ? `${m[1]}-${pad(m[2]!)}-${pad(m[3]!)}` : text;
    }
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    default:
      return text;
  }
}

/** Header text reduced for matching: case, spaces, a required-marker asterisk and full-width brackets do not count. */
export function normalizeHeader(h: string): string {
  return h.normalize('NFKC').replace(/^\uFEFF/, '').replace(/[*＊\s]/g, '').toLowerCase();
}
