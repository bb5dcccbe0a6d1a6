/**
 * Uplift of a campaign against its control group: the difference of two conversion rates with its
 * 95 % confidence interval by the two-proportion normal approximation (Wald, unpooled standard error),
 * and its significance: the two-sided p-value of the pooled two-proportion z-test (significant below 0.05).
 * Statistics only, in documented floats (rates, not money); rounded to 6 decimals for the wire.
 */
export interface Uplift {
  targetRate: number;
  controlRate: number;
  uplift: number;
  ci95: [number, number];
  targetN: number;
  controlN: number;
  pValue: number;
  significant: boolean;
}

/** The standard normal CDF (erf by Abramowitz–Stegun 7.1.26, |error| < 1.5e-7). */
function phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Two-sided p-value of the pooled two-proportion z-test (1 when both groups convert all or none). */
export function twoProportionP(x1: number, n1: number, x2: number, n2: number): number {
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return 1;
  return Math.min(1, 2 * (1 - phi(Math.abs(x1 / n1 - x2 / n2) / se)));
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
  const pValue = round(twoProportionP(targetConverted, targetN, controlConverted, controlN));
  return { targetRate: round(p1), controlRate: round(p2), uplift: round(d), ci95: [round(d - Z95 * se), round(d + Z95 * se)], targetN, controlN, pValue, significant: pValue < 0.05 };
}
