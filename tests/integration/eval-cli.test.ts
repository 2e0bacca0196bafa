/**
 * `npm run eval` (scripts/eval.ts) end to end on the example datasets in tests/fixtures/eval
 * (generated from the model's held-out split by tests/fixtures/eval/make.py), with the real model
 * on onnxruntime-node. Few queries: this checks the pipeline, not the model's accuracy.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const FIXTURES = path.join(process.cwd(), "tests", "fixtures", "eval");

function evalCli(args: string[]) {
  const r = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/eval.ts", ...args], { encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Report {
  mode: string;
  balanced: boolean;
  executionProvider: string;
  queries: number;
  items: number;
  results: { shots: number; accuracy: { mean: number; ci95: number; n: number }; perSeed: number[]; f1?: { mean: number } }[];
  cache: { visual: { hits: number; misses: number }; prefix: { hits: number } };
}

describe("npm run eval", () => {
  it("ranks the answers of a classification file per shot count (--json), the same with caches off", () => {
    const args = ["--data", path.join(FIXTURES, "emoji-4way.jsonl"), "--shots", "0,2,4", "--seeds", "2", "--queries", "4", "--json"];
    const on = evalCli(args);
    expect(on.stderr).toBe("");
    expect(on.status).toBe(0);
    const r = JSON.parse(on.stdout) as Report;
    expect(r).toMatchObject({ mode: "rank", balanced: false, queries: 4, items: 40 });
    expect(["cpu", "cuda"]).toContain(r.executionProvider);
    expect(r.results.map((s) => s.shots)).toEqual([0, 2, 4]);
    for (const s of r.results) {
      expect(s.accuracy.n).toBe(8);
      expect(s.accuracy.mean).toBeGreaterThanOrEqual(0);
      expect(s.accuracy.mean).toBeLessThanOrEqual(1);
      expect(s.perSeed).toHaveLength(2);
    }
    // Each image is encoded once; the demonstrations' prefix is reused across queries.
    expect(r.cache.visual.misses).toBeLessThanOrEqual(40);
    expect(r.cache.prefix.hits).toBeGreaterThan(0);
    const off = JSON.parse(evalCli([...args, "--no-cache"]).stdout) as Report;
    expect(off.results.map((s) => s.perSeed)).toEqual(r.results.map((s) => s.perSeed));
  });

  it("generates VQA answers with balanced demonstrations and prints a table", () => {
    const out = evalCli(["--data", path.join(FIXTURES, "scenes-vqa.jsonl"), "--template", "vqa", "--mode", "generate", "--balanced", "--shots", "0,3", "--seeds", "1", "--queries", "3"]);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/generate mode, template "<image>Question:\{question\} Short answer:\{answer\}<\|endofchunk\|>\\n", balanced demonstrations, 1 seed\(s\) × 3 queries \(of 24 items\)/);
    expect(out.stdout).toMatch(/shots\s+accuracy %\s+± 95% CI\s+token F1 %/);
    expect(out.stdout).toMatch(/\n\s+3\s+\d+\.\d/);
  });

  it("on the Scene colours example, naming the colour is learnt from the demonstrations (generate mode)", () => {
    // No question in the prompt: at 0 shots the model says other things about the scene.
    const data = path.join(process.cwd(), "lib", "examples", "datasets", "scene-colours", "data.jsonl");
    const out = evalCli(["--data", data, "--template", "classification", "--mode", "generate", "--shots", "0,4", "--seeds", "1", "--queries", "30", "--json"]);
    expect(out.status).toBe(0);
    const [zero, four] = (JSON.parse(out.stdout) as Report).results;
    expect(zero!.accuracy.mean).toBeLessThan(0.35);
    expect(four!.accuracy.mean).toBeGreaterThan(zero!.accuracy.mean + 0.25);
  });

  it("explains bad arguments and data", () => {
    const noData = evalCli([]);
    expect(noData.status).toBe(2);
    expect(noData.stderr).toMatch(/--data is required/);
    const tooMany = evalCli(["--data", path.join(FIXTURES, "scenes-vqa.jsonl"), "--template", "vqa", "--shots", "32"]);
    expect(tooMany.status).toBe(1);
    expect(tooMany.stderr).toMatch(/32 demonstrations asked for, but only 23 items/);
    const badMode = evalCli(["--data", path.join(FIXTURES, "scenes-vqa.jsonl"), "--mode", "beam"]);
    expect(badMode.status).toBe(2);
    expect(badMode.stderr).toMatch(/--mode must be rank or generate/);
  });
});
