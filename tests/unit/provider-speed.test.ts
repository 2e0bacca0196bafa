import { describe, expect, it } from "vitest";
import { medianMs, SLOWER_MARGIN, slowerReason, speedVerdictKey, wasmIsFaster } from "@/lib/backends/browser/provider-speed";

describe("WebGPU against WASM: which to keep", () => {
  it("keeps WebGPU unless it is clearly slower", () => {
    expect(wasmIsFaster({ webgpuMs: 4, wasmMs: 10 })).toBe(false);
    expect(wasmIsFaster({ webgpuMs: 10 * SLOWER_MARGIN, wasmMs: 10 })).toBe(false); // within the noise margin
    expect(wasmIsFaster({ webgpuMs: 10 * SLOWER_MARGIN + 0.1, wasmMs: 10 })).toBe(true);
    expect(wasmIsFaster({ webgpuMs: 900, wasmMs: 12 })).toBe(true);
  });

  it("never switches on a broken WASM timing", () => {
    expect(wasmIsFaster({ webgpuMs: 50, wasmMs: Number.NaN })).toBe(false);
    expect(wasmIsFaster({ webgpuMs: 50, wasmMs: 0 })).toBe(false);
  });

  it("says what was measured, and when it was remembered", () => {
    expect(slowerReason({ webgpuMs: 912.4, wasmMs: 7.84 })).toBe("WebGPU measured slower than WASM on this device (912 ms against 7.8 ms for one image and one token)");
    expect(slowerReason({ webgpuMs: 30, wasmMs: 8 }, true)).toMatch(/, measured on an earlier load\)$/);
  });

  it("remembers per package path and adapter", () => {
    expect(speedVerdictKey("/models/flamingo-mini/", "nvidia / ampere")).toBe("/models/flamingo-mini|nvidia / ampere");
    expect(speedVerdictKey("/models/flamingo-mini", "x")).toBe(speedVerdictKey("/models/flamingo-mini/", "x"));
  });

  it("takes the median of the timed steps", () => {
    expect(medianMs([5, 1, 3])).toBe(3);
    expect(medianMs([4, 1, 3, 2])).toBe(2.5);
    expect(medianMs([])).toBeNaN();
  });
});
