import { describe, expect, it } from "vitest";
import { ChunkAccumulator, SseParser, StreamEventError } from "@/lib/backends/remote/sse";

describe("SseParser", () => {
  it("yields each event's data across arbitrary chunk splits and line endings", () => {
    const raw = 'data: {"a":1}\n\n: keep-alive comment\n\nevent: message\r\ndata: {"b":2}\r\n\r\ndata: line1\ndata: line2\n\rdata: [DONE]\r\r';
    for (const size of [1, 2, 3, 7, raw.length]) {
      const p = new SseParser();
      const out: string[] = [];
      for (let i = 0; i < raw.length; i += size) out.push(...p.push(raw.slice(i, i + size)));
      out.push(...p.end());
      expect(out, `chunk size ${size}`).toEqual(['{"a":1}', '{"b":2}', "line1\nline2", "[DONE]"]);
    }
  });

  it("end() delivers an event without its blank line", () => {
    const p = new SseParser();
    expect(p.push("data: x")).toEqual([]);
    expect(p.end()).toEqual(["x"]);
  });
});

describe("ChunkAccumulator", () => {
  const chunk = (delta: object, finish: string | null = null, extra: object = {}) => JSON.stringify({ id: "c1", object: "chat.completion.chunk", model: "m", choices: [{ index: 0, delta, finish_reason: finish }], ...extra });

  it("concatenates deltas, keeps the finish reason and the usage chunk, stops at [DONE]", () => {
    const a = new ChunkAccumulator();
    expect(a.push(chunk({ role: "assistant", content: "" }))).toBe("");
    expect(a.push(chunk({ content: "Hel" }))).toBe("Hel");
    expect(a.push(chunk({ content: "lo" }))).toBe("lo");
    a.push(JSON.stringify({ ...JSON.parse(chunk({}, "length")), choices: [{ index: 0, delta: {}, finish_reason: "length", stop_reason: null }] }));
    a.push(JSON.stringify({ id: "c1", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } }));
    a.push("[DONE]");
    expect(a.summary).toMatchObject({ id: "c1", model: "m", text: "Hello", finishReason: "length", usage: { prompt_tokens: 9, completion_tokens: 2 }, done: true, events: 5 });
  });

  it("keeps vLLM's stop_reason and skips data that is not JSON", () => {
    const a = new ChunkAccumulator();
    a.push("not json");
    a.push(JSON.stringify({ choices: [{ delta: { content: "x" }, finish_reason: "stop", stop_reason: "\n" }] }));
    expect(a.skipped).toBe(1);
    expect(a.summary.stopReason).toBe("\n");
  });

  it("throws on an error event (ours and vLLM's)", () => {
    expect(() => new ChunkAccumulator().push('{"error":{"code":"internal","message":"boom"}}')).toThrow(StreamEventError);
    expect(() => new ChunkAccumulator().push('{"object":"error","message":"boom"}')).toThrow(StreamEventError);
  });
});
