/** A small seeded pseudo-random stream (mulberry32): the same seed gives the same split and the same trees. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A stratified holdout split: each class is shuffled with the seed and `holdoutFraction` of it held out,
 * so a rare positive class is present on both sides. Returns row indices.
 */
export function holdoutSplit(labels: ArrayLike<number>, holdoutFraction: number, seed: number): { train: number[]; holdout: number[] } {
  const rand = seededRandom(seed);
  const train: number[] = [];
  const holdout: number[] = [];
  for (const cls of [0, 1]) {
    const rows: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === cls) rows.push(i);
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = rows[i]!; rows[i] = rows[j]!; rows[j] = t;
    }
    const cut = Math.round(rows.length * holdoutFraction);
    holdout.push(...rows.slice(0, cut));
    train.push(...rows.slice(cut));
  }
  train.sort((a, b) => a - b);
  holdout.sort((a, b) => a - b);
  return { train, holdout };
}

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
