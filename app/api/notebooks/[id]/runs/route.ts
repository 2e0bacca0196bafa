import { listCellRuns, saveCellRun } from "@/lib/store";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { IdSchema } from "@/lib/http/params";
import { CellRunQuery, SaveCellRunBody } from "../../schema";

type Ctx = { params: Promise<{ id: string }> };

export const GET = route(async (request: Request, ctx: Ctx) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "notebook id");
  const query = parseWith(CellRunQuery, Object.fromEntries(new URL(request.url).searchParams), "query");
  return json({ runs: await listCellRuns(id, query) });
});

/** Save a finished run of one cell (the browser ran it, or streamed it from /api/runs). */
export const POST = route(async (request: Request, ctx: Ctx) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "notebook id");
  const body = await readJson(request, SaveCellRunBody);
  return json({ run: await saveCellRun(id, body) }, { status: 201 });
});
