import { describe, expect, it } from "vitest";
import { KvCache } from "@/lib/runtime/kv-cache";
import { FakeTensor, fakeOrt } from "./runtime-fake-ort";

const shape = { nLayers: 2, nHeads: 2, headDim: 3 };

/** `[n_layers, 2, B, n_heads, P, head_dim]` filled with value = 1000*layer + 100*kv + 10*b + position. */
function present(B: number, P: number): FakeTensor {
  const { nLayers, nHeads, headDim } = shape;
  const data = new Float32Array(nLayers * 2 * B * nHeads * P * headDim);
  let i = 0;
  for (let l = 0; l < nLayers; l++)
    for (let kv = 0; kv < 2; kv++)
      for (let b = 0; b < B; b++) for (let h = 0; h < nHeads; h++) for (let p = 0; p < P; p++) for (let d = 0; d < headDim; d++) data[i++] = 1000 * l + 100 * kv + 10 * b + p;
  return new FakeTensor("float32", data, [nLayers, 2, B, nHeads, P, headDim]);
}

describe("runtime KV cache", () => {
  it("starts empty and takes ownership of present_key_values, disposing the old tensor", () => {
    const c = KvCache.empty(fakeOrt, shape, 1);
    expect(c.length).toBe(0);
    expect(c.tensor.dims).toEqual([2, 2, 1, 2, 0, 3]);
    const first = c.tensor as FakeTensor;
    const p = present(1, 4);
    c.update(p);
    expect(first.disposed).toBe(true);
    expect(c.length).toBe(4);
    expect(() => c.update(new FakeTensor("float32", new Float32Array(0), [2, 2, 1, 3, 0, 3]))).toThrow(/shape/);
    c.dispose();
    expect(p.disposed).toBe(true);
    expect(() => c.tensor).toThrow(/dispose/);
  });

  it("tiles one row to K rows and reorders rows for beam search", () => {
    const c = KvCache.empty(fakeOrt, shape, 3);
    c.update(present(3, 2));
    const tiled = c.gather([1, 1, 1, 1]);
    expect(tiled.tensor.dims).toEqual([2, 2, 4, 2, 2, 3]);
    const reordered = c.gather([2, 0]);
    const d = reordered.tensor.data as Float32Array;
    const block = 2 * 2 * 3; // n_heads * P * head_dim
    // layer 1, values (kv = 1), new row 0 = old row 2, position 1
    const at = (l: number, kv: number, b: number, p: number) => d[((l * 2 + kv) * 2 + b) * block + p * 3];
    expect(at(1, 1, 0, 1)).toBe(1000 + 100 + 20 + 1);
    expect(at(0, 0, 1, 0)).toBe(0);
    const t = tiled.tensor.data as Float32Array;
    expect(t[((1 * 2 + 0) * 4 + 3) * block]).toBe(1000 + 10);
    expect(() => c.gather([3])).toThrow(/out of range/);
  });
});
