import { describe, expect, it } from "vitest";
import { KvCache } from "@/lib/runtime/kv-cache";
import { PrefixCache } from "@/lib/runtime/prefix-cache";
import { SessionQueue, QueueFullError } from "@/lib/runtime/queue";
import { toStream } from "@/lib/runtime/stream";
import { VisualCache } from "@/lib/runtime/visual-cache";
import { fakeOrt } from "./runtime-fake-ort";

describe("runtime visual cache", () => {
  it("is an LRU with hit/miss counters", () => {
    const c = new VisualCache(2);
    c.set("a", new Float32Array([1]));
    c.set("b", new Float32Array([2]));
    expect(c.get("a")?.[0]).toBe(1); // a is now the most recent
    c.set("c", new Float32Array([3])); // evicts b
    expect(c.get("b")).toBeUndefined();
    expect(c.get("c")?.[0]).toBe(3);
    expect(c.stats()).toEqual({ hits: 2, misses: 1, entries: 2, enabled: true });
  });

  it("stores nothing when switched off", () => {
    const c = new VisualCache(4, false);
    c.set("a", new Float32Array([1]));
    expect(c.get("a")).toBeUndefined();
    expect(c.stats().entries).toBe(0);
  });
});

describe("runtime prefix cache", () => {
  const kv = () => KvCache.empty(fakeOrt, { nLayers: 1, nHeads: 1, headDim: 2 }, 1);

  it("finds the longest stored prefix whose images match", () => {
    const c = new PrefixCache(4);
    c.store([1, 2], ["x"], kv(), new Float32Array(1));
    c.store([1, 2, 3, 4], ["x", "y"], kv(), new Float32Array(1));
    expect(c.lookup([1, 2, 3, 4, 5], ["x", "y"])?.ids).toEqual([1, 2, 3, 4]);
    expect(c.lookup([1, 2, 3, 4, 5], ["x", "z"])?.ids).toEqual([1, 2]);
    expect(c.lookup([1, 2, 3], ["q"])).toBeUndefined();
    expect(c.lookup([9], [])).toBeUndefined();
    expect(c.stats()).toMatchObject({ hits: 2, misses: 2, entries: 2 });
  });

  it("keeps a copy, evicts past its bound and can be switched off", () => {
    const c = new PrefixCache(1);
    const mine = kv();
    c.store([1], [], mine, new Float32Array(1));
    mine.dispose();
    expect(() => c.lookup([1], [])?.cache.tensor).not.toThrow();
    c.store([2], [], kv(), new Float32Array(1));
    expect(c.stats().entries).toBe(1);
    expect(c.lookup([1], [])).toBeUndefined();
    c.setEnabled(false);
    expect(c.lookup([2], [])).toBeUndefined();
    c.store([2], [], kv(), new Float32Array(1));
    expect(c.stats().entries).toBe(0);
  });
});

describe("runtime session queue", () => {
  it("runs tasks one at a time, in order", async () => {
    const q = new SessionQueue();
    let running = 0;
    let maxRunning = 0;
    const order: number[] = [];
    const task = (i: number) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 5));
      order.push(i);
      running--;
      return i;
    };
    const rs = await Promise.all([0, 1, 2, 3].map((i) => q.run(task(i))));
    expect(rs).toEqual([0, 1, 2, 3]);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(maxRunning).toBe(1);
  });

  it("refuses a task past maxPending waiters, and survives a failing task", async () => {
    const q = new SessionQueue(1);
    const slow = () => new Promise<string>((r) => setTimeout(() => r("ok"), 10));
    const a = q.run(slow);
    const b = q.run(() => Promise.reject(new Error("boom")));
    await expect(q.run(slow)).rejects.toBeInstanceOf(QueueFullError);
    await expect(a).resolves.toBe("ok");
    await expect(b).rejects.toThrow("boom");
    await expect(q.run(slow)).resolves.toBe("ok");
  });

  it("skips a task whose signal aborted while it waited", async () => {
    const q = new SessionQueue();
    const ac = new AbortController();
    const a = q.run(() => new Promise((r) => setTimeout(r, 10)));
    let ran = false;
    const b = q.run(async () => {
      ran = true;
    }, ac.signal);
    ac.abort();
    await a;
    await expect(b).rejects.toMatchObject({ name: "AbortError" });
    expect(ran).toBe(false);
  });
});

describe("runtime stream adapter", () => {
  it("yields every event then resolves the result; errors reach the iterator", async () => {
    const { events, result } = toStream<number, string>(async (emit) => {
      for (let i = 0; i < 3; i++) {
        emit(i);
        await new Promise((r) => setTimeout(r, 1));
      }
      return "done";
    });
    const got: number[] = [];
    for await (const e of events) got.push(e);
    expect(got).toEqual([0, 1, 2]);
    await expect(result).resolves.toBe("done");
    const bad = toStream<number, string>(async (emit) => {
      emit(1);
      throw new Error("broken");
    });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const e of bad.events) seen.push(e);
      })(),
    ).rejects.toThrow("broken");
    expect(seen).toEqual([1]);
  });
});
