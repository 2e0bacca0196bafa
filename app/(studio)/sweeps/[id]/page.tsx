import type { Metadata } from "next";
import { cache } from "react";
import { getDatasetItems } from "@/lib/store";
import { getSweep, getSweepRecord } from "@/lib/store/sweeps";
import { sweepNotes } from "@/lib/sweeps/client/notes";
import { evaluationItems, meanChance } from "@/lib/sweeps/client/grid";
import { SweepView } from "@/components/comparison/SweepView";
import { orNotFound, pageCaller } from "../../not-found-guard";

export const dynamic = "force-dynamic";

const loadSweep = cache(getSweep);

type Params = Promise<{ id: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { id } = await params;
  try {
    await pageCaller({ sweep: id });
    return { title: (await loadSweep(id)).name };
  } catch {
    return { title: "Comparison" };
  }
}

export default async function SweepPage({ params }: { params: Params }) {
  const { id } = await params;
  await pageCaller({ sweep: id });
  const sweep = await orNotFound(loadSweep(id));
  const rows = await getDatasetItems(sweep.datasetId);
  const items = rows.map(({ id: itemId, position, split, assetId, question, answer }) => ({ id: itemId, position, split, assetId, question, answer }));
  const evaluated = new Set(evaluationItems(items, sweep.config.queries, []).map((i) => i.id));
  const chanceLevel =
    sweep.config.mode === "rank"
      ? meanChance(
          rows.filter((r) => evaluated.has(r.id)),
          rows.map((r) => r.answer),
        )
      : undefined;
  // The template as the sweep ran it (its own shots are not used: the notes say so).
  const template = (await getSweepRecord(id)).config.template;
  const notes = sweepNotes({
    mode: sweep.config.mode,
    shots: sweep.config.shots,
    templateName: sweep.templateName ?? template.name,
    templateAnswers: template.shots.map((s) => s.answer),
    datasetName: sweep.datasetName,
    datasetAnswers: rows.map((r) => r.answer),
    ...(chanceLevel !== undefined ? { chance: chanceLevel } : {}),
  });
  return <SweepView key={sweep.id} initial={sweep} items={items} chanceLevel={chanceLevel} notes={notes} />;
}
