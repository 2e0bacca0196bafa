import { describe, expect, it } from "vitest";
import { toChatMessages } from "@/lib/backends/remote/messages";
import type { PromptPart } from "@/lib/prompt/sequence";

const url = (id: string) => `data:image/png;base64,${id}`;
const img = (assetId: string): PromptPart => ({ type: "image", assetId });
const text = (t: string): PromptPart => ({ type: "text", text: t });
const answer = (t: string): PromptPart => ({ type: "text", text: t, answer: true });
const eoc: PromptPart = { type: "endOfChunk" };

/** Two demonstrations and a query, as render() makes them (separator "\n"). */
const fewShot: PromptPart[] = [img("A"), text("Output:"), answer("dax"), eoc, text("\n"), img("B"), text("Output:"), answer("blicket"), eoc, text("\n"), img("C"), text("Output:")];
const imagePart = (id: string) => ({ type: "image_url", image_url: { url: url(id) } });

describe("toChatMessages", () => {
  it("interleaved: one user message in prompt order, <|endofchunk|> dropped, separators kept", () => {
    const m = toChatMessages({ parts: fewShot }, { style: "interleaved" }, url);
    expect(m).toEqual([
      {
        role: "user",
        content: [imagePart("A"), { type: "text", text: "Output:dax\n" }, imagePart("B"), { type: "text", text: "Output:blicket\n" }, imagePart("C"), { type: "text", text: "Output:" }],
      },
    ]);
  });

  it("turns: a user and an assistant turn per demonstration, the query last; the separator's leading newline goes", () => {
    const m = toChatMessages({ parts: fewShot }, { style: "turns", systemPrompt: "Be brief." }, url);
    expect(m).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: [imagePart("A"), { type: "text", text: "Output:" }] },
      { role: "assistant", content: "dax" },
      { role: "user", content: [imagePart("B"), { type: "text", text: "Output:" }] },
      { role: "assistant", content: "blicket" },
      { role: "user", content: [imagePart("C"), { type: "text", text: "Output:" }] },
    ]);
  });

  it("turns: a chunk without an answer stays in the user turn; a non-whitespace separator is kept", () => {
    const parts: PromptPart[] = [text("Intro."), eoc, text("\n"), img("A"), text("Q: cat?"), answer(" yes"), eoc, text("---\nQ: dog?")];
    const m = toChatMessages({ parts }, { style: "turns" }, url);
    expect(m).toEqual([
      { role: "user", content: [{ type: "text", text: "Intro.\n" }, imagePart("A"), { type: "text", text: "Q: cat?" }] },
      { role: "assistant", content: " yes" },
      { role: "user", content: "---\nQ: dog?" },
    ]);
  });

  it("text-only messages are plain strings; system prompt first in interleaved too", () => {
    expect(toChatMessages({ parts: [text("Hello")] }, { style: "interleaved", systemPrompt: "S" }, url)).toEqual([
      { role: "system", content: "S" },
      { role: "user", content: "Hello" },
    ]);
  });

  it("turns: an answer not followed by <|endofchunk|> still closes its turn", () => {
    const m = toChatMessages({ parts: [text("Q1"), answer("A1"), text("Q2")] }, { style: "turns" }, url);
    expect(m).toEqual([
      { role: "user", content: "Q1" },
      { role: "assistant", content: "A1" },
      { role: "user", content: "Q2" },
    ]);
  });
});
