/** Pure next-token selection over one row of logits `[V]`. */

/** Deterministic PRNG (mulberry32): uniform in [0, 1). Same seed, same draws, on every platform. */
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

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  let bestV = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i] as number;
    if (v > bestV) {
      bestV = v;
      best = i;
    }
  }
  return best;
}

/** log-softmax in float64: `[V]` -> `[V]`. */
export function logSoftmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i] as number) - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = (logits[i] as number) - lse;
  return out;
}

/** log Σ exp(row) in float64: one pass for the max, one for the sum. */
export function logSumExp(row: ArrayLike<number>): number {
  const n = row.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = row[i] as number;
    if (v > max) max = v;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp((row[i] as number) - max);
  return max + Math.log(sum);
}

/** log-softmax(row)[index] without building the whole row (float64). */
export function logProbAt(row: ArrayLike<number>, index: number): number {
  return (row[index] as number) - logSumExp(row);
}

/** Indices of the k largest values, largest first. */
export function topK(values: ArrayLike<number>, k: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (idx.length < k) {
      idx.push(i);
      idx.sort((a, b) => (values[b] as number) - (values[a] as number));
    } else if (v > (values[idx[k - 1] as number] as number)) {
      idx[k - 1] = i;
      idx.sort((a, b) => (values[b] as number) - (values[a] as number));
    }
  }
  return idx;
}

/**
 * Temperature + nucleus (top-p) sampling. `temperature <= 0` is greedy.
 * Ties and order are deterministic, so a seeded `random` reproduces a draw exactly.
 */
export function sampleToken(logits: ArrayLike<number>, temperature: number, topP: number, random: () => number): number {
  if (!(temperature > 0)) return argmax(logits);
  const V = logits.length;
  const scaled = new Float64Array(V);
  for (let i = 0; i < V; i++) scaled[i] = (logits[i] as number) / temperature;
  const lp = logSoftmax(scaled);
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => (lp[b] as number) - (lp[a] as number) || a - b);
  const keep: number[] = [];
  let mass = 0;
  for (const i of order) {
    keep.push(i);
    mass += Math.exp(lp[i] as number);
    if (mass >= topP) break;
  }
  let r = random() * mass;
  for (const i of keep) {
    r -= Math.exp(lp[i] as number);
    if (r <= 0) return i;
  }
  return keep[keep.length - 1] as number;
}
