/**
 * Gradient-boosted decision trees for binary classification (log loss), histogram based:
 * every feature is cut into at most `maxBins` quantile bins once; each tree grows depth-wise to
 * `maxDepth` on the gradient/hessian histograms of its node (the larger child's histogram is the
 * parent's minus the smaller's). Leaf values are Newton steps −G/(H+λ) times the shrinkage.
 * Missing values (NaN) have their own bin and, at each split, go to the side that gains more
 * (the learned default direction). Positive rows may carry a class weight; the prior shift that
 * weight causes is taken out of the base margin afterwards, so the probabilities stay calibrated.
 * Row subsampling draws from a seeded stream: the same data and seed give the same model.
 *
 * Columns are feature-major (`columns[f][row]`), NaN for missing.
 */
import { seededRandom, sigmoid } from './random.js';

export interface GbdtParams {
  trees: number;
  learningRate: number;
  maxDepth: number;
  maxBins: number;
  minChildWeight: number;
  lambda: number;
  minGain: number;
  subsample: number;
  /** Weight of a positive row: a number, or 'balanced' (= negatives / positives). */
  positiveWeight: number | 'balanced';
  seed: number;
}

export const DEFAULT_GBDT: GbdtParams = {
  trees: 120, learningRate: 0.1, maxDepth: 4, maxBins: 64, minChildWeight: 3, lambda: 1, minGain: 0,
  subsample: 0.8, positiveWeight: 'balanced', seed: 42,
};

/** One tree in flat arrays; node 0 is the root; a leaf has feature −1. `cover` is the hessian mass that reached the node. */
export interface Tree {
  feature: number[];
  threshold: number[];
  defaultLeft: boolean[];
  left: number[];
  right: number[];
  value: number[];
  cover: number[];
}

export interface GbdtModel {
  type: 'gbdt';
  /** Margin before any tree (log-odds of the prior, weight shift removed). */
  baseMargin: number;
  trees: Tree[];
  featureCount: number;
  /** Total split gain per feature, normalized to sum 1. */
  importance: number[];
}

/** Quantile cut points of one column: bin b holds values ≤ edges[b] (and > edges[b−1]); the last edge is +∞. */
function binEdges(col: ArrayLike<number>, maxBins: number): number[] {
  const vals: number[] = [];
  for (let i = 0; i < col.length; i++) { const v = col[i]!; if (!Number.isNaN(v)) vals.push(v); }
  vals.sort((a, b) => a - b);
  const distinct: number[] = [];
  for (const v of vals) if (!distinct.length || v !== distinct[distinct.length - 1]) distinct.push(v);
  const edges: number[] = [];
  if (distinct.length <= maxBins) edges.push(...distinct.slice(0, -1));
  else {
    for (let b = 1; b < maxBins; b++) {
      const v = vals[Math.floor((b * vals.length) / maxBins)]!;
      if (v < distinct[distinct.length - 1]! && (!edges.length || v > edges[edges.length - 1]!)) edges.push(v);
    }
  }
  edges.push(Infinity);
  return edges;
}

function binOf(edges: number[], v: number): number {
  let lo = 0;
  let hi = edges.length - 1;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (v <= edges[mid]!) hi = mid; else lo = mid + 1; }
  return lo;
}

interface Hist { g: Float64Array; h: Float64Array }

