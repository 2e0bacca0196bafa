/**
 * The self-attention KV cache of lm.onnx: one float32 tensor
 * `[n_layers, 2, B, n_heads, P, head_dim]` (axis 1: 0 = keys, 1 = values), owned by this
 * object. `update()` swaps in the `present_key_values` of the last call and disposes the
 * old tensor; `gather()` builds a new cache whose batch rows are picked from this one
 * (tiling for prefix-shared scoring, reordering for beam search).
 */
import { float32Data, type OrtNamespace, type OrtTensor } from "./ort";

export interface KvShape {
  nLayers: number;
  nHeads: number;
  headDim: number;
}

export class KvCache {
  private t: OrtTensor;
  private disposed = false;

  private constructor(
    private readonly ort: OrtNamespace,
    readonly shape: KvShape,
    tensor: OrtTensor,
  ) {
    this.t = tensor;
  }

  /** An empty cache (`P = 0`) for `batch` rows. */
  static empty(ort: OrtNamespace, shape: KvShape, batch: number): KvCache {
    const dims = [shape.nLayers, 2, batch, shape.nHeads, 0, shape.headDim];
    return new KvCache(ort, shape, new ort.Tensor("float32", new Float32Array(0), dims));
  }

  /** `past_key_values` to feed: `[n_layers, 2, B, n_heads, P, head_dim]`. */
  get tensor(): OrtTensor {
    if (this.disposed) throw new Error("KV cache used after dispose()");
    return this.t;
  }

  get batch(): number {
    return this.t.dims[2] as number;
  }

  /** P: how many tokens the cache holds (positions 0..P-1). */
  get length(): number {
    return this.t.dims[4] as number;
  }

  /** Take ownership of `present_key_values` `[n_layers, 2, B, n_heads, P+S, head_dim]`. */
  update(present: OrtTensor): void {
    if (this.disposed) throw new Error("KV cache used after dispose()");
    const d = present.dims;
    if (d.length !== 6 || d[0] !== this.shape.nLayers || d[1] !== 2 || d[3] !== this.shape.nHeads || d[5] !== this.shape.headDim) {
      throw new Error(`present_key_values has shape [${d.join(", ")}], expected [${this.shape.nLayers}, 2, B, ${this.shape.nHeads}, P, ${this.shape.headDim}]`);
    }
    if (present !== this.t) this.t.dispose?.();
    this.t = present;
  }

  /**
   * A new cache with `rows.length` batch rows, row b copied from row `rows[b]` of this one.
   * `gather([0, 0, 0])` tiles a B = 1 cache to 3 rows.
   */
  gather(rows: readonly number[]): KvCache {
    const src = float32Data(this.tensor);
    const B = this.batch;
    const block = this.shape.nHeads * this.length * this.shape.headDim; // one batch row of one (layer, k/v)
    const outer = this.shape.nLayers * 2;
    const out = new Float32Array(outer * rows.length * block);
    for (let o = 0; o < outer; o++) {
      for (let b = 0; b < rows.length; b++) {
        const r = rows[b] as number;
        if (r < 0 || r >= B) throw new Error(`KV cache row ${r} out of range (batch ${B})`);
        const from = (o * B + r) * block;
        out.set(src.subarray(from, from + block), (o * rows.length + b) * block);
      }
    }
    const dims = [this.shape.nLayers, 2, rows.length, this.shape.nHeads, this.length, this.shape.headDim];
    return new KvCache(this.ort, this.shape, new this.ort.Tensor("float32", out, dims));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.t.dispose?.();
  }
}
