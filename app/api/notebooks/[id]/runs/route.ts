import { authorId, authorize, callerOf } from "@/lib/auth";
import { listCellRuns, saveCellRun } from "@/lib/store";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { IdSchema } from "@/lib/http/params";
import { CellRunQuery, SaveCellRunBody } from "../../schema";

type Ctx = { params: Promise<{ id: string }> };

export const GET = route(async (request: Request, ctx: Ctx) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "notebook id");
  await authorize(await callerOf(request), "read", { notebook: id });
  const query = parseWith(CellRunQuery, Object.fromEntries(new URL(request.url).searchParams), "query");
  return json({ runs: await listCellRuns(id, query) });
});

/** Save a finished run of one cell (the browser ran it, or streamed it from /api/runs): running, and writing its output. */
export const POST = route(async (request: Request, ctx: Ctx) => {
  const id = parseWith(IdSchema, (await ctx.params).id, "notebook id");
  const caller = await callerOf(request);
  await authorize(caller, "run", { notebook: id });
  await authorize(caller, "write", { notebook: id });
  const body = await readJson(request, SaveCellRunBody);
  return json({ run: await saveCellRun(id, body, authorId(caller)) }, { status: 201 });
});
