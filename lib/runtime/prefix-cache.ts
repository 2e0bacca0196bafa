/**
 * Prefilled prompts kept for reuse: the B = 1 KV cache `[n_layers, 2, 1, n_heads, P, head_dim]`
 * after a prompt's P tokens, plus its last-position logits `[V]`. A new prompt whose tokens and
 * images start with a stored prompt's continues from that cache (only the rest is prefilled);
 * an identical prompt needs no model call at all. Entries are private copies (LRU, bounded).
 */
import type { KvCache } from "./kv-cache";
import type { RowLogProbs } from "./logprobs";

/**
 * Per-position log-probs of a stored prefix (FlamingoEngine.promptLogProbs): `at[i]` is how position
 * i's token scored given the tokens before it (`at[0]` is null), with the `k` most likely alternatives.
 */
export interface PrefixLogProbs {
  k: number;
  at: (RowLogProbs | null)[];
}

export interface PrefixEntry {
  ids: number[];
  media: string[];
  cache: KvCache;
  lastLogits: Float32Array;
  /** Only on entries stored (or revisited) by prompt log-prob runs: one per id of `ids`. */
  logProbs?: PrefixLogProbs;
}

export class PrefixCache {
  private entries: PrefixEntry[] = [];
  hits = 0;
  misses = 0;

  constructor(
    public maxEntries = 8,
    public enabled = true,
  ) {}

  /**
   * The stored entry with the longest token prefix of `ids` whose images are a prefix of `media`
   * (and that `accept` takes, when given).
   */
  lookup(ids: readonly number[], media: readonly string[], accept?: (e: PrefixEntry) => boolean): PrefixEntry | undefined {
    let best: PrefixEntry | undefined;
    if (this.enabled) {
      for (const e of this.entries) {
        if (e.ids.length > ids.length || (best && e.ids.length <= best.ids.length)) continue;
        if (accept && !accept(e)) continue;
        if (e.media.length > media.length || !e.media.every((m, i) => m === media[i])) continue;
        if (e.ids.every((t, i) => t === ids[i])) best = e;
      }
    }
    if (!best) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries = [best, ...this.entries.filter((e) => e !== best)];
    return best;
  }

  /**
   * Keep a copy of `cache` (the caller keeps ownership of its own). `logProbs` (one per id) is kept
   * with it, and added to an equal entry stored without them (or with fewer alternatives).
   */
  store(ids: readonly number[], media: readonly string[], cache: KvCache, lastLogits: Float32Array, logProbs?: PrefixLogProbs): void {
    if (!this.enabled || this.maxEntries <= 0) return;
    const same = this.entries.find((e) => e.ids.length === ids.length && e.ids.every((t, i) => t === ids[i]) && e.media.length === media.length && e.media.every((m, i) => m === media[i]));
    if (same) {
      if (logProbs && (!same.logProbs || same.logProbs.k < logProbs.k)) same.logProbs = logProbs;
      return;
    }
    this.entries.unshift({ ids: [...ids], media: [...media], cache: cache.gather([0]), lastLogits, ...(logProbs ? { logProbs } : {}) });
    while (this.entries.length > this.maxEntries) this.entries.pop()?.cache.dispose();
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    if (!enabled) this.clear();
  }

  clear(): void {
    for (const e of this.entries) e.cache.dispose();
    this.entries = [];
  }

  stats(): { hits: number; misses: number; entries: number; enabled: boolean } {
    return { hits: this.hits, misses: this.misses, entries: this.entries.length, enabled: this.enabled };
  }
}
