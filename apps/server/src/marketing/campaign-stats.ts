/**
 * Uplift of a campaign against its control group: the difference of two conversion rates with its
 * 95 % confidence interval by the two-proportion normal approximation (Wald, unpooled standard error).
 * Statistics only, in documented floats (rates, not money); rounded to 6 decimals for the wire.
 */
export interface Uplift {
  targetRate: number;
  controlRate: number;
  uplift: number;
  ci95: [number, number];
  targetN: number;
  controlN: number;
}

const Z95 = 1.959963984540054;
const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** null when either group is empty (nothing to compare). */
export function upliftOf(targetConverted: number, targetN: number, controlConverted: number, controlN: number): Uplift | null {
  if (targetN <= 0 || controlN <= 0) return null;
  const p1 = targetConverted / targetN;
  const p2 = controlConverted / controlN;
  const se = Math.sqrt((p1 * (1 - p1)) / targetN + (p2 * (1 - p2)) / controlN);
  const d = p1 - p2;
  return { targetRate: round(p1), controlRate: round(p2), uplift: round(d), ci95: [round(d - Z95 * se), round(d + Z95 * se)], targetN, controlN };
}
