/**
 * The semantic check of a FEEL expression against the names it may read (an object's fields, a
 * process's variables): what an analyst gets wrong and the parser accepts. feelin reads
 * `amount ＞ 1000000` as one long variable name and `预约金额 > 1000000` as a variable nobody sets —
 * both parse, both are always null. This check names the problem, in Chinese and English:
 *
 * - full-width operators and punctuation (＞ ＜ ＝ （ ） “ ” …) outside string literals;
 * - syntax errors, translated;
 * - unknown names (with the closest known key suggested), and a field's label used as its name;
 * - comparisons whose two sides certainly have different types (`amount > "abc"`, `name > 3`).
 *
 * One implementation: the web designers run it as you type, the server runs it again before a form is
 * published, a process deployed or an object rule saved.
 */
import { parseExpression } from 'feelin';
import { distance } from 'fastest-levenshtein';
import { checkFeel, FeelShapeError, feelInputs, isBuiltinFeelFunction, stripEquals } from './index.js';

export type FeelValueKind = 'number' | 'text' | 'date' | 'datetime' | 'boolean' | 'list' | 'any';

/** A name an expression may read, with the label an analyst knows it by and the kind of its value. */
export interface FeelName {
  name: string;
  label?: string | { 'zh-CN'?: string; en?: string };
  kind?: FeelValueKind;
}

export type FeelIssueCode = 'feel.syntax' | 'feel.fullwidth' | 'feel.unknown_name' | 'feel.label_as_name' | 'feel.type_mismatch' | 'feel.shape';

export interface FeelIssue {
  code: FeelIssueCode;
  /** The name or character the issue is about. */
  subject?: string;
  /** Character offset in the expression (after a leading "=" is stripped). */
  position?: number;
  /** For an unknown name: the known name it most likely means. */
  suggestion?: string;
  message: { 'zh-CN': string; en: string };
}

export interface FeelScope {
  names: readonly FeelName[];
  /** Names read without being declared are accepted (syntax, full-width, labels and types are still checked). */
  allowUnknown?: boolean;
}

/** Full-width (and typographic) characters an IME types in place of FEEL's ASCII ones. */
const FULL_WIDTH: Record<string, string> = {
  '＞': '>', '＜': '<', '＝': '=', '！': '!', '（': '(', '）': ')', '＋': '+', '－': '-', '＊': '*', '／': '/',
  '，': ',', '．': '.', '。': '.', '：': ':', '；': ';', '［': '[', '］': ']', '｛': '{', '｝': '}',
  '“': '"', '”': '"', '‘': "'", '’': "'", '≥': '>=', '≤': '<=', '≠': '!=', '\u3000': ' ',
  '０': '0', '１': '1', '２': '2', '３': '3', '４': '4', '５': '5', '６': '6', '７': '7', '８': '8', '９': '9',
};

const KIND_TEXT: Record<FeelValueKind, { 'zh-CN': string; en: string }> = {
  number: { 'zh-CN': '数字', en: 'a number' },
  text: { 'zh-CN': '文本', en: 'text' },
  date: { 'zh-CN': '日期', en: 'a date' },
  datetime: { 'zh-CN': '日期时间', en: 'a date-time' },
  boolean: { 'zh-CN': '是/否', en: 'a boolean' },
  list: { 'zh-CN': '列表', en: 'a list' },
  any: { 'zh-CN': '任意值', en: 'any value' },
};

function labels(n: FeelName): string[] {
  if (n.label === undefined) return [];
  if (typeof n.label === 'string') return [n.label];
  return [n.label['zh-CN'], n.label.en].filter((s): s is string => typeof s === 'string' && s !== '');
}

function labelText(n: FeelName): string {
  return labels(n)[0] ?? n.name;
}

/** Full-width characters outside ASCII string literals, each with its position. */
function fullWidthChars(source: string): { ch: string; at: number }[] {
  const out: { ch: string; at: number }[] = [];
  let inString = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === '"' && source[i - 1] !== '\\') inString = !inString;
    else if (!inString && ch in FULL_WIDTH) out.push({ ch, at: i });
  }
  return out;
}

function syntaxIssue(source: string, message: string, position: number | undefined): FeelIssue {
  const at = position ?? source.length;
  const near = source.slice(at, at + 10).trim();
  if (/^Incomplete/.test(message) || at >= source.length) {
    return {
      code: 'feel.syntax', position: at,
      message: { 'zh-CN': `表达式不完整：第 ${at + 1} 个字符处缺少内容（例如比较符号后面的值，或未闭合的括号）`, en: `The expression is incomplete at character ${at + 1} (${message})` },
    };
  }
  return {
    code: 'feel.syntax', position: at,
    message: { 'zh-CN': `表达式语法错误：第 ${at + 1} 个字符处${near ? `“${near}”` : ''}无法识别（字符串请用英文双引号括起来）`, en: `Syntax error at character ${at + 1}${near ? ` near "${near}"` : ''} (${message})` },
  };
}

