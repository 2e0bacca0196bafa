import { describe, expect, it } from "vitest";
import { baseSweepName, defaultSweepName, uniqueName } from "@/lib/sweeps/naming";
import { overlayOptionLabel, sweepLabels } from "@/lib/sweeps/client/labels";
import type { SweepConfig } from "@/lib/sweeps/types";

const at = new Date("2026-03-12T14:05:33Z");

describe("default sweep names", () => {
  it("say what is compared, how, and when", () => {
    expect(baseSweepName({ template: "Cls", dataset: "Emoji", mode: "rank", at })).toBe("Cls × Emoji · rank, 12 Mar 2026, 14:05 UTC");
    expect(baseSweepName({ template: "Cls", dataset: "Emoji", mode: "generate", backend: "browser", at })).toBe("Cls × Emoji · generate, browser, 12 Mar 2026, 14:05 UTC");
  });
  it("are numbered when the dataset has a sweep of that name already", () => {
    const base = "Cls × Emoji · rank, 12 Mar 2026, 14:05 UTC";
    expect(defaultSweepName({ template: "Cls", dataset: "Emoji", mode: "rank", at }, [])).toBe(base);
    expect(defaultSweepName({ template: "Cls", dataset: "Emoji", mode: "rank", at }, [base])).toBe(`${base} (2)`);
    expect(uniqueName("A", ["A", "A (2)", "A (4)"])).toBe("A (3)");
  });
});

describe("sweeps side by side", () => {
  const config: SweepConfig = {
    templateId: "t",
    templateVersion: 1,
    datasetId: "d",
    shots: [0, 1],
    seeds: 1,
    selections: ["random"],
    backend: "server",
    engines: ["flamingo-mini"],
    mode: "rank",
    maxTokens: 16,
    queries: 10,
    model: "flamingo-mini",
  };
  const sweep = (name: string) => ({ name, templateName: "Cls", datasetName: "Emoji", config, createdAt: "" });

  it("two default-named sweeps that differ in nothing else are told apart by what their names add", () => {
    expect(sweepLabels([sweep("Cls × Emoji · rank, 12 Mar 2026, 14:05 UTC"), sweep("Cls × Emoji · rank, 12 Mar 2026, 14:05 UTC (2)")])).toEqual([
      "rank, 12 Mar 2026, 14:05 UTC",
      "rank, 12 Mar 2026, 14:05 UTC (2)",
    ]);
  });

  it("a 'Compare with' option drops what every option shares (template and dataset) and says its status", () => {
    const option = { name: "Cls × Emoji · rank, 12 Mar 2026, 14:05 UTC (2)", templateName: "Cls", datasetName: "Emoji", status: "done" as const };
    expect(overlayOptionLabel(option, { templateName: "Cls" })).toBe("rank, 12 Mar 2026, 14:05 UTC (2) · done");
    expect(overlayOptionLabel(option, { templateName: "Other" })).toBe("Cls · rank, 12 Mar 2026, 14:05 UTC (2) · done");
    expect(overlayOptionLabel({ ...option, name: "My run", status: "running" }, { templateName: "Cls" })).toBe("My run · running");
    expect(overlayOptionLabel({ ...option, name: "Old", templateName: null }, { templateName: "Cls" })).toBe("deleted template · Old · done");
  });
});
