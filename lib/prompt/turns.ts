/**
 * A PromptSequence split into chat turns, for engines that take messages rather than one interleaved
 * stream (remote OpenAI-compatible servers, transformers.js chat templates). Each demonstration (its
 * parts up to its answer) is a user turn and its answer an assistant turn; what follows the last answer
 * (the query) is the last user turn. The separator that starts the next turn loses its leading whitespace
 * (the turn boundary replaces it); a chunk without an answer stays in the current user turn;
 * `<|endofchunk|>` closes a turn and is itself dropped. Callers build their own message content from the
 * parts (and drop empty user turns).
 */
import type { PromptSequence } from "./sequence";

export type TurnPart = { type: "text"; text: string } | { type: "image"; assetId: string };

export type Turn = { role: "user"; parts: TurnPart[] } | { role: "assistant"; text: string };

export function promptTurns(prompt: PromptSequence): Turn[] {
  const out: Turn[] = [];
  let user: TurnPart[] = [];
  let answer: string | null = null;
  let afterTurn = false;
  const flush = () => {
    if (answer === null) return;
    out.push({ role: "user", parts: user }, { role: "assistant", text: answer });
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
    // Anything else after an answer closes its turn (an answer not followed by <|endofchunk|>).
    flush();
    if (p.type === "image") {
      user.push({ type: "image", assetId: p.assetId });
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
  out.push({ role: "user", parts: user });
  return out;
}
