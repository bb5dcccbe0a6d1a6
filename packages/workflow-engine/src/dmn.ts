/**
 * DMN 1.3 decision tables: parsed with dmn-moddle, cells compiled through @crm/feel.
 * One output column yields its value, several a context (as Camunda 8 does); no match yields null.
 */
import { DmnModdle } from 'dmn-moddle';
import { checkFeel, compileFeel, compileFeelUnaryTests, feelProblem, FeelSyntaxError } from '@crm/feel';
import { BpmnParseError, BpmnValidationError, positionOf, type ValidationProblem } from './errors.js';

export type HitPolicy = 'UNIQUE' | 'FIRST' | 'PRIORITY' | 'ANY' | 'COLLECT' | 'RULE ORDER' | 'OUTPUT ORDER';
export type Aggregation = 'SUM' | 'MIN' | 'MAX' | 'COUNT';

export interface DecisionTableDef {
  id: string;
  name?: string;
  hitPolicy: HitPolicy;
  aggregation?: Aggregation;
  inputs: { label?: string; expression: string }[];
  outputs: { name: string; priorities?: unknown[] }[];
  rules: { id: string; inputEntries: string[]; outputEntries: string[] }[];
}

export interface DecisionModel {
  id: string;
  name?: string;
  /** Decision tables by decision id, in document order. */
  decisions: Record<string, DecisionTableDef>;
}

/** A decision that cannot give an answer (e.g. two rules hit under UNIQUE). */
export class DecisionEvaluationError extends Error {
  constructor(
    readonly decisionId: string,
    message: string,
  ) {
    super(message);
    this.name = 'DecisionEvaluationError';
  }
}

 
type Mod = any;

let moddle: DmnModdle | undefined;

export async function parseDmn(xml: string): Promise<DecisionModel> {
  moddle ??= new DmnModdle();
  let result: Awaited<ReturnType<DmnModdle['fromXML']>>;
  try {
    result = await moddle.fromXML(xml, 'dmn:Definitions');
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    const pos = positionOf(message);
    throw new BpmnParseError(message.split('\n')[0]!, pos.line, pos.column);
  }
  const problems: ValidationProblem[] = [];
  for (const w of result.warnings) {
    if (/unknown type/.test(w.message)) problems.push({ elementId: 'definitions', message: w.message.split('\n')[0]! });
    else if (w.message.startsWith('unparsable content')) {
      const pos = positionOf(w.message);
      throw new BpmnParseError(w.message.split('\n')[0]!, pos.line, pos.column);
    }
  }
  const defs: Mod = result.rootElement;
  const decisions: Record<string, DecisionTableDef> = {};
  for (const d of (defs?.drgElement ?? []) as Mod[]) {
    if (d.$type !== 'dmn:Decision') continue;
    const table = d.decisionLogic;
    if (table?.$type !== 'dmn:DecisionTable') {
      problems.push({ elementId: d.id, message: 'only decision tables are supported' });
      continue;
    }
    decisions[d.id] = table2def(d, table, problems);
  }
  if (Object.keys(decisions).length === 0 && problems.length === 0) problems.push({ elementId: defs?.id ?? 'definitions', message: 'no decision table in the file' });
  if (problems.length) throw new BpmnValidationError(problems);
  return { id: defs.id, ...(defs.name ? { name: defs.name } : {}), decisions };
}

