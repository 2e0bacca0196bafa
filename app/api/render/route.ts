import { z } from "zod";
import { authorize, callerOf } from "@/lib/auth";
import { AppError } from "@/lib/errors";
import { json, readJson, route } from "@/lib/http/respond";
import { parseTemplate, render, RenderError, serializePrompt, type Bindings } from "@/lib/prompt";
import { AssetIdSchema } from "@/lib/http/params";

const RenderBody = z.object({
  document: z.unknown(),
  bindings: z.record(z.string(), z.union([z.string().max(20_000), z.object({ assetId: AssetIdSchema })])).default({}),
  shots: z.number().int().min(0).max(64).optional(),
});

/** The exact interleaved prompt a template produces: what the model will see. */
export const POST = route(async (request: Request) => {
  await authorize(await callerOf(request), "read", { model: true });
  const body = await readJson(request, RenderBody);
  const parsed = parseTemplate(body.document);
  if (!parsed.ok) {
    throw new AppError("validation_failed", `Invalid template: ${parsed.issues[0]?.message ?? "malformed"}`, { details: parsed.issues });
  }
  try {
    const sequence = render(parsed.template, body.bindings as Bindings, { shots: body.shots });
    return json({ prompt: serializePrompt(sequence), parts: sequence.parts });
  } catch (error) {
    if (error instanceof RenderError) throw new AppError("unprocessable", error.message, { details: [{ path: ["bindings", error.variable], message: error.message }] });
    throw error;
  }
});
