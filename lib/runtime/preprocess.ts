/**
 * Manifest-driven image preprocessing (docs/model-format.md §5), in plain TypeScript so the
 * server (sharp) and the browser (OffscreenCanvas) give the same numbers: a backend only
 * decodes bytes to RGBA; compositing, resizing and normalising happen here.
 */
import type { Manifest } from "./manifest";

/** Decoded pixels, row-major RGBA, 8 bits per channel (`data.length = 4 * width * height`). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/**
 * Backend hook: image file bytes (PNG/JPEG/WebP/GIF) -> RGBA. Throws on a corrupt image. `target`: the
 * size preprocessImage will resize to; a decoder may return a large image already shrunk towards it
 * (the server shrinks big images natively, so that this file's loops stay short).
 */
export type ImageDecoder = (bytes: Uint8Array, target?: { width: number; height: number }) => Promise<RgbaImage>;

export type PreprocessSpec = Pick<Manifest["image_preprocessing"], "size" | "scale" | "mean" | "std">;

/** Alpha composited on white, as RGB (HWC, uint8). */
export function compositeOnWhite(img: RgbaImage): Uint8Array {
  const n = img.width * img.height;
  const out = new Uint8Array(n * 3);
  const d = img.data;
  for (let i = 0; i < n; i++) {
    const a = (d[i * 4 + 3] as number) / 255;
    for (let c = 0; c < 3; c++) {
      out[i * 3 + c] = Math.round((d[i * 4 + c] as number) * a + 255 * (1 - a));
    }
  }
  return out;
}

/** Per output index: first input index and normalised triangle-filter weights (antialiased when shrinking). */
function bilinearWeights(inSize: number, outSize: number): { start: number[]; weights: number[][] } {
  const scale = inSize / outSize;
  const support = Math.max(scale, 1);
  const start: number[] = [];
  const weights: number[][] = [];
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support + 0.5));
    const hi = Math.min(inSize, Math.floor(center + support + 0.5));
    const w: number[] = [];
    let sum = 0;
    for (let j = lo; j < hi; j++) {
      const x = Math.abs((j + 0.5 - center) / support);
      const v = x < 1 ? 1 - x : 0;
      w.push(v);
      sum += v;
    }
    start.push(lo);
    weights.push(w.map((v) => (sum > 0 ? v / sum : 0)));
  }
  return { start, weights };
}

/**
 * Bilinear resize (stretch, no crop; PIL-style antialiasing when shrinking), RGB HWC uint8,
 * horizontal pass then vertical, rounding to 8 bits after each pass.
 */
export function resizeBilinear(rgb: Uint8Array, w: number, h: number, outW: number, outH: number): Uint8Array {
  if (w === outW && h === outH) return rgb;
  const hx = bilinearWeights(w, outW);
  const tmp = new Uint8Array(outW * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < outW; x++) {
      const s = hx.start[x] as number;
      const ws = hx.weights[x] as number[];
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let k = 0; k < ws.length; k++) acc += (ws[k] as number) * (rgb[(y * w + s + k) * 3 + c] as number);
        tmp[(y * outW + x) * 3 + c] = Math.min(255, Math.max(0, Math.round(acc)));
      }
    }
  }
  const vy = bilinearWeights(h, outH);
  const out = new Uint8Array(outW * outH * 3);
  for (let y = 0; y < outH; y++) {
    const s = vy.start[y] as number;
    const ws = vy.weights[y] as number[];
    for (let x = 0; x < outW; x++) {
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let k = 0; k < ws.length; k++) acc += (ws[k] as number) * (tmp[((s + k) * outW + x) * 3 + c] as number);
        out[(y * outW + x) * 3 + c] = Math.min(255, Math.max(0, Math.round(acc)));
      }
    }
  }
  return out;
}

/**
 * RGBA image -> `pixels` of one image, `[3, H, W]` float32 (NCHW without the batch axis):
 * composite on white, resize to `spec.size` = [W, H], `x = (pixel * scale - mean[c]) / std[c]`.
 */
export function preprocessImage(img: RgbaImage, spec: PreprocessSpec): Float32Array {
  if (img.data.length !== img.width * img.height * 4) throw new Error("RGBA buffer size does not match width x height");
  const [W, H] = spec.size;
  const rgb = resizeBilinear(compositeOnWhite(img), img.width, img.height, W, H);
  const out = new Float32Array(3 * H * W);
  const plane = H * W;
  for (let c = 0; c < 3; c++) {
    const m = spec.mean[c] as number;
    const s = spec.std[c] as number;
    for (let i = 0; i < plane; i++) out[c * plane + i] = ((rgb[i * 3 + c] as number) * spec.scale - m) / s;
  }
  return out;
}
