/**
 * A PromptSequence as the chat messages a transformers.js processor's chat template takes: content is
 * always a list of `{ type: "image" }` and `{ type: "text", text }` parts (SmolVLM's template reads
 * `content[0].type`), images stay in prompt order. Pure: no transformers.js import, usable on the main
 * thread (the engine form's preview) and in the worker.
 */
import type { PromptSequence } from "@/lib/prompt/sequence";

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
 * - `turns`: each demonstration (parts up to its answer) is a user message and its answer an assistant
 *   message; what follows the last answer (the query) is the last user message; the separator that starts
 *   the next turn loses its leading whitespace. The same split as remote engines (lib/backends/remote/messages.ts).
 */
export function toTfjsMessages(prompt: PromptSequence, style: TfjsPromptStyle = "turns"): TfjsMessage[] {
  if (style === "interleaved") {
    const parts = merge(prompt.parts.flatMap((p): TfjsPart[] => (p.type === "text" ? [{ type: "text", text: p.text }] : p.type === "image" ? [{ type: "image" }] : [])));
    return parts.length ? [{ role: "user", content: parts }] : [];
  }
  const out: TfjsMessage[] = [];
  let user: TfjsPart[] = [];
  let answer: string | null = null;
  let afterTurn = false;
  const flush = () => {
    if (answer === null) return;
    const u = merge(user);
    if (u.length) out.push({ role: "user", content: u });
    out.push({ role: "assistant", content: [{ type: "text", text: answer }] });
    user = [];
    answer = null;
    afterTurn = true;
  };
  for (const p of prompt.parts) {
    if (p.type === "text" && p.answer) {
      answer = (answer ?? "") + p.text;
      continue;
    }
    if (p.type === "endOfChunk") {
      flush();
      continue;
    }
    flush();
    if (p.type === "image") {
      user.push({ type: "image" });
      afterTurn = false;
      continue;
    }
    const text = afterTurn ? p.text.replace(/^\s+/, "") : p.text;
    if (text !== "") {
      user.push({ type: "text", text });
      afterTurn = false;
    }
  }
  flush();
  const last = merge(user);
  if (last.length) out.push({ role: "user", content: last });
  return out;
}
