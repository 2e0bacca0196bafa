/**
 * What the model will see, computed in the browser for the composer's live
 * counts and the "Show prompt" panel. Variables are left as their `{{name}}`
 * (image variables get a placeholder image), so a preview never needs bindings.
 */
import { render, type Bindings } from "@/lib/prompt/render";
import { TemplateSchema } from "@/lib/prompt/schema";
import { serializePrompt, type PromptSequence } from "@/lib/prompt/sequence";
import { usedVariables, type Doc } from "./document-ops";

/** Stands in for an image variable's picture in previews and counts. */
export const PLACEHOLDER_ASSET_ID = "0".repeat(64);

export type Preview = { ok: true; sequence: PromptSequence; text: string } | { ok: false; message: string };

export function previewOf(doc: Doc): Preview {
  const parsed = TemplateSchema.safeParse(doc);
  if (!parsed.success) return { ok: false, message: "the template does not fit the format" };
  const t = parsed.data;
  const bindings: Bindings = {};
  const declared = new Map(t.variables.map((v) => [v.name, v]));
  for (const [name, usedAs] of usedVariables(doc)) {
    const v = declared.get(name);
    if (usedAs === "image") bindings[name] = { assetId: PLACEHOLDER_ASSET_ID };
    else if (v?.default === undefined) bindings[name] = `{{${name}}}`;
  }
  try {
    const sequence = render(t, bindings);
    return { ok: true, sequence, text: serializePrompt(sequence) };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * A rough token count for when the tokenizer is not loaded: one per special
 * token, and about one per 3.5 characters of text (the byte-level BPE of
 * small vocabularies lands near there on English prompts).
 */
export function approximateTokens(seq: PromptSequence): number {
  let n = 0;
  for (const p of seq.parts) n += p.type === "text" ? Math.ceil(p.text.length / 3.5) : 1;
  return n;
}
