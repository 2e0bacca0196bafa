import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { assignSplits, parseUpload, type UploadedFile } from "@/lib/datasets";
import { parseDataset } from "@/lib/eval/dataset";
import { EXAMPLE_DATASETS, EXAMPLE_DATASETS_DIR } from "@/lib/examples/datasets";

function folder(dir: string, rel = ""): UploadedFile[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const p = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? folder(dir, p) : [{ path: p, bytes: new Uint8Array(fs.readFileSync(path.join(dir, p))) }];
  });
}

describe("the committed example datasets", () => {
  it.each(EXAMPLE_DATASETS.map((d) => [d.name, d] as const))("%s parses for the importer and the eval CLI, 32×32 PNGs, candidates given", async (_name, ex) => {
    const dir = path.join(EXAMPLE_DATASETS_DIR, ex.dir);
    const parsed = parseUpload(folder(dir), { manifest: "data.jsonl" });
    expect(parsed.items.length).toBeGreaterThanOrEqual(60);
    expect(parsed.items.length).toBeLessThanOrEqual(120);
    expect(parsed.items.every((i) => i.candidates?.includes(i.answer))).toBe(true);
    expect(parseDataset(fs.readFileSync(path.join(dir, "data.jsonl"), "utf8"))).toHaveLength(parsed.items.length);
    for (const bytes of [...parsed.images.values()].slice(0, 10)) {
      const meta = await sharp(bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(["png", 32, 32]);
    }
    const splits = assignSplits(parsed.items, { evalCount: ex.evalCount, seed: 0 });
    expect(splits.filter((s) => s === "eval")).toHaveLength(ex.evalCount);
  });

  it("Novel emoji (2-way) has two pseudo-word labels, 40 views each, and no questions", () => {
    const parsed = parseUpload(folder(path.join(EXAMPLE_DATASETS_DIR, "novel-emoji-2way")), { manifest: "data.jsonl" });
    const counts = new Map<string, number>();
    for (const i of parsed.items) counts.set(i.answer, (counts.get(i.answer) ?? 0) + 1);
    expect([...counts.values()]).toEqual([40, 40]);
    expect(parsed.items.every((i) => i.question === undefined && i.candidates?.length === 2)).toBe(true);
  });

  it("records its sources and licences", () => {
    const notes = fs.readFileSync(path.join(EXAMPLE_DATASETS_DIR, "LICENSE.md"), "utf8");
    expect(notes).toMatch(/Apache\s+License,\s+Version\s+2\.0/);
    for (const ex of EXAMPLE_DATASETS) expect(notes).toContain(ex.name);
  });
});
