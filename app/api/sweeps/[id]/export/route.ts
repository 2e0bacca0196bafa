import { authorize, callerOf } from "@/lib/auth";
import { parseWith, route } from "@/lib/http/respond";
import { getSweep } from "@/lib/store";
import { ExportQuery } from "@/lib/sweeps/schema";
import { exportRows, toCsv } from "@/lib/sweeps/service";
import { searchOf, sweepId, type SweepCtx } from "../params";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Every stored cell with its item's answer and image id, as a CSV or JSON download. */
export const GET = route(async (request: Request, ctx: SweepCtx) => {
  const id = await sweepId(ctx);
  await authorize(await callerOf(request), "read", { sweep: id });
  const { format } = parseWith(ExportQuery, searchOf(request), "query");
  const sweep = await getSweep(id);
  const rows = await exportRows(id);
  const slug = sweep.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60) || "sweep";
  const body = format === "csv" ? toCsv(rows) : JSON.stringify(rows, null, 1);
  return new Response(body, {
    headers: {
      "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="${slug}.sweep.${format}"`,
      "cache-control": "no-store",
    },
  });
});
