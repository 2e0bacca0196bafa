/**
 * What "New template" can start from: a novel-word classification, a captioning and a VQA prompt,
 * each in the paper's format, with two demonstrations made of the Examples library's images (when
 * their asset ids are known) and the query image as the variable {{query_image}}, bound for the
 * Run panel to a sample image so the new template runs before it is saved. Pure.
 */
import type { Bindings } from "@/lib/prompt/render";
import { TEMPLATE_FORMAT_VERSION, type Block, type Shot, type TemplateInput } from "@/lib/prompt/schema";
import { EXAMPLE_IMAGES, type ExampleImageFile } from "@/lib/examples/catalog";

export type StarterId = "classification" | "captioning" | "vqa";

export const STARTER_IDS: readonly StarterId[] = ["classification", "captioning", "vqa"];
export const DEFAULT_STARTER: StarterId = "classification";

export interface Starter {
  id: StarterId;
  /** The chooser's label. */
  label: string;
  /** One line under it. */
  hint: string;
  document: TemplateInput;
  /** Run-panel bindings to start with: a sample query image (none when the examples are missing). */
  bindings: Bindings;
}

/** Asset ids of the Examples library's images, by file (those missing are left out of the starters). */
export type ExampleAssetIds = Partial<Record<ExampleImageFile, string>>;

export const QUERY_IMAGE = "query_image";

export function isStarterId(v: unknown): v is StarterId {
  return typeof v === "string" && (STARTER_IDS as readonly string[]).includes(v);
}

export function starters(ids: ExampleAssetIds): Starter[] {
  const image = (file: ExampleImageFile): Block | null => {
    const id = ids[file];
    return id ? { type: "image", source: { kind: "asset", assetId: id }, alt: EXAMPLE_IMAGES[file].alt } : null;
  };
  const shot = (file: ExampleImageFile, text: string, answer: string): Shot[] => {
    const img = image(file);
    return img ? [{ blocks: [img, { type: "text", text }], answer }] : [];
  };
  const sample = (file: ExampleImageFile): Bindings => (ids[file] ? { [QUERY_IMAGE]: { assetId: ids[file] } } : {});
  const queryImage: Block = { type: "image", source: { kind: "variable", name: QUERY_IMAGE } };
  const base = { formatVersion: TEMPLATE_FORMAT_VERSION } as const;

  return [
    {
      id: "classification",
      label: "Classification by novel words",
      hint: "Made-up labels (dax, blicket) for classes; opens on Rank",
      bindings: sample("cat.png"),
      document: {
        ...base,
        name: "Untitled classification",
        description: "Two made-up words name two classes (a cat is a \"dax\", a car is a \"blicket\"); the model labels the query image. Closed-ended: rank the labels.",
        tags: ["classification", "novel words", "closed-ended"],
        variables: [{ name: QUERY_IMAGE, kind: "image", description: "The image to classify" }],
        shots: [...shot("cat-face.png", "Output:", "dax"), ...shot("red-car.png", "Output:", "blicket")],
        query: { blocks: [queryImage, { type: "text", text: "Output:" }] },
      },
    },
    {
      id: "captioning",
      label: "Captioning",
      hint: "A short caption for the query image",
      bindings: sample("sunflower.png"),
      document: {
        ...base,
        name: "Untitled captioning",
        description: "Few-shot captioning in the paper's format, <image>Output:{caption}<|endofchunk|>: the shots show the style, the model captions the query image.",
        tags: ["captioning", "open-ended"],
        variables: [{ name: QUERY_IMAGE, kind: "image", description: "The image to caption" }],
        shots: [...shot("apple.png", "Output:", "A shiny red apple with a green leaf."), ...shot("puppy.png", "Output:", "A smiling puppy with floppy brown ears.")],
        query: { blocks: [queryImage, { type: "text", text: "Output:" }] },
      },
    },
    {
      id: "vqa",
      label: "Visual question answering",
      hint: "A question about the query image, a short answer",
      bindings: sample("yellow-star.png"),
      document: {
        ...base,
        name: "Untitled VQA",
        description: "Few-shot VQA in the paper's format, <image>Question:{question} Short answer:{answer}<|endofchunk|>. Change {{question}} in the Run panel.",
        tags: ["vqa", "open-ended"],
        variables: [
          { name: QUERY_IMAGE, kind: "image", description: "The image the question is about" },
          { name: "question", kind: "text", description: "The question about the query image", default: "What colour is the star?" },
        ],
        shots: [
          ...shot("blue-square.png", "Question:What colour is the square? Short answer:", "blue"),
          ...shot("three-red-dots.png", "Question:How many dots are there? Short answer:", "3"),
        ],
        query: { blocks: [queryImage, { type: "text", text: "Question:{{question}} Short answer:" }] },
      },
    },
  ];
}
