/**
 * Prefilled prompts kept for reuse: the B = 1 KV cache `[n_layers, 2, 1, n_heads, P, head_dim]`
 * after a prompt's P tokens, plus its last-position logits `[V]`. A new prompt whose tokens and
 * images start with a stored prompt's continues from that cache (only the rest is prefilled);
 * an identical prompt needs no model call at all. Entries are private copies (LRU, bounded).
 */
import type { KvCache } from "./kv-cache";

export interface PrefixEntry {
  ids: number[];
  media: string[];
  cache: KvCache;
  lastLogits: Float32Array;
}

export class PrefixCache {
  private entries: PrefixEntry[] = [];
  hits = 0;
  misses = 0;

  constructor(
    public maxEntries = 8,
    public enabled = true,
  ) {}

  /** The stored entry with the longest token prefix of `ids` whose images are a prefix of `media`. */
  lookup(ids: readonly number[], media: readonly string[]): PrefixEntry | undefined {
    let best: PrefixEntry | undefined;
    if (this.enabled) {
      for (const e of this.entries) {
        if (e.ids.length > ids.length || (best && e.ids.length <= best.ids.length)) continue;
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

  /** Keep a copy of `cache` (the caller keeps ownership of its own). */
  store(ids: readonly number[], media: readonly string[], cache: KvCache, lastLogits: Float32Array): void {
    if (!this.enabled || this.maxEntries <= 0) return;
    const same = this.entries.find((e) => e.ids.length === ids.length && e.ids.every((t, i) => t === ids[i]) && e.media.length === media.length);
    if (same) return;
    this.entries.unshift({ ids: [...ids], media: [...media], cache: cache.gather([0]), lastLogits });
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
