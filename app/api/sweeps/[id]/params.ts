import { parseWith } from "@/lib/http/respond";
import { IdSchema } from "@/lib/http/params";

export type SweepCtx = { params: Promise<{ id: string }> };

export const sweepId = async (ctx: SweepCtx): Promise<string> => parseWith(IdSchema, (await ctx.params).id, "sweep id");

export const searchOf = (request: Request): Record<string, string> => Object.fromEntries(new URL(request.url).searchParams);
