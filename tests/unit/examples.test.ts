import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { inspectImage } from "@/lib/assets/inspect";
import { EXAMPLE_IMAGES, EXAMPLE_IMAGE_FILES } from "@/lib/examples/catalog";
import { EXAMPLE_IMAGES_DIR, loadExampleImages, type ExampleImageBytes } from "@/lib/examples/images";
import { exampleTemplates } from "@/lib/examples/templates";
import { assetIdsOf, imagesOf, parseTemplate, render, serializePrompt, type Template } from "@/lib/prompt";

/** The serialized prompt of each example, exactly as the model's tokenizer sees it. */
const EXPECTED_PROMPTS: Record<string, string> = {
  "Image captioning": [
    "<image>Output:A shiny red apple with a green leaf.<|endofchunk|>",
    "<image>Output:A smiling puppy with floppy brown ears.<|endofchunk|>",
    "<image>Output:A light blue bicycle seen from the side.<|endofchunk|>",
    "<image>Output:A red and white rocket flying upwards.<|endofchunk|>",
    "<image>Output:",
  ].join("\n"),
  "Visual question answering": [
    "<image>Question:How many dots are there? Short answer:3<|endofchunk|>",
    "<image>Question:What colour is the square? Short answer:blue<|endofchunk|>",
    "<image>Question:What shape is this? Short answer:triangle<|endofchunk|>",
    "<image>Question:What colour is the star? Short answer:",
  ].join("\n"),
  "Classification with novel words (dax or blicket)": [
    "<image>Output:dax<|endofchunk|>",
    "<image>Output:blicket<|endofchunk|>",
    "<image>Output:dax<|endofchunk|>",
    "<image>Output:blicket<|endofchunk|>",
    "<image>Output:",
  ].join("\n"),
  "Yes/no question": [
    "<image>Question:Is this an animal? Short answer:yes<|endofchunk|>",
    "<image>Question:Can you eat this? Short answer:no<|endofchunk|>",
    "<image>Question:Is this a fruit? Short answer:yes<|endofchunk|>",
    "<image>Question:Is this an animal? Short answer:no<|endofchunk|>",
    "<image>Question:Can you eat this? Short answer:",
  ].join("\n"),
  "Two-image comparison": [
    "<image>Image 1.<image>Image 2. Question:What is different between the two images? Short answer:colour<|endofchunk|>",
    "<image>Image 1.<image>Image 2. Question:What is different between the two images? Short answer:shape<|endofchunk|>",
    "<image>Image 1.<image>Image 2. Question:What is different between the two images? Short answer:nothing<|endofchunk|>",
    "<image>Image 1.<image>Image 2. Question:What is different between the two images? Short answer:",
  ].join("\n"),
};

let images: Map<string, ExampleImageBytes>;
let templates: Template[];

beforeAll(async () => {
  images = await loadExampleImages();
  templates = exampleTemplates((file) => images.get(file)!.id).map((doc) => {
    const parsed = parseTemplate(doc);
    if (!parsed.ok) throw new Error(`${doc.name}: ${JSON.stringify(parsed.issues)}`);
    return parsed.template;
  });
});

describe("example images", () => {
  it("are exactly the catalogued files, plus their licence", async () => {
    const onDisk = (await readdir(EXAMPLE_IMAGES_DIR)).sort();
    expect(onDisk).toEqual([...EXAMPLE_IMAGE_FILES, "LICENSE-APACHE-2.0.txt", "LICENSE.md"].sort());
  });

  it("stay small: a few dozen files under 1 MB in all", async () => {
    const sizes = await Promise.all(EXAMPLE_IMAGE_FILES.map(async (f) => (await stat(path.join(EXAMPLE_IMAGES_DIR, f))).size));
    expect(EXAMPLE_IMAGE_FILES.length).toBeLessThanOrEqual(48);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThan(1024 * 1024);
  });

  it("are all valid PNGs that pass asset validation", async () => {
    for (const { file, bytes, id } of images.values()) {
      const info = await inspectImage(bytes);
      expect(info.mediaType, file).toBe("image/png");
      expect(info.id).toBe(id);
      const drawn = EXAMPLE_IMAGES[file].source.kind === "drawn";
      expect([info.width, info.height], file).toEqual(drawn ? [128, 128] : [64, 64]);
    }
  });
});

describe("example templates", () => {
  it("cover the five formats the foundation asks for, with unique names", () => {
    expect(templates.map((t) => t.name).sort()).toEqual(Object.keys(EXPECTED_PROMPTS).sort());
    for (const t of templates) {
      expect(t.description.length, t.name).toBeGreaterThan(40);
      expect(t.tags.length, t.name).toBeGreaterThan(0);
    }
  });

  it("refer only to catalogued images, by content hash", () => {
    const known = new Set([...images.values()].map((i) => i.id));
    for (const t of templates) for (const id of assetIdsOf(t)) expect(known.has(id), `${t.name}: ${id}`).toBe(true);
  });

  it("run as is: no image variables, every text variable has a default", () => {
    for (const t of templates) {
      for (const v of t.variables) {
        expect(v.kind, `${t.name}.${v.name}`).toBe("text");
        expect(v.default, `${t.name}.${v.name}`).toBeDefined();
      }
    }
  });

  it.each(Object.entries(EXPECTED_PROMPTS))("%s renders in the paper's format", (name, expected) => {
    const template = templates.find((t) => t.name === name)!;
    const sequence = render(template);
    expect(serializePrompt(sequence)).toBe(expected);
    expect(imagesOf(sequence)).toHaveLength(expected.split("<image>").length - 1);
  });

  it("bind the query question to a new value", () => {
    const vqa = templates.find((t) => t.name === "Visual question answering")!;
    expect(serializePrompt(render(vqa, { question: "How many points does the star have?" }))).toMatch(
      /<\|endofchunk\|>\n<image>Question:How many points does the star have\? Short answer:$/,
    );
  });

  it("give the comparison two images per chunk, in order", () => {
    const comparison = templates.find((t) => t.name === "Two-image comparison")!;
    const ids = imagesOf(render(comparison));
    const id = (f: string) => images.get(f)!.id;
    expect(ids).toEqual(
      ["red-circle.png", "blue-circle.png", "green-square.png", "green-triangle.png", "yellow-star.png", "yellow-star.png", "blue-square.png", "blue-circle.png"].map(id),
    );
  });
});
