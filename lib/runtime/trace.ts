/** Per-token attention trace from lm.onnx outputs. */
import { float32Data, type OrtTensor } from "./ort";

export interface TokenTrace {
  /** `[N]` attention mass on each prompt image, averaged over the gated cross-attention layers. */
  attentionPerImage: number[];
  /** `[n_xattn_layers][N]` the same per layer (each row sums to 1 when the token follows an image). */
  attentionPerLayer: number[][];
  /** `[n_xattn_layers][2]` tanh(alpha): column 0 cross-attention gate, column 1 dense gate. */
  gates: number[][];
}

/** `gates` `[n_xattn_layers, 2]` -> rows. */
export function gatesOf(gates: OrtTensor): number[][] {
  const d = float32Data(gates);
  const n = gates.dims[0] as number;
  return Array.from({ length: n }, (_, i) => [d[i * 2] as number, d[i * 2 + 1] as number]);
}

/**
 * Attention mass per image of one position.
 * @param xattn `xattn_weights` `[B, n_xattn_layers, S, n*L]` of a call fed images
 *   `imageOffset … imageOffset + n - 1` of the prompt
 * @param b batch row, `s` position within this call
 * @param nImages N, the prompt's images (0 for a text-only prompt, whose dummy image is ignored)
 * @param L visual tokens per image
 */
export function traceAt(xattn: OrtTensor, b: number, s: number, nImages: number, L: number, gates: number[][], imageOffset = 0): TokenTrace {
  const [, nX = 0, S = 0, NL = 0] = xattn.dims;
  const fed = Math.floor(NL / L);
  const d = float32Data(xattn);
  const attentionPerLayer: number[][] = [];
  for (let x = 0; x < nX; x++) {
    const base = ((b * nX + x) * S + s) * NL;
    const row: number[] = [];
    for (let n = 0; n < nImages; n++) {
      const k = n - imageOffset;
      let m = 0;
      if (k >= 0 && k < fed) for (let l = 0; l < L; l++) m += d[base + k * L + l] as number;
      row.push(m);
    }
    attentionPerLayer.push(row);
  }
  const attentionPerImage = Array.from({ length: nImages }, (_, n) =>
    nX === 0 ? 0 : attentionPerLayer.reduce((acc, row) => acc + (row[n] as number), 0) / nX,
  );
  return { attentionPerImage, attentionPerLayer, gates };
}
