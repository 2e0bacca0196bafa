import { describe, expect, it } from "vitest";
import { compositeOnWhite, preprocessImage, resizeBilinear, type RgbaImage } from "@/lib/runtime/preprocess";

const spec = { size: [2, 2] as [number, number], scale: 1 / 255, mean: [0.5, 0.5, 0.5] as [number, number, number], std: [0.5, 0.5, 0.5] as [number, number, number] };

function solid(w: number, h: number, rgba: [number, number, number, number]): RgbaImage {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set(rgba, i * 4);
  return { width: w, height: h, data };
}

describe("runtime preprocessing", () => {
  it("composites alpha on white", () => {
    expect(Array.from(compositeOnWhite(solid(1, 1, [0, 0, 0, 0])))).toEqual([255, 255, 255]);
    expect(Array.from(compositeOnWhite(solid(1, 1, [10, 20, 30, 255])))).toEqual([10, 20, 30]);
    expect(Array.from(compositeOnWhite(solid(1, 1, [0, 0, 0, 128])))).toEqual([127, 127, 127]);
  });

  it("normalises to NCHW with x = pixel/127.5 - 1 for mean = std = 0.5", () => {
    const img: RgbaImage = { width: 2, height: 2, data: new Uint8Array([0, 255, 51, 255, 255, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 255]) };
    const x = preprocessImage(img, spec);
    expect(x.length).toBe(12);
    // channel R plane, then G, then B
    expect(Array.from(x.slice(0, 4))).toEqual([-1, 1, -1, 1]);
    expect(Array.from(x.slice(4, 8))).toEqual([1, -1, -1, 1]);
    expect(x[8]).toBeCloseTo(51 / 127.5 - 1, 6);
  });

  it("resizes by stretching: identity at the same size, averages when shrinking, constant stays constant", () => {
    const rgb = new Uint8Array([0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255]); // 2x2
    expect(resizeBilinear(rgb, 2, 2, 2, 2)).toBe(rgb);
    expect(Array.from(resizeBilinear(rgb, 2, 2, 1, 1))).toEqual([139, 139, 139]);
    const big = compositeOnWhite(solid(37, 23, [12, 200, 99, 255]));
    const small = resizeBilinear(big, 37, 23, 8, 8);
    expect(new Set(Array.from(small)).size).toBe(3);
    const up = resizeBilinear(rgb, 2, 2, 4, 4);
    expect(up.length).toBe(48);
    expect(up[0]).toBe(0);
    expect(up[47]).toBe(255);
  });

  it("rejects a buffer that does not match its size", () => {
    expect(() => preprocessImage({ width: 2, height: 2, data: new Uint8Array(3) }, spec)).toThrow(/RGBA/);
  });
});
