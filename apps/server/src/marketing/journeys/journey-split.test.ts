import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { bucketOf, variantOf } from './journey-split.js';

describe('journey A/B split', () => {
  const split = { variants: [{ key: 'A', percent: 30 }, { key: 'B', percent: 70 }] };

  it('puts a customer in the same variant every time, and different journeys split independently', () => {
    const id = randomUUID();
    expect(variantOf(split, 'j1', id)).toBe(variantOf(split, 'j1', id));
    expect(variantOf(split, 'j1', id.toUpperCase())).toBe(variantOf(split, 'j1', id));
    const ids = Array.from({ length: 400 }, () => randomUUID());
    const same = ids.filter((c) => bucketOf('j1', c) === bucketOf('j2', c)).length;
    expect(same).toBeLessThan(40);
  });

  it('follows the percentages', () => {
    const n = 20000;
    let a = 0;
    for (let i = 0; i < n; i++) if (variantOf(split, 'shares', randomUUID()) === 'A') a++;
    expect(a / n).toBeGreaterThan(0.28);
    expect(a / n).toBeLessThan(0.32);
  });

  it('has no variant without a split', () => {
    expect(variantOf(null, 'j', randomUUID())).toBeNull();
  });
});
