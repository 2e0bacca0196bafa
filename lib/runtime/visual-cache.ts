/**
 * Visual tokens per image, `[L, D]` float32 each, keyed by the image's content hash (asset id),
 * least-recently-used entries evicted past `maxEntries`. Switched off, it stores nothing and
 * every lookup is a miss (for benchmarks and cached-vs-uncached tests).
 */
export interface VisualCacheStats {
  hits: number;
  misses: number;
  entries: number;
  enabled: boolean;
}

export class VisualCache {
  private readonly map = new Map<string, Float32Array>();
  hits = 0;
  misses = 0;

  constructor(
    public maxEntries = 512,
    public enabled = true,
  ) {}

  get(key: string): Float32Array | undefined {
    const v = this.enabled ? this.map.get(key) : undefined;
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  set(key: string, tokens: Float32Array): void {
    if (!this.enabled || this.maxEntries <= 0) return;
    this.map.delete(key);
    this.map.set(key, tokens);
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
    }
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    if (!enabled) this.map.clear();
  }

  clear(): void {
    this.map.clear();
    this.hits = 0;
    this.misses = 0;
  }

  stats(): VisualCacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.map.size, enabled: this.enabled };
  }
}