/** `onTree` hears after each tree is added (progress; it cannot change the model). */
export function trainGbdt(columns: ArrayLike<number>[], y: ArrayLike<number>, params: Partial<GbdtParams> = {}, onTree?: (done: number, of: number) => void): GbdtModel {
  const P = { ...DEFAULT_GBDT, ...params };
  const n = y.length;
  const F = columns.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i]!;
  if (pos === 0 || pos === n) throw new Error('both classes are needed to train');
  const wPos = P.positiveWeight === 'balanced' ? (n - pos) / pos : P.positiveWeight;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = y[i] === 1 ? wPos : 1;

  // bins: value bins 0..k−1, the missing bin is k
  const edges = columns.map((c) => binEdges(c, P.maxBins));
  const bins: Uint16Array[] = columns.map((c, f) => {
    const e = edges[f]!;
    const out = new Uint16Array(n);
    for (let i = 0; i < n; i++) { const v = c[i]!; out[i] = Number.isNaN(v) ? e.length : binOf(e, v); }
    return out;
  });
  const nb = edges.map((e) => e.length + 1);

  const weightedPos = pos * wPos;
  const prior = weightedPos / (weightedPos + (n - pos));
  const start = Math.log(prior / (1 - prior));
  const margin = new Float64Array(n).fill(start);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const rand = seededRandom(P.seed);
  const gainByFeature = new Float64Array(F);
  const trees: Tree[] = [];
  const rowsBuf = new Uint32Array(n);

  const buildHist = (rows: Uint32Array, from: number, to: number): Hist[] =>
    bins.map((b, f) => {
      const hg = new Float64Array(nb[f]!);
      const hh = new Float64Array(nb[f]!);
      for (let k = from; k < to; k++) { const r = rows[k]!; const bb = b[r]!; hg[bb]! += g[r]!; hh[bb]! += h[r]!; }
      return { g: hg, h: hh };
    });

  for (let t = 0; t < P.trees; t++) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(margin[i]!);
      g[i] = (p - y[i]!) * w[i]!;
      h[i] = Math.max(p * (1 - p), 1e-16) * w[i]!;
    }
    let m = 0;
    for (let i = 0; i < n; i++) if (P.subsample >= 1 || rand() < P.subsample) rowsBuf[m++] = i;
    const tree: Tree = { feature: [], threshold: [], defaultLeft: [], left: [], right: [], value: [], cover: [] };
    const newNode = (): number => {
      tree.feature.push(-1); tree.threshold.push(0); tree.defaultLeft.push(false);
      tree.left.push(-1); tree.right.push(-1); tree.value.push(0); tree.cover.push(0);
      return tree.feature.length - 1;
    };
    // a work item: a node over rows[from, to) with its histograms
    type Item = { node: number; from: number; to: number; depth: number; hist: Hist[]; G: number; H: number };
    const root = newNode();
    const rootHist = buildHist(rowsBuf, 0, m);
    let G0 = 0; let H0 = 0;
    for (let k = 0; k < m; k++) { G0 += g[rowsBuf[k]!]!; H0 += h[rowsBuf[k]!]!; }
    const stack: Item[] = [{ node: root, from: 0, to: m, depth: 0, hist: rootHist, G: G0, H: H0 }];
    while (stack.length) {
      const it = stack.pop()!;
      tree.cover[it.node] = it.H;
      const leafValue = (-it.G / (it.H + P.lambda)) * P.learningRate;
      let best = { gain: P.minGain, f: -1, bin: -1, missLeft: false, GL: 0, HL: 0 };
      if (it.depth < P.maxDepth && it.H >= 2 * P.minChildWeight) {
        const parentScore = (it.G * it.G) / (it.H + P.lambda);
        for (let f = 0; f < F; f++) {
          const { g: hg, h: hh } = it.hist[f]!;
          const k = nb[f]! - 1; // missing bin
          const Gm = hg[k]!; const Hm = hh[k]!;
          let GL = 0; let HL = 0;
          for (let b = 0; b < k - 1; b++) {
            GL += hg[b]!; HL += hh[b]!;
            for (const missLeft of [false, true]) {
              const gl = missLeft ? GL + Gm : GL; const hl = missLeft ? HL + Hm : HL;
              const gr = it.G - gl; const hr = it.H - hl;
              if (hl < P.minChildWeight || hr < P.minChildWeight) continue;
              const gain = (gl * gl) / (hl + P.lambda) + (gr * gr) / (hr + P.lambda) - parentScore;
              if (gain > best.gain + 1e-12) best = { gain, f, bin: b, missLeft, GL: gl, HL: hl };
            }
          }
        }
      }
      if (best.f < 0) { tree.value[it.node] = leafValue; continue; }
      const f = best.f;
      const b = bins[f]!;
      const missBin = nb[f]! - 1;
      // partition rows in place: left first
      let i = it.from; let j = it.to - 1;
      const goesLeft = (r: number) => { const bb = b[r]!; return bb === missBin ? best.missLeft : bb <= best.bin; };
      while (i <= j) {
        if (goesLeft(rowsBuf[i]!)) i++;
        else { const tmp = rowsBuf[i]!; rowsBuf[i] = rowsBuf[j]!; rowsBuf[j] = tmp; j--; }
      }
      const mid = i;
      const l = newNode(); const r = newNode();
      tree.feature[it.node] = f;
      tree.threshold[it.node] = edges[f]![best.bin]!;
      tree.defaultLeft[it.node] = best.missLeft;
      tree.left[it.node] = l; tree.right[it.node] = r;
      gainByFeature[f]! += best.gain;
      const leftSmaller = mid - it.from <= it.to - mid;
      const small = leftSmaller ? buildHist(rowsBuf, it.from, mid) : buildHist(rowsBuf, mid, it.to);
      const large = it.hist.map((ph, ff) => {
        const sg = small[ff]!.g; const sh = small[ff]!.h;
        const lg = new Float64Array(ph.g.length); const lh = new Float64Array(ph.h.length);
        for (let q = 0; q < lg.length; q++) { lg[q] = ph.g[q]! - sg[q]!; lh[q] = ph.h[q]! - sh[q]!; }
        return { g: lg, h: lh };
      });
      const leftHist = leftSmaller ? small : large;
      const rightHist = leftSmaller ? large : small;
      stack.push({ node: r, from: mid, to: it.to, depth: it.depth + 1, hist: rightHist, G: it.G - best.GL, H: it.H - best.HL });
      stack.push({ node: l, from: it.from, to: mid, depth: it.depth + 1, hist: leftHist, G: best.GL, H: best.HL });
    }
    trees.push(tree);
    for (let i2 = 0; i2 < n; i2++) margin[i2]! += treeValue(tree, (f) => columns[f]![i2]!);
    onTree?.(t + 1, P.trees);
  }
  const total = gainByFeature.reduce((a, b) => a + b, 0);
  return {
    type: 'gbdt',
    baseMargin: start - Math.log(wPos),
    trees,
    featureCount: F,
    importance: Array.from(gainByFeature, (v) => (total > 0 ? v / total : 0)),
  };
}