function nearest(name: string, known: readonly FeelName[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.name.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k.name;
    }
  }
  return best !== null && bestD <= Math.max(1, Math.floor(name.length / 3)) ? best : null;
}

type Node = { name: string; from: number; to: number; firstChild: Node | null; nextSibling: Node | null; parent: Node | null };

function children(n: Node): Node[] {
  const out: Node[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

/** The kind of an operand when it is certain: a literal, a date constructor, or a known name. */
function operandKind(n: Node, source: string, byName: Map<string, FeelName>): { kind: FeelValueKind; name?: FeelName; text: string } | null {
  const text = source.slice(n.from, n.to).trim();
  switch (n.name) {
    case 'NumericLiteral': return { kind: 'number', text };
    case 'StringLiteral': return { kind: 'text', text };
    case 'BooleanLiteral': return { kind: 'boolean', text };
    case 'DateTimeLiteral': {
      const ctor = text.split('(')[0]!.trim();
      if (ctor === 'date') return { kind: 'date', text };
      if (ctor === 'date and time') return { kind: 'datetime', text };
      return null;
    }
    case 'VariableName': {
      const f = byName.get(text);
      return f?.kind && f.kind !== 'any' ? { kind: f.kind, name: f, text } : null;
    }
    default: return null;
  }
}

const COMPARABLE = (a: FeelValueKind, b: FeelValueKind) => a === b || (a === 'date' && b === 'datetime') || (a === 'datetime' && b === 'date');

/** Every problem of one expression; empty when it is fine. */
export function analyzeFeel(expression: string, scope: FeelScope): FeelIssue[] {
  const source = stripEquals(expression);
  const wide = fullWidthChars(source);
  if (wide.length) {
    return wide.map(({ ch, at }) => ({
      code: 'feel.fullwidth' as const, subject: ch, position: at,
      message: {
        'zh-CN': `第 ${at + 1} 个字符“${ch}”是全角符号，请改为半角“${FULL_WIDTH[ch]}”（切换到英文输入法）`,
        en: `Character ${at + 1} "${ch}" is a full-width symbol: write "${FULL_WIDTH[ch]}" instead`,
      },
    }));
  }
  const bad = checkFeel(source);
  if (bad) {
    if (bad instanceof FeelShapeError) return [{ code: 'feel.shape', message: { 'zh-CN': bad.localized('zh-CN'), en: bad.localized('en') } }];
    return [syntaxIssue(source, bad.message, bad.position)];
  }
  const issues: FeelIssue[] = [];
  const byName = new Map(scope.names.map((n) => [n.name, n]));
  {
    for (const name of feelInputs(source)) {
      if (byName.has(name)) continue;
      const labelled = scope.names.find((n) => labels(n).some((l) => l === name));
      if (labelled) {
        issues.push({
          code: 'feel.label_as_name', subject: name,
          message: {
            'zh-CN': `“${name}”是字段的显示名称，表达式中请使用字段键 ${labelled.name}`,
            en: `"${name}" is the label of a field: write its key ${labelled.name}`,
          },
        });
        continue;
      }
      if (scope.allowUnknown) continue;
      const guess = nearest(name, scope.names);
      issues.push({
        code: 'feel.unknown_name', subject: name, ...(guess ? { suggestion: guess } : {}),
        message: {
          'zh-CN': `未知的字段或变量“${name}”${guess ? `，是否想写 ${guess}？` : ''}`,
          en: `Unknown field or variable "${name}"${guess ? ` — did you mean ${guess}?` : ''}`,
        },
      });
    }
  }
  const tree = parseExpression(source, {}, undefined);
  tree.iterate({
    enter(ref) {
      if (ref.name !== 'Comparison') return;
      const parts = children(ref.node as unknown as Node);
      const op = parts.find((p) => p.name === 'CompareOp');
      if (!op || parts.length !== 3) return;
      const l = operandKind(parts[0]!, source, byName);
      const r = operandKind(parts[2]!, source, byName);
      if (!l || !r || COMPARABLE(l.kind, r.kind) || (!l.name && !r.name)) return;
      const field = (l.name ? l : r) as { kind: FeelValueKind; name: FeelName; text: string };
      const other = l.name ? r : l;
      issues.push({
        code: 'feel.type_mismatch', subject: field.name.name, position: ref.from,
        message: {
          'zh-CN': `类型不匹配：“${labelText(field.name)}”（${field.name.name}）是${KIND_TEXT[field.kind]['zh-CN']}，不能与${KIND_TEXT[other.kind]['zh-CN']} ${other.text} 比较`,
          en: `Type mismatch: ${field.name.name} is ${KIND_TEXT[field.kind].en} and cannot be compared with ${KIND_TEXT[other.kind].en} ${other.text}`,
        },
      });
    },
  });
  return issues;
}

/** Whether `name` is a built-in FEEL function (so a designer's completion can offer it). */
export function isFeelFunction(name: string): boolean {
  return isBuiltinFeelFunction(name);
}
