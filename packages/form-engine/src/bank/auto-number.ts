/**
 * Auto-number patterns such as "KH{yyyyMMdd}{seq:6}": literal text, date tokens rendered in China
 * Standard Time, and exactly one `{seq:N}` at the end (the server keeps one counter per prefix,
 * so a daily prefix restarts the sequence every day).
 */
import { chinaDateParts } from './calendar.js';

const DATE_TOKENS = ['yyyyMMdd', 'yyyyMM', 'yyMMdd', 'yyyy', 'yy', 'MM', 'dd'] as const;
type DateToken = (typeof DATE_TOKENS)[number];

export type AutoNumberPart =
  | { kind: 'text'; text: string }
  | { kind: 'date'; token: DateToken }
  | { kind: 'seq'; width: number };

export class AutoNumberPatternError extends Error {
  override name = 'AutoNumberPatternError';
}

/** Splits a pattern into parts; throws AutoNumberPatternError naming the first problem. */
export function parseAutoNumberPattern(pattern: string): AutoNumberPart[] {
  if (typeof pattern !== 'string' || pattern === '') throw new AutoNumberPatternError('empty pattern');
  const parts: AutoNumberPart[] = [];
  const re = /\{([^{}]*)\}|([^{}]+)|([{}])/g;
  for (let m = re.exec(pattern); m; m = re.exec(pattern)) {
    if (m[3]) throw new AutoNumberPatternError(`unbalanced "${m[3]}" at ${m.index}`);
    if (m[2] !== undefined) {
      if (!/^[A-Za-z0-9_\-./]+$/.test(m[2])) throw new AutoNumberPatternError(`literal "${m[2]}" may only use letters, digits and _ - . /`);
      parts.push({ kind: 'text', text: m[2] });
      continue;
    }
    const token = m[1]!;
    const seq = /^seq:(\d{1,2})$/.exec(token);
    if (seq) {
      const width = Number(seq[1]);
      if (width < 1 || width > 12) throw new AutoNumberPatternError(`{seq:N} needs 1 ≤ N ≤ 12, got ${width}`);
      parts.push({ kind: 'seq', width });
    } else if ((DATE_TOKENS as readonly string[]).includes(token)) {
      parts.push({ kind: 'date', token: token as DateToken });
    } else {
      throw new AutoNumberPatternError(`unknown token {${token}}`);
    }
  }
  const seqCount = parts.filter((p) => p.kind === 'seq').length;
  if (seqCount !== 1) throw new AutoNumberPatternError(`needs exactly one {seq:N}, found ${seqCount}`);
  if (parts[parts.length - 1]!.kind !== 'seq') throw new AutoNumberPatternError('{seq:N} must come last');
  return parts;
}

function renderDate(token: DateToken, date: Date): string {
  const { yyyy, MM, dd } = chinaDateParts(date);
  const yy = yyyy.slice(2);
  const byToken: Record<DateToken, string> = {
    yyyyMMdd: yyyy + MM + dd, yyyyMM: yyyy + MM, yyMMdd: yy + MM + dd, yyyy, yy, MM, dd,
  };
  return byToken[token];
}

/** The text before the sequence number for `date`: the key the server counts sequences under. */
export function autoNumberPrefix(pattern: string, date: Date): string {
  return parseAutoNumberPattern(pattern)
    .map((p) => (p.kind === 'text' ? p.text : p.kind === 'date' ? renderDate(p.token, date) : ''))
    .join('');
}

/** Renders the number; a sequence wider than N digits is kept whole rather than truncated. */
export function formatAutoNumber(pattern: string, date: Date, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`sequence must be a non-negative integer, got ${seq}`);
  const parts = parseAutoNumberPattern(pattern);
  const seqPart = parts[parts.length - 1] as { kind: 'seq'; width: number };
  return autoNumberPrefix(pattern, date) + String(seq).padStart(seqPart.width, '0');
}
