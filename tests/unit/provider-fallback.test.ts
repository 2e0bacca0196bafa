import { describe, expect, it } from "vitest";
import { withFallback } from "@/lib/backends/provider-fallback";

describe("withFallback (WebGPU→WASM, CUDA→CPU)", () => {
  const create = (fail: string[] = []) => {
    const tried: string[] = [];
    const fn = async (p: string) => {
      tried.push(p);
      if (fail.includes(p)) throw new Error(`${p} broke\nsecond line`);
      return `engine on ${p}`;
    };
    return { tried, fn };
  };

  it("uses the preferred provider when it is available and creates", async () => {
    const c = create();
    expect(await withFallback("gpu", "cpu", c.fn, { isAvailable: () => ({ ok: true }) })).toEqual({ value: "engine on gpu", provider: "gpu" });
    expect(c.tried).toEqual(["gpu"]);
  });

  it("goes straight to the fallback, with no reason, when nothing is preferred", async () => {
    const c = create();
    let checked = false;
    const r = await withFallback(null, "cpu", c.fn, { isAvailable: () => ((checked = true), { ok: true }) });
    expect(r).toEqual({ value: "engine on cpu", provider: "cpu" });
    expect(c.tried).toEqual(["cpu"]);
    expect(checked).toBe(false);
  });

  it("skips an unavailable provider with the availability check's reason", async () => {
    const c = create();
    const r = await withFallback("gpu", "cpu", c.fn, { isAvailable: async () => ({ ok: false, reason: "No adapter" }) });
    expect(r).toEqual({ value: "engine on cpu", provider: "cpu", fallbackReason: "No adapter" });
    expect(c.tried).toEqual(["cpu"]);
  });

  it("falls back when the preferred provider fails to create, with the reason as the caller words it", async () => {
    const c = create(["gpu"]);
    expect(await withFallback("gpu", "cpu", c.fn)).toMatchObject({ provider: "cpu", fallbackReason: "gpu broke\nsecond line" });
    expect(await withFallback("gpu", "cpu", c.fn, { failureReason: (e) => `GPU session failed: ${(e as Error).message.split("\n")[0]}` })).toMatchObject({
      provider: "cpu",
      fallbackReason: "GPU session failed: gpu broke",
    });
  });

  it("gives up when failureReason throws (a required provider), and never hides a fallback failure", async () => {
    await expect(withFallback("gpu", "cpu", create(["gpu"]).fn, { failureReason: () => { throw new Error("required"); } })).rejects.toThrow("required");
    await expect(withFallback("gpu", "cpu", create(["gpu", "cpu"]).fn)).rejects.toThrow("cpu broke");
  });
});
