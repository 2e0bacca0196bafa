/**
 * The Examples library: one template per prompt format of the Flamingo paper
 * and OpenFlamingo's evaluation code (docs: shared flamingo-reference.md).
 * Written in code so that image blocks can name committed files; the caller
 * resolves each file to its asset id (the SHA-256 of its bytes) at seed time.
 *
 * Every example runs as is: query images are concrete assets, and where a
 * user would naturally change the question it is a text variable with a default.
 */
import { TEMPLATE_FORMAT_VERSION, type Block, type TemplateInput } from "@/lib/prompt/schema";
import { EXAMPLE_IMAGES, type ExampleImageFile } from "./catalog";

/** Maps an example image file to its asset id. */
export type AssetIdOf = (file: ExampleImageFile) => string;

export function exampleTemplates(assetIdOf: AssetIdOf): TemplateInput[] {
  const image = (file: ExampleImageFile): Block => ({
    type: "image",
    source: { kind: "asset", assetId: assetIdOf(file) },
    alt: EXAMPLE_IMAGES[file].alt,
  });
  const text = (value: string): Block => ({ type: "text", text: value });
  const base = { formatVersion: TEMPLATE_FORMAT_VERSION, separator: "\n" } as const;

  // <image>Output:{caption}<|endofchunk|>
  const captioning: TemplateInput = {
    ...base,
    name: "Image captioning",
    description:
      "Few-shot captioning in the paper's COCO format, <image>Output:{caption}<|endofchunk|>. Four captioned images show the style; the model captions the sunflower and stops at <|endofchunk|>.",
    tags: ["captioning", "paper format", "open-ended"],
    shots: [
      { blocks: [image("apple.png"), text("Output:")], answer: "A shiny red apple with a green leaf." },
      { blocks: [image("puppy.png"), text("Output:")], answer: "A smiling puppy with floppy brown ears." },
      { blocks: [image("bicycle.png"), text("Output:")], answer: "A light blue bicycle seen from the side." },
      { blocks: [image("rocket.png"), text("Output:")], answer: "A red and white rocket flying upwards." },
    ],
    query: { blocks: [image("sunflower.png"), text("Output:")] },
  };

  // <image>Question:{question} Short answer:{answer}<|endofchunk|>
  const vqa: TemplateInput = {
    ...base,
    name: "Visual question answering",
    description:
      "Few-shot VQA in the paper's VQAv2 format, <image>Question:{question} Short answer:{answer}<|endofchunk|>. Three answered questions about simple shapes, then your question about the star (edit {{question}}). Answers are one or two words.",
    tags: ["vqa", "paper format", "open-ended"],
    variables: [{ name: "question", kind: "text", description: "The question about the query image", default: "What colour is the star?" }],
    shots: [
      { blocks: [image("three-red-dots.png"), text("Question:How many dots are there? Short answer:")], answer: "3" },
      { blocks: [image("blue-square.png"), text("Question:What colour is the square? Short answer:")], answer: "blue" },
      { blocks: [image("green-triangle.png"), text("Question:What shape is this? Short answer:")], answer: "triangle" },
    ],
    query: { blocks: [image("yellow-star.png"), text("Question:{{question}} Short answer:")] },
  };

  // The classification format <image>Output:{label}<|endofchunk|>, with made-up labels.
  const novelWords: TemplateInput = {
    ...base,
    name: "Classification with novel words (dax or blicket)",
    description:
      "Fast concept binding: two made-up words name two classes — cats are a \"dax\", cars are a \"blicket\" — two shots each, in the paper's classification format <image>Output:{label}<|endofchunk|>. The model has never seen these words; it must reuse the right one for a new cat. Closed-ended: rank \"dax\" against \"blicket\".",
    tags: ["classification", "novel words", "closed-ended"],
    shots: [
      { blocks: [image("cat-face.png"), text("Output:")], answer: "dax" },
      { blocks: [image("red-car.png"), text("Output:")], answer: "blicket" },
      { blocks: [image("grinning-cat.png"), text("Output:")], answer: "dax" },
      { blocks: [image("taxi.png"), text("Output:")], answer: "blicket" },
    ],
    query: { blocks: [image("cat.png"), text("Output:")] },
  };

  // VQA format restricted to yes/no answers.
  const yesNo: TemplateInput = {
    ...base,
    name: "Yes/no question",
    description:
      "A yes/no question about an image, in the VQA format <image>Question:{question} Short answer:{yes|no}<|endofchunk|>. Four different questions show that the answer is only yes or no; ask your own about the doughnut with {{question}}. Closed-ended: rank \"yes\" against \"no\".",
    tags: ["vqa", "yes/no", "closed-ended"],
    variables: [{ name: "question", kind: "text", description: "A yes/no question about the query image", default: "Can you eat this?" }],
    shots: [
      { blocks: [image("owl.png"), text("Question:Is this an animal? Short answer:")], answer: "yes" },
      { blocks: [image("hammer.png"), text("Question:Can you eat this? Short answer:")], answer: "no" },
      { blocks: [image("strawberry.png"), text("Question:Is this a fruit? Short answer:")], answer: "yes" },
      { blocks: [image("teapot.png"), text("Question:Is this an animal? Short answer:")], answer: "no" },
    ],
    query: { blocks: [image("doughnut.png"), text("Question:{{question}} Short answer:")] },
  };

  // Two images per chunk. Flamingo's text cross-attends only to the image just
  // before it, so each image gets its own text ("Image 1.") to carry it forward.
  const question = "Image 2. Question:What is different between the two images? Short answer:";
  const comparison: TemplateInput = {
    ...base,
    name: "Two-image comparison",
    description:
      "Two images per shot: <image>Image 1.<image>Image 2. Question:What is different between the two images? Short answer:{colour|shape|nothing}<|endofchunk|>. Text follows each image because Flamingo's text attends only to the image just before it; the first image reaches the answer through \"Image 1.\".",
    tags: ["comparison", "multi-image", "vqa"],
    shots: [
      { blocks: [image("red-circle.png"), text("Image 1."), image("blue-circle.png"), text(question)], answer: "colour" },
      { blocks: [image("green-square.png"), text("Image 1."), image("green-triangle.png"), text(question)], answer: "shape" },
      { blocks: [image("yellow-star.png"), text("Image 1."), image("yellow-star.png"), text(question)], answer: "nothing" },
    ],
    query: { blocks: [image("blue-square.png"), text("Image 1."), image("blue-circle.png"), text(question)] },
  };

  return [captioning, vqa, novelWords, yesNo, comparison];
}
