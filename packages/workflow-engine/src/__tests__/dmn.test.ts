import { describe, it, expect } from '@jest/globals';
import { BpmnParseError, BpmnValidationError, DecisionEvaluationError, evaluateDecision, parseDmn } from '../index.js';

/** A one-decision DMN 1.3 file; rows: [inputCells[], outputCells[]]. */
function table(opts: { hitPolicy?: string; aggregation?: string; inputs: string[]; outputs: string[]; outputValues?: string; rows: [string[], string[]][] }): string {
  const rules = opts.rows
    .map(([ins, outs], i) =>
      `<rule id="r${i + 1}">${ins.map((t, j) => `<inputEntry id="r${i}i${j}"><text>${t}</text></inputEntry>`).join('')}${outs
        .map((t, j) => `<outputEntry id="r${i}o${j}"><text>${t}</text></outputEntry>`)
        .join('')}</rule>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="T" namespace="t">
  <decision id="d1" name="D1"><decisionTable id="t1"${opts.hitPolicy ? ` hitPolicy="${opts.hitPolicy}"` : ''}${opts.aggregation ? ` aggregation="${opts.aggregation}"` : ''}>
    ${opts.inputs.map((e, i) => `<input id="in${i}"><inputExpression id="ie${i}"><text>${e}</text></inputExpression></input>`).join('')}
    ${opts.outputs.map((n, i) => `<output id="out${i}" name="${n}">${i === 0 && opts.outputValues ? `<outputValues id="ov"><text>${opts.outputValues}</text></outputValues>` : ''}</output>`).join('')}
    ${rules}
  </decisionTable></decision>
</definitions>`;
}

const grades = { inputs: ['score'], outputs: ['grade'], rows: [[['&gt;= 90'], ['"A"']], [['&gt;= 60'], ['"B"']], [['-'], ['"C"']]] as [string[], string[]][] };

describe('DMN decision tables', () => {
  it('UNIQUE (default) returns the single match and fails on two', async () => {
    const m = await parseDmn(table({ inputs: ['x'], outputs: ['y'], rows: [[['&lt; 10'], ['"low"']], [['[5..20]'], ['"mid"']]] }));
    expect(evaluateDecision(m, 'd1', { x: 1 })).toBe('low');
    expect(evaluateDecision(m, undefined, { x: 15 })).toBe('mid');
    expect(evaluateDecision(m, 'd1', { x: 50 })).toBeNull();
    expect(() => evaluateDecision(m, 'd1', { x: 7 })).toThrow(DecisionEvaluationError);
    expect(() => evaluateDecision(m, 'd1', { x: 7 })).toThrow(/r1, r2/);
  });

  it('FIRST takes the first match in rule order', async () => {
    const m = await parseDmn(table({ hitPolicy: 'FIRST', ...grades }));
    expect(evaluateDecision(m, 'd1', { score: 95 })).toBe('A');
    expect(evaluateDecision(m, 'd1', { score: 70 })).toBe('B');
    expect(evaluateDecision(m, 'd1', { score: 10 })).toBe('C');
  });

  it('PRIORITY ranks by the output values; OUTPUT ORDER sorts all matches by them', async () => {
    const base = { inputs: ['score'], outputs: ['grade'], outputValues: '"A","B","C"', rows: [[['-'], ['"C"']], [['&gt;= 60'], ['"B"']], [['&gt;= 90'], ['"A"']]] as [string[], string[]][] };
    const p = await parseDmn(table({ hitPolicy: 'PRIORITY', ...base }));
    expect(evaluateDecision(p, 'd1', { score: 95 })).toBe('A');
    expect(evaluateDecision(p, 'd1', { score: 61 })).toBe('B');
    const o = await parseDmn(table({ hitPolicy: 'OUTPUT ORDER', ...base }));
    expect(evaluateDecision(o, 'd1', { score: 95 })).toEqual(['A', 'B', 'C']);
  });

  it('PRIORITY without output values is a validation problem', async () => {
    await expect(parseDmn(table({ hitPolicy: 'PRIORITY', ...grades }))).rejects.toThrow(/PRIORITY needs outputValues/);
  });

  it('ANY accepts equal outputs and fails on different ones', async () => {
    const m = await parseDmn(table({ hitPolicy: 'ANY', inputs: ['x'], outputs: ['y'], rows: [[['&gt; 0'], ['true']], [['&gt; 5'], ['true']], [['&gt; 100'], ['false']]] }));
    expect(evaluateDecision(m, 'd1', { x: 10 })).toBe(true);
    expect(() => evaluateDecision(m, 'd1', { x: 500 })).toThrow(/ANY/);
  });

  it('COLLECT returns a list; SUM, MIN, MAX, COUNT aggregate it', async () => {
    const rows: [string[], string[]][] = [[['&gt; 0'], ['10']], [['&gt; 5'], ['20']], [['&gt; 50'], ['5']]];
    const collect = await parseDmn(table({ hitPolicy: 'COLLECT', inputs: ['x'], outputs: ['y'], rows }));
    expect(evaluateDecision(collect, 'd1', { x: 60 })).toEqual([10, 20, 5]);
    expect(evaluateDecision(collect, 'd1', { x: -1 })).toEqual([]);
    const agg = async (a: string) => parseDmn(table({ hitPolicy: 'COLLECT', aggregation: a, inputs: ['x'], outputs: ['y'], rows }));
    expect(evaluateDecision(await agg('SUM'), 'd1', { x: 60 })).toBe(35);
    expect(evaluateDecision(await agg('MIN'), 'd1', { x: 60 })).toBe(5);
    expect(evaluateDecision(await agg('MAX'), 'd1', { x: 60 })).toBe(20);
    expect(evaluateDecision(await agg('COUNT'), 'd1', { x: 6 })).toBe(2);
    expect(evaluateDecision(await agg('SUM'), 'd1', { x: -1 })).toBeNull();
  });

  it('RULE ORDER returns every match, several outputs as contexts', async () => {
    const m = await parseDmn(
      table({ hitPolicy: 'RULE ORDER', inputs: ['segment', 'amount'], outputs: ['action', 'level'], rows: [[['"vip"', '-'], ['"call"', '1']], [['-', '&gt; 1000'], ['"review"', 'amount / 1000']]] }),
    );
    expect(evaluateDecision(m, 'd1', { segment: 'vip', amount: 5000 })).toEqual([
      { action: 'call', level: 1 },
      { action: 'review', level: 5 },
    ]);
  });

  it('several output columns give a context, one gives its value', async () => {
    const m = await parseDmn(table({ inputs: ['x'], outputs: ['a', 'b'], rows: [[['-'], ['x + 1', '']]] }));
    expect(evaluateDecision(m, 'd1', { x: 1 })).toEqual({ a: 2, b: null });
  });

  it('reports cells whose FEEL does not parse, and unknown decisions', async () => {
    const err = await parseDmn(table({ inputs: ['x +'], outputs: ['y'], rows: [[['"open'], ['1 +']]] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BpmnValidationError);
    const msgs = (err as BpmnValidationError).problems.map((p) => `${p.elementId}: ${p.message}`);
    expect(msgs.length).toBe(3);
    expect(msgs.join('\n')).toMatch(/in0: FEEL does not parse/);
    const m = await parseDmn(table(grades as never));
    expect(() => evaluateDecision(m, 'nope', {})).toThrow(/decision nope not found/);
  });

  it('rejects malformed XML with a position and rule/column count mismatches', async () => {
    const bad = await parseDmn('<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d">\n<decision id="x">\n</definitions>').catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(BpmnParseError);
    expect((bad as BpmnParseError).line).toBe(3);
    await expect(parseDmn(table({ inputs: ['x', 'y'], outputs: ['z'], rows: [[['1'], ['2']]] }))).rejects.toThrow(/different number of cells/);
  });
});