function leafOf(tree: Tree, x: (f: number) => number): number {
  let node = 0;
  while (tree.feature[node]! >= 0) {
    const v = x(tree.feature[node]!);
    const left = Number.isNaN(v) ? tree.defaultLeft[node]! : v <= tree.threshold[node]!;
    node = left ? tree.left[node]! : tree.right[node]!;
  }
  return node;
}

function treeValue(tree: Tree, x: (f: number) => number): number {
  return tree.value[leafOf(tree, x)]!;
}

/** The raw margin (log-odds) of one row (`x[f]`, NaN for missing): a tight loop, no allocation (scoring runs it per record). */
export function gbdtMargin(model: GbdtModel, x: ArrayLike<number>): number {
  let s = model.baseMargin;
  for (const t of model.trees) {
    const { feature, threshold, defaultLeft, left, right } = t;
    let node = 0;
    for (let f = feature[0]!; f >= 0; f = feature[node]!) {
      const v = x[f]!;
      node = (v !== v ? defaultLeft[node] : v <= threshold[node]!) ? left[node]! : right[node]!;
    }
    s += t.value[node]!;
  }
  return s;
}

export const gbdtProbability = (model: GbdtModel, x: ArrayLike<number>): number => sigmoid(gbdtMargin(model, x));

/** The cover-weighted mean margin over the training data: the baseline of the explanations. */
export function gbdtExpectedMargin(model: GbdtModel): number {
  let s = model.baseMargin;
  for (const t of model.trees) {
    const ev = (node: number): number =>
      t.feature[node]! < 0 ? t.value[node]! : (t.cover[t.left[node]!]! * ev(t.left[node]!) + t.cover[t.right[node]!]! * ev(t.right[node]!)) / t.cover[node]!;
    s += ev(0);
  }
  return s;
}

/**
 * Exact Shapley values of the margin, path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2),
 * polynomial in the depth. The contributions plus `gbdtExpectedMargin(model)` equal `gbdtMargin(model, x)`.
 */
export function gbdtShap(model: GbdtModel, x: ArrayLike<number>): number[] {
  const phi = new Array<number>(model.featureCount).fill(0);
  for (const t of model.trees) treeShap(t, x, phi);
  return phi;
}

interface PathEl { d: number; z: number; o: number; w: number }

function extend(m: PathEl[], pz: number, po: number, pi: number): PathEl[] {
  const l = m.length;
  const out = m.map((e) => ({ ...e }));
  out.push({ d: pi, z: pz, o: po, w: l === 0 ? 1 : 0 });
  for (let i = l - 1; i >= 0; i--) {
    out[i + 1]!.w += (po * out[i]!.w * (i + 1)) / (l + 1);
    out[i]!.w = (pz * out[i]!.w * (l - i)) / (l + 1);
  }
  return out;
}

function unwind(m: PathEl[], i: number): PathEl[] {
  const l = m.length; // 1-based length of the path
  const { o: oi, z: zi } = m[i]!;
  let n = m[l - 1]!.w;
  const out = m.slice(0, l - 1).map((e) => ({ ...e }));
  for (let j = l - 1; j >= 1; j--) {
    const e = out[j - 1]!;
    if (oi !== 0) {
      const t = e.w;
      e.w = (n * l) / (j * oi);
      n = t - (e.w * zi * (l - j)) / l;
    } else {
      e.w = (e.w * l) / (zi * (l - j));
    }
  }
  for (let j = i; j < l - 1; j++) { out[j]!.d = m[j + 1]!.d; out[j]!.z = m[j + 1]!.z; out[j]!.o = m[j + 1]!.o; }
  return out;
}

function treeShap(t: Tree, x: ArrayLike<number>, phi: number[]): void {
  const recurse = (j: number, path: PathEl[], pz: number, po: number, pi: number): void => {
    let m = extend(path, pz, po, pi);
    if (t.feature[j]! < 0) {
      for (let i = 1; i < m.length; i++) {
        const w = unwind(m, i).reduce((s, e) => s + e.w, 0);
        phi[m[i]!.d]! += w * (m[i]!.o - m[i]!.z) * t.value[j]!;
      }
      return;
    }
    const f = t.feature[j]!;
    const v = x[f]!;
    const goLeft = Number.isNaN(v) ? t.defaultLeft[j]! : v <= t.threshold[j]!;
    const hot = goLeft ? t.left[j]! : t.right[j]!;
    const cold = goLeft ? t.right[j]! : t.left[j]!;
    let iz = 1; let io = 1;
    const k = m.findIndex((e, idx) => idx > 0 && e.d === f);
    if (k > 0) { iz = m[k]!.z; io = m[k]!.o; m = unwind(m, k); }
    const rj = t.cover[j]!;
    recurse(hot, m, (iz * t.cover[hot]!) / rj, io, f);
    recurse(cold, m, (iz * t.cover[cold]!) / rj, 0, f);
  };
  recurse(0, [], 1, 1, -1);
}
