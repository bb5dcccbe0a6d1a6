/**
 * Forecasting methods for report time series — pure functions, no I/O.
 *
 * Exponential smoothing in the textbook form (Hyndman & Athanasopoulos, "Forecasting: Principles and
 * Practice", ch. 8): Holt's linear trend and additive Holt-Winters, with smoothing parameters chosen by
 * a grid search minimising the one-step-ahead squared errors, and prediction intervals from the
 * analytical variance of the equivalent ETS state-space model (ETS(A,A,N) / ETS(A,A,A):
 * var_h = σ²(1 + Σ_{j<h} c_j²), c_j = α + αβ·j + (1−α)γ·[j mod m = 0]); seasonal naive is the floor
 * every method must beat in the backtest. A forecast is a statistical estimate, computed in floating
 * point; the answers round it to the measure's scale as decimal strings.
 */

export type MethodName = 'seasonal_naive' | 'holt' | 'holt_winters_additive';

export interface Fitted {
  method: MethodName;
  /** Point forecasts for steps 1..h. */
  forecast(h: number): number[];
  /** Forecast variance for steps 1..h. */
  variance(h: number): number[];
  params: Record<string, number>;
}

const GRID = Array.from({ length: 19 }, (_, i) => (i + 1) / 20); // 0.05 … 0.95

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => sum(xs) / xs.length;

/** σ² of one-step errors with `k` estimated parameters (at least one degree of freedom kept). */
function sigma2(sse: number, n: number, k: number): number {
  return sse / Math.max(1, n - k);
}

export function seasonalNaive(y: number[], m: number): Fitted {
  const p = Math.max(1, m);
  if (y.length < p) throw new Error(`seasonal naive needs at least ${p} observations`);
  let sse = 0;
  let n = 0;
  for (let t = p; t < y.length; t++) {
    sse += (y[t]! - y[t - p]!) ** 2;
    n++;
  }
  const s2 = n > 0 ? sse / n : 0;
  const last = y.slice(-p);
  return {
    method: 'seasonal_naive',
    params: { m: p },
    forecast: (h) => Array.from({ length: h }, (_, i) => last[i % p]!),
    variance: (h) => Array.from({ length: h }, (_, i) => s2 * (Math.floor(i / p) + 1)),
  };
}

interface HwState { level: number; trend: number; season: number[]; sse: number; n: number }

/** Initial level, trend and seasonal indices from the first seasons (exact for a noise-free linear trend plus a zero-mean season). */
function initialState(y: number[], m: number): { level: number; trend: number; season: number[] } {
  const first = y.slice(0, m);
  const mean1 = mean(first);
  let trend = 0;
  if (y.length >= 2 * m) trend = (mean(y.slice(m, 2 * m)) - mean1) / m;
  else if (y.length > m) {
    const rest = y.slice(m);
    trend = (mean(rest) - mean1) / (m + (rest.length - 1) / 2 - (m - 1) / 2);
  }
  const centre = (m - 1) / 2;
  const season = first.map((v, i) => v - (mean1 + trend * (i - centre)));
  return { level: mean1 + trend * (m - 1 - centre), trend, season };
}

/** Runs additive Holt-Winters over y (m ≥ 2) or Holt's linear trend (m = 1, no season). */
function smooth(y: number[], m: number, alpha: number, beta: number, gamma: number): HwState {
  const seasonal = m > 1;
  const start = seasonal ? m : 2;
  let level: number;
  let trend: number;
  let season: number[];
  if (seasonal) ({ level, trend, season } = initialState(y, m));
  else {
    level = y[1]!;
    trend = y[1]! - y[0]!;
    season = [0];
  }
  let sse = 0;
  let n = 0;
  for (let t = start; t < y.length; t++) {
    const s = seasonal ? season[t % m]! : 0;
    const err = y[t]! - (level + trend + s);
    sse += err * err;
    n++;
    const prevLevel = level;
    level = alpha * (y[t]! - s) + (1 - alpha) * (level + trend);
    trend = beta * (level - prevLevel) + (1 - beta) * trend;
    if (seasonal) season[t % m] = gamma * (y[t]! - level) + (1 - gamma) * s;
  }
  // Seasonal indices rotated so that index 0 is the season of the next period.
  const next = y.length;
  const rotated = seasonal ? season.map((_, i) => season[(next + i) % m]!) : [0];
  return { level, trend, season: rotated, sse, n };
}

