/**
 * The A/B split: a customer's variant is a pure function of the journey key and the customer id
 * (SHA-256 → a bucket 0–99 → the variant whose cumulative percentage covers it), so a customer lands
 * in the same variant on every entry, on every server, and the shares follow the percentages.
 */
import { createHash } from 'node:crypto';

export interface Split {
  variants: { key: string; percent: number }[];
}

export function bucketOf(journeyKey: string, customerId: string): number {
  const h = createHash('sha256').update(`${journeyKey}:${customerId.toLowerCase()}`).digest();
  return h.readUInt32BE(0) % 100;
}

export function variantOf(split: Split | null | undefined, journeyKey: string, customerId: string): string | null {
  if (!split?.variants.length) return null;
  const b = bucketOf(journeyKey, customerId);
  let upTo = 0;
  for (const v of split.variants) {
    upTo += v.percent;
    if (b < upTo) return v.key;
  }
  return split.variants[split.variants.length - 1]!.key;
}
