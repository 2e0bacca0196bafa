import "server-only";

/**
 * Server-sent events, incrementally: feed decoded text as it arrives, get each finished event's
 * `data` (multi-line data joined by "\n"). Comments, `event:`, `id:` and `retry:` lines are ignored;
 * CRLF, CR and LF all end lines.
 */
export class SseParser {
  private buf = "";
  private data: string[] = [];
  private pendingCr = false;

  push(text: string): string[] {
    let s = text;
    // A CR at the end of the last chunk may be the first half of a CRLF.
    if (this.pendingCr && s.startsWith("\n")) s = s.slice(1);
    this.pendingCr = false;
    this.buf += s;
    const out: string[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buf);
      if (!m) break;
      if (m[0] === "\r" && m.index === this.buf.length - 1) {
        this.pendingCr = true;
      }
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      this.line(line, out);
    }
    return out;
  }

  /** The stream ended: an event without its blank line still counts. */
  end(): string[] {
    const out: string[] = [];
    if (this.buf) this.line(this.buf, out);
    this.buf = "";
    this.line("", out);
    return out;
  }

  private line(line: string, out: string[]): void {
    if (line === "") {
      if (this.data.length) out.push(this.data.join("\n"));
      this.data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
  }
}

export interface StreamUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

/** What a chat.completion.chunk stream added up to. */
export interface StreamSummary {
  id: string | undefined;
  model: string | undefined;
  text: string;
  finishReason: string | null;
  /** vLLM: the stop string (or token id) that ended the answer. */
  stopReason: string | number | null;
  usage: StreamUsage | null;
  events: number;
  done: boolean;
}

/** A chat.completion.chunk stream's error event (`data: {"error": {...}}`). */
export class StreamEventError extends Error {
  constructor(readonly body: unknown) {
    super("error event in the stream");
    this.name = "StreamEventError";
  }
}

/**
 * Folds the `data` of chat.completion.chunk events. `push` returns the text delta of the event
 * ("" when none); "[DONE]" marks the end; an `{error}` event throws StreamEventError; data that is
 * not JSON is skipped (counted).
 */
export class ChunkAccumulator {
  readonly summary: StreamSummary = { id: undefined, model: undefined, text: "", finishReason: null, stopReason: null, usage: null, events: 0, done: false };
  skipped = 0;

  push(data: string): string {
    const d = data.trim();
    if (d === "[DONE]") {
      this.summary.done = true;
      return "";
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(d);
    } catch {
      this.skipped++;
      return "";
    }
    if (!chunk || typeof chunk !== "object") return "";
    this.summary.events++;
    const c = chunk as {
      id?: unknown;
      model?: unknown;
      error?: unknown;
      object?: unknown;
      choices?: { delta?: { content?: unknown }; text?: unknown; finish_reason?: unknown; stop_reason?: unknown }[];
      usage?: StreamUsage | null;
    };
    if (c.error !== undefined || c.object === "error") throw new StreamEventError(chunk);
    if (typeof c.id === "string") this.summary.id ??= c.id;
    if (typeof c.model === "string") this.summary.model ??= c.model;
    if (c.usage && typeof c.usage === "object") this.summary.usage = c.usage;
    let delta = "";
    for (const choice of Array.isArray(c.choices) ? c.choices : []) {
      const content = choice?.delta?.content ?? choice?.text;
      if (typeof content === "string") delta += content;
      if (typeof choice?.finish_reason === "string") this.summary.finishReason = choice.finish_reason;
      if (typeof choice?.stop_reason === "string" || typeof choice?.stop_reason === "number") this.summary.stopReason = choice.stop_reason;
    }
    this.summary.text += delta;
    return delta;
  }
}
