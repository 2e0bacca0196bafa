/**
 * A PromptSequence as the chat messages a transformers.js processor's chat template takes: content is
 * always a list of `{ type: "image" }` and `{ type: "text", text }` parts (SmolVLM's template reads
 * `content[0].type`), images stay in prompt order. Pure: no transformers.js import, usable on the main
 * thread (the engine form's preview) and in the worker.
 */
import type { PromptSequence } from "@/lib/prompt/sequence";
import { promptTurns } from "@/lib/prompt/turns";

export type TfjsPart = { type: "image" } | { type: "text"; text: string };
export interface TfjsMessage {
  role: "system" | "user" | "assistant";
  content: TfjsPart[];
}

/** `turns`: each demonstration a user turn and its answer an assistant turn; `interleaved`: one user turn. */
export type TfjsPromptStyle = "turns" | "interleaved";

function merge(parts: TfjsPart[]): TfjsPart[] {
  const out: TfjsPart[] = [];
  for (const p of parts) {
    if (p.type === "text") {
      if (p.text === "") continue;
      const prev = out[out.length - 1];
      if (prev?.type === "text") {
        out[out.length - 1] = { type: "text", text: prev.text + p.text };
        continue;
      }
    }
    out.push(p);
  }
  return out;
}

/**
 * - `interleaved`: one user message with every text and image in order (`<|endofchunk|>` dropped).
 * - `turns`: the turns of lib/prompt/turns.ts (the same split as remote engines), empty user turns dropped.
 */
export function toTfjsMessages(prompt: PromptSequence, style: TfjsPromptStyle = "turns"): TfjsMessage[] {
  if (style === "interleaved") {
    const parts = merge(prompt.parts.flatMap((p): TfjsPart[] => (p.type === "text" ? [{ type: "text", text: p.text }] : p.type === "image" ? [{ type: "image" }] : [])));
    return parts.length ? [{ role: "user", content: parts }] : [];
  }
  const out: TfjsMessage[] = [];
  for (const turn of promptTurns(prompt)) {
    if (turn.role === "assistant") {
      out.push({ role: "assistant", content: [{ type: "text", text: turn.text }] });
      continue;
    }
    const parts = merge(turn.parts.map((p): TfjsPart => (p.type === "image" ? { type: "image" } : p)));
    if (parts.length) out.push({ role: "user", content: parts });
  }
  return out;
}
