import "server-only";
import type { PromptStyle } from "@/lib/engines/types";
import type { PromptSequence } from "@/lib/prompt/sequence";
import { promptTurns } from "@/lib/prompt/turns";

export type ChatContentPart = { type: "text"; text: string } | { type: "image_url"; image_url: { url: string } };

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  /** A string when the message is text only (what every chat template takes), parts when it has images. */
  content: string | ChatContentPart[];
}

export interface MessageOptions {
  style: PromptStyle;
  systemPrompt?: string | null;
}

/** Parts → message content: adjacent texts merged, empty texts dropped, a plain string when there are no images. */
function content(parts: ChatContentPart[]): string | ChatContentPart[] {
  const merged: ChatContentPart[] = [];
  for (const p of parts) {
    const prev = merged[merged.length - 1];
    if (p.type === "text") {
      if (p.text === "") continue;
      if (prev?.type === "text") {
        merged[merged.length - 1] = { type: "text", text: prev.text + p.text };
        continue;
      }
    }
    merged.push(p);
  }
  if (merged.every((p) => p.type === "text")) return merged.map((p) => (p as { text: string }).text).join("");
  return merged;
}

const isEmpty = (c: string | ChatContentPart[]) => (typeof c === "string" ? c === "" : c.length === 0);

/**
 * A PromptSequence as chat messages (`imageUrl` gives each asset's data URL):
 * - `interleaved`: one user message with every text and image in order; `<|endofchunk|>` parts are
 *   dropped (the separator text after them stays), answers stay in place as text.
 * - `turns`: the turns of lib/prompt/turns.ts, each a user or assistant message (empty user turns dropped).
 * `systemPrompt` (when set) comes first.
 */
export function toChatMessages(prompt: PromptSequence, opts: MessageOptions, imageUrl: (assetId: string) => string): ChatMessage[] {
  const out: ChatMessage[] = [];
  if (opts.systemPrompt) out.push({ role: "system", content: opts.systemPrompt });
  const image = (assetId: string): ChatContentPart => ({ type: "image_url", image_url: { url: imageUrl(assetId) } });

  if (opts.style === "interleaved") {
    const parts: ChatContentPart[] = [];
    for (const p of prompt.parts) {
      if (p.type === "text") parts.push({ type: "text", text: p.text });
      else if (p.type === "image") parts.push(image(p.assetId));
    }
    out.push({ role: "user", content: content(parts) });
    return out;
  }

  for (const turn of promptTurns(prompt)) {
    if (turn.role === "assistant") {
      out.push({ role: "assistant", content: turn.text });
      continue;
    }
    const c = content(turn.parts.map((p) => (p.type === "image" ? image(p.assetId) : p)));
    if (!isEmpty(c)) out.push({ role: "user", content: c });
  }
  return out;
}
