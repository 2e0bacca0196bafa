import { TEMPLATE_FORMAT_VERSION, type TemplateInput } from "@/lib/prompt/schema";

/** What "New template" opens with: a valid zero-shot captioning prompt to edit. */
export const STARTER_TEMPLATE: TemplateInput = {
  formatVersion: TEMPLATE_FORMAT_VERSION,
  name: "Untitled template",
  description: "Describe what this prompt asks the model to do.",
  tags: [],
  variables: [{ name: "query_image", kind: "image", description: "The image to caption" }],
  shots: [],
  query: {
    blocks: [
      { type: "image", source: { kind: "variable", name: "query_image" } },
      { type: "text", text: "Output:" },
    ],
  },
};

export const toSource = (doc: unknown): string => `${JSON.stringify(doc, null, 2)}\n`;