function fitSmoothing(y: number[], m: number): Fitted {
  const seasonal = m > 1;
  let best: { a: number; b: number; g: number; st: HwState } | null = null;
  for (const a of GRID) {
    for (const b of GRID) {
      for (const g of seasonal ? GRID : [0]) {
        const st = smooth(y, m, a, b, g);
        if (!best || st.sse < best.st.sse) best = { a, b, g, st };
      }
    }
  }
  const { a, b, g, st } = best!;
  const k = seasonal ? 3 + 2 + (m - 1) : 2 + 2; // smoothing parameters + initial states
  const s2 = sigma2(st.sse, st.n, Math.min(k, Math.max(0, st.n - 1)));
  const c = (j: number) => a + a * b * j + (seasonal && j % m === 0 ? (1 - a) * g : 0);
  return {
    method: seasonal ? 'holt_winters_additive' : 'holt',
    params: seasonal ? { alpha: a, beta: b, gamma: g, m } : { alpha: a, beta: b },
    forecast: (h) => Array.from({ length: h }, (_, i) => st.level + (i + 1) * st.trend + (seasonal ? st.season[i % m]! : 0)),
    variance: (h) => {
      const out: number[] = [];
      let acc = 1;
      for (let i = 0; i < h; i++) {
        if (i > 0) acc += c(i) ** 2;
        out.push(s2 * acc);
      }
      return out;
    },
  };
}

/** Additive Holt-Winters; needs at least one season and two more observations. */
export function holtWinters(y: number[], m: number): Fitted {
  if (m < 2) throw new Error('Holt-Winters needs a seasonal period of at least 2');
  if (y.length < m + 2) throw new Error(`Holt-Winters needs at least ${m + 2} observations`);
  return fitSmoothing(y, m);
}

/** Holt's linear trend (no season); needs at least three observations. */
export function holt(y: number[]): Fitted {
  if (y.length < 3) throw new Error('Holt needs at least 3 observations');
  return fitSmoothing(y, 1);
}

/** Mean absolute percentage error (percent) over the non-zero actual values; null when every actual is zero. */
export function mape(actual: number[], predicted: number[]): number | null {
  const terms: number[] = [];
  actual.forEach((a, i) => {
    if (a !== 0) terms.push(Math.abs((a - predicted[i]!) / a));
  });
  return terms.length ? (100 * sum(terms)) / terms.length : null;
}

export const Z80 = 1.2815515655446004;
export const Z95 = 1.959963984540054;

export interface Candidate {
  method: MethodName;
  backtestMape: number | null;
}

export interface ForecastResult {
  method: MethodName;
  backtestMape: number | null;
  candidates: Candidate[];
  params: Record<string, number>;
  points: { value: number; lo80: number; hi80: number; lo95: number; hi95: number }[];
}

const METHODS: { name: MethodName; eligible: (n: number, m: number) => boolean; fit: (y: number[], m: number) => Fitted }[] = [
  { name: 'seasonal_naive', eligible: (n, m) => n >= Math.max(1, m), fit: seasonalNaive },
  { name: 'holt', eligible: (n) => n >= 3, fit: (y) => holt(y) },
  { name: 'holt_winters_additive', eligible: (n, m) => m >= 2 && n >= m + 2, fit: holtWinters },
];

/**
 * Chooses the method by a backtest on the last periods (the training part must still fit every
 * method it compares), refits the winner on the whole series and forecasts `horizon` periods with
 * 80 % and 95 % intervals. Seasonal naive wins ties: a method must be better, not as good.
 */
export function forecastSeries(y: number[], m: number, horizon: number): ForecastResult {
  const n = y.length;
  if (n < 2) throw new Error('a forecast needs at least 2 observations');
  const holdout = Math.max(1, Math.min(horizon, m > 1 ? m : 6, Math.floor(n / 4)));
  const train = y.slice(0, n - holdout);
  const test = y.slice(n - holdout);
  const candidates: Candidate[] = [];
  for (const meth of METHODS) {
    if (!meth.eligible(train.length, m) || !meth.eligible(n, m)) continue;
    candidates.push({ method: meth.name, backtestMape: mape(test, meth.fit(train, m).forecast(holdout)) });
  }
  // With too little history for any backtest, the naive forecast of the last value.
  const ranked = [...candidates].sort((a, b) => (a.backtestMape ?? Infinity) - (b.backtestMape ?? Infinity));
  const chosen = ranked[0] ?? { method: 'seasonal_naive' as const, backtestMape: null };
  const method = METHODS.find((x) => x.name === chosen.method)!;
  const fitted = method.eligible(n, m) ? method.fit(y, m) : seasonalNaive(y, Math.min(m, n));
  const values = fitted.forecast(horizon);
  const variances = fitted.variance(horizon);
  return {
    method: fitted.method,
    backtestMape: chosen.backtestMape,
    candidates,
    params: fitted.params,
    points: values.map((v, i) => {
      const sd = Math.sqrt(Math.max(0, variances[i]!));
      return { value: v, lo80: v - Z80 * sd, hi80: v + Z80 * sd, lo95: v - Z95 * sd, hi95: v + Z95 * sd };
    }),
  };
}