function table2def(d: Mod, t: Mod, problems: ValidationProblem[]): DecisionTableDef {
  const hitPolicy = ((t.hitPolicy ?? 'UNIQUE') as string).toUpperCase() as HitPolicy;
  if (!['UNIQUE', 'FIRST', 'PRIORITY', 'ANY', 'COLLECT', 'RULE ORDER', 'OUTPUT ORDER'].includes(hitPolicy)) {
    problems.push({ elementId: d.id, message: `unsupported hit policy ${hitPolicy}` });
  }
  const check = (where: string, expr: string, unary: boolean) => {
    try {
      if (unary) compileFeelUnaryTests(expr);
      else {
        const e = checkFeel(expr);
        if (e) throw e;
      }
    } catch (err) {
      if (err instanceof FeelSyntaxError) problems.push({ elementId: where, message: `${feelProblem(err)}: ${expr}` });
      else throw err;
    }
  };
  const inputs = ((t.input ?? []) as Mod[]).map((i) => {
    const expression = (i.inputExpression?.text ?? '').trim();
    if (!expression) problems.push({ elementId: i.id ?? d.id, message: 'input without an inputExpression' });
    else check(i.id ?? d.id, expression, false);
    return { ...(i.label ? { label: i.label } : {}), expression };
  });
  const outputs = ((t.output ?? []) as Mod[]).map((o, n) => {
    const name: string = o.name ?? (t.output.length === 1 ? 'result' : '');
    if (!name) problems.push({ elementId: o.id ?? d.id, message: `output column ${n + 1} needs a name` });
    let priorities: unknown[] | undefined;
    const values = o.outputValues?.text?.trim();
    if (values) {
      check(o.id ?? d.id, `[${values}]`, false);
      try {
        priorities = compileFeel(`[${values}]`).evaluate({}) as unknown[];
      } catch {
        /* reported above */
      }
    }
    return { name, ...(priorities ? { priorities } : {}) };
  });
  if (hitPolicy === 'PRIORITY' || hitPolicy === 'OUTPUT ORDER') {
    if (!outputs.some((o) => o.priorities)) problems.push({ elementId: d.id, message: `${hitPolicy} needs outputValues on an output column` });
  }
  const rules = ((t.rule ?? []) as Mod[]).map((r) => {
    const inputEntries = ((r.inputEntry ?? []) as Mod[]).map((e) => (e.text ?? '').trim() || '-');
    const outputEntries = ((r.outputEntry ?? []) as Mod[]).map((e) => (e.text ?? '').trim());
    if (inputEntries.length !== inputs.length || outputEntries.length !== outputs.length) {
      problems.push({ elementId: r.id, message: 'rule has a different number of cells than the table has columns' });
    }
    inputEntries.forEach((e) => check(r.id, e, true));
    outputEntries.forEach((e) => e && check(r.id, e, false));
    return { id: r.id, inputEntries, outputEntries };
  });
  const aggregation = t.aggregation ? (String(t.aggregation).toUpperCase() as Aggregation) : undefined;
  if (aggregation && hitPolicy !== 'COLLECT') problems.push({ elementId: d.id, message: 'aggregation is only allowed with COLLECT' });
  return { id: d.id, ...(d.name ? { name: d.name } : {}), hitPolicy, ...(aggregation ? { aggregation } : {}), inputs, outputs, rules };
}

/** Evaluates one decision (the first in the file when decisionId is undefined). */
export function evaluateDecision(model: DecisionModel, decisionId: string | undefined, variables: Record<string, unknown>): unknown {
  const table = decisionId === undefined ? Object.values(model.decisions)[0] : model.decisions[decisionId];
  if (!table) throw new DecisionEvaluationError(decisionId ?? '?', `decision ${decisionId} not found in ${model.id}`);
  const values = table.inputs.map((i) => compileFeel(i.expression).evaluate(variables));
  const matched = table.rules.filter((r) => r.inputEntries.every((cell, n) => compileFeelUnaryTests(cell).test(values[n], variables) === true));
  const outputOf = (r: DecisionTableDef['rules'][number]) => {
    const cells = r.outputEntries.map((e) => (e ? compileFeel(e).evaluate(variables) : null));
    if (table.outputs.length === 1) return cells[0] ?? null;
    const ctx: Record<string, unknown> = {};
    table.outputs.forEach((o, n) => (ctx[o.name] = cells[n] ?? null));
    return ctx;
  };
  const results = matched.map(outputOf);
  const rank = (value: unknown): number => {
    const column = table.outputs.findIndex((o) => o.priorities);
    const v = table.outputs.length === 1 ? value : (value as Record<string, unknown>)[table.outputs[column]!.name];
    const at = table.outputs[column]!.priorities!.findIndex((p) => p === v);
    return at < 0 ? Number.MAX_SAFE_INTEGER : at;
  };
  switch (table.hitPolicy) {
    case 'UNIQUE':
      if (results.length > 1) throw new DecisionEvaluationError(table.id, `hit policy UNIQUE but rules ${matched.map((r) => r.id).join(', ')} all match`);
      return results[0] ?? null;
    case 'FIRST':
      return results[0] ?? null;
    case 'ANY': {
      const first = JSON.stringify(results[0]);
      if (results.some((r) => JSON.stringify(r) !== first)) throw new DecisionEvaluationError(table.id, 'hit policy ANY but matching rules give different outputs');
      return results[0] ?? null;
    }
    case 'PRIORITY':
      return results.length ? [...results].sort((a, b) => rank(a) - rank(b))[0] : null;
    case 'OUTPUT ORDER':
      return [...results].sort((a, b) => rank(a) - rank(b));
    case 'RULE ORDER':
      return results;
    case 'COLLECT':
      return aggregate(table, results);
  }
}

function aggregate(table: DecisionTableDef, results: unknown[]): unknown {
  if (!table.aggregation) return results;
  if (table.aggregation === 'COUNT') return results.length;
  if (table.outputs.length !== 1) throw new DecisionEvaluationError(table.id, `${table.aggregation} needs exactly one output column`);
  const nums = results.filter((r) => r !== null);
  if (nums.some((n) => typeof n !== 'number')) throw new DecisionEvaluationError(table.id, `${table.aggregation} over non-numeric outputs`);
  if (nums.length === 0) return null;
  const ns = nums as number[];
  if (table.aggregation === 'SUM') return ns.reduce((a, b) => a + b, 0);
  if (table.aggregation === 'MIN') return Math.min(...ns);
  return Math.max(...ns);
}
