/**
 * The example datasets seeded into the Examples library: generated from the
 * bundled model's held-out split by training/make_example_datasets.py, stored
 * under lib/examples/datasets/<dir>/ (data.jsonl + images/), imported through
 * the same path as a user's upload. Idempotent: matched by name.
 */
import "server-only";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { importDataset } from "@/lib/datasets/import";
import type { UploadedFile } from "@/lib/datasets";
import { isAppError } from "@/lib/errors";
import { findDataset, type DatasetTask } from "@/lib/store/datasets";

export const EXAMPLE_DATASETS_DIR = path.join(process.cwd(), "lib", "examples", "datasets");

export interface ExampleDataset {
  dir: string;
  name: string;
  description: string;
  task: DatasetTask;
  /** Stratified, seeded split (lib/datasets/split.ts): this many evaluation queries, the rest demonstrations. */
  evalCount: number;
}

export const EXAMPLE_DATASETS: readonly ExampleDataset[] = [
  {
    dir: "novel-emoji-2way",
    name: "Novel emoji (2-way)",
    description:
      "Novel-label classification on two emoji classes the model never saw in training, each named by a made-up word (\"plaste\", \"mot\") bound to it only through the demonstrations. 40 augmented 32×32 views per class; candidates: both labels. Prompt format <image>Output:{label}<|endofchunk|>. One demonstration shows one label (about 50%); accuracy rises as both labels appear. At 0 shots the model has only its prior between the two words, which can favour either class by chance.",
    task: "classification",
    evalCount: 32,
  },
  {
    dir: "scene-vqa",
    name: "Scene VQA",
    description:
      "Visual question answering on held-out procedural scenes (32×32): 30 colour, 30 shape and 30 count questions with short answers, each with its closed answer set as candidates. Prompt format <image>Question:{question} Short answer:{answer}<|endofchunk|>.",
    task: "vqa",
    evalCount: 30,
  },
  {
    dir: "scene-colours",
    name: "Scene colours (task from examples)",
    description:
      "The task itself learnt from the demonstrations: 60 other held-out scenes (32×32), 10 per colour, in the classification format <image>Output:{colour}<|endofchunk|> with no question. Whether to name the colour, the shape or the count is shown only by the demonstrations, so at 0 shots the model rarely says a colour; with a few shots it names the colour. Compare in generate mode, where the answer must be the colour word (about 13% at 0 shots, 61% at 1, 74% at 8); rank mode chooses among the six colours, which narrows the answer (33% at 0 shots).",
    task: "classification",
    evalCount: 30,
  },
];

/** Every file of an example dataset's folder, with paths relative to it. */
async function readFolder(root: string, rel = ""): Promise<UploadedFile[]> {
  const dir = path.join(/* turbopackIgnore: true */ root, rel);
  const out: UploadedFile[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await readFolder(root, p)));
    else if (e.isFile() && (p === "data.jsonl" || p.endsWith(".png"))) out.push({ path: p, bytes: new Uint8Array(await readFile(path.join(/* turbopackIgnore: true */ dir, e.name))) });
  }
  return out;
}

export interface ExampleDatasetReport {
  created: string[];
  present: number;
}

/** Import each example dataset missing from the library (by name); a user's rename or edit is left alone. */
export async function seedExampleDatasets(libraryId: string, dir = EXAMPLE_DATASETS_DIR): Promise<ExampleDatasetReport> {
  const report: ExampleDatasetReport = { created: [], present: 0 };
  for (const ex of EXAMPLE_DATASETS) {
    if (await findDataset(libraryId, ex.name)) {
      report.present++;
      continue;
    }
    const files = await readFolder(path.join(/* turbopackIgnore: true */ dir, ex.dir)).catch((cause: unknown) => {
      throw new Error(`Example dataset ${ex.dir} is missing from ${dir}; restore it from git (lib/examples/datasets/).`, { cause });
    });
    try {
      await importDataset(files, { libraryId, name: ex.name, description: ex.description, task: ex.task, evalCount: ex.evalCount, seed: 0 });
      report.created.push(ex.name);
    } catch (e) {
      if (!(isAppError(e) && e.code === "conflict")) throw e;
      report.present++; // created by a concurrent start
    }
  }
  return report;
}
