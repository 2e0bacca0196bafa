/** The eval results as a readable text table. */
import { RANK_METHODS, type RankMethod } from "@/lib/backends/contract";
import type { EvalReport } from "@/lib/sweeps/file-eval";

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : "–");

export function formatReport(r: EvalReport, title = ""): string {
  const head = ["shots", "accuracy %", "± 95% CI", ...(r.mode === "generate" ? ["token F1 %"] : []), "n", "per seed %", "time s"];
  const rows = r.results.map((s) => [
    String(s.shots),
    pct(s.accuracy.mean),
    pct(s.accuracy.ci95),
    ...(s.f1 ? [`${pct(s.f1.mean)} ± ${pct(s.f1.ci95)}`] : []),
    String(s.accuracy.n),
    s.perSeed.map(pct).join(" / "),
    (s.ms / 1000).toFixed(1),
  ]);
  const width = head.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] as string).length)));
  const line = (cells: string[]) => cells.map((x, c) => (c === cells.length - 2 ? x.padEnd(width[c] as number) : x.padStart(width[c] as number))).join("  ");
  const out = [
    ...(title ? [title] : []),
    `${r.mode} mode, template ${JSON.stringify(r.template)}, ${r.balanced ? "balanced" : "random"} demonstrations, ${r.seeds} seed(s) × ${r.queries} queries (of ${r.items} items)`,
    ...(Object.keys(r.rankMethods).length > 0 ? [`ranked by ${Object.entries(r.rankMethods).map(([m, n]) => `${RANK_METHODS[m as RankMethod].label} (${n} cells)`).join(", ")}`] : []),
    line(head),
    line(head.map((_, c) => "-".repeat(width[c] as number))),
    ...rows.map(line),
  ];
  return out.join("\n");
}
