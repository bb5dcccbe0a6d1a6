/** Runs every conformance script in engine-specs/bpmn (twice: the engine must be deterministic). */
import { describe, it, expect } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBpmn, parseDmn, type DecisionModel } from './index.js';
import { runScript, type SpecScript } from './spec-script.js';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), '../../../engine-specs/bpmn');
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.script.json'))
  .map((f) => f.slice(0, -'.script.json'.length))
  .sort();

describe('engine-specs/bpmn conformance scripts', () => {
  it('has at least 32 models, each with a script', () => {
    expect(names.length).toBeGreaterThanOrEqual(32);
    for (const n of names) expect(readdirSync(dir)).toContain(`${n}.bpmn`);
  });

  for (const name of names) {
    it(name, async () => {
      const script = JSON.parse(readFileSync(join(dir, `${name}.script.json`), 'utf8')) as SpecScript;
      const model = await parseBpmn(readFileSync(join(dir, `${name}.bpmn`), 'utf8'));
      const decisions: DecisionModel[] = [];
      for (const f of script.decisions ?? []) decisions.push(await parseDmn(readFileSync(join(dir, f), 'utf8')));
      const first = runScript(model, script, { decisions });
      expect(first.failures).toEqual([]);
      const again = runScript(JSON.parse(JSON.stringify(model)), script, { decisions });
      expect(JSON.stringify(again.state)).toBe(JSON.stringify(first.state));
      expect(JSON.stringify(again.effects)).toBe(JSON.stringify(first.effects));
    });
  }
});
