import { describe, expect, it } from "vitest";
import { elideImages, formatBytes } from "@/lib/backends/remote/elide";
import { ConcurrencyLimiter, engineLimiter, limiterStats } from "@/lib/backends/remote/limiter";

describe("elideImages", () => {
  it("replaces every data URL with its header and decoded size, leaving the input alone", () => {
    const b64 = Buffer.alloc(12_300, 7).toString("base64");
    const body = { model: "m", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `data:image/jpeg;base64,${b64}` } }, { type: "text", text: "data: not a url" }] }] };
    const out = elideImages(body);
    expect(out.messages[0]!.content[0]).toEqual({ type: "image_url", image_url: { url: "data:image/jpeg;base64,…(12.3 kB)" } });
    expect(out.messages[0]!.content[1]).toEqual({ type: "text", text: "data: not a url" });
    expect((body.messages[0]!.content[0] as { image_url: { url: string } }).image_url.url).toHaveLength(23 + b64.length);
    expect(formatBytes(812)).toBe("812 B");
    expect(formatBytes(4_100_000)).toBe("4.1 MB");
  });
});

describe("ConcurrencyLimiter", () => {
  it("holds at most max at once, FIFO, and an abort leaves the queue", async () => {
    const l = new ConcurrencyLimiter("t", 2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const job = (i: number) =>
      l.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        order.push(i);
        running--;
      });
    const all = Promise.all([0, 1, 2, 3, 4].map(job));
    const ctl = new AbortController();
    const waiting = l.acquire(ctl.signal);
    expect(l.stats()).toMatchObject({ active: 2, waiting: 4 });
    ctl.abort(new DOMException("no", "AbortError"));
    await expect(waiting).rejects.toMatchObject({ name: "AbortError" });
    await all;
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(l.stats()).toEqual({ active: 0, waiting: 0, max: 2 });
  });

  it("is one per engine id for the process; a new max applies", async () => {
    const a = engineLimiter("engine-x", 1);
    expect(engineLimiter("engine-x", 3)).toBe(a);
    expect(limiterStats("engine-x")).toEqual({ active: 0, waiting: 0, max: 3 });
    expect(limiterStats("never-used")).toBeNull();
  });
});
