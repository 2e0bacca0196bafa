import { authorize, callerOf, refusalOf } from "@/lib/auth";
import { listModels } from "@/lib/backends/server";
import { guard, openAiErrorResponse } from "@/lib/http/respond";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** OpenAI-compatible model list: the installed model packages (lib/backends/server/openai.ts). */
// guard(): the Host check of every route (lib/http/origin.ts), answered in OpenAI's error shape.
export const GET = guard(async (request: Request) => {
  const refused = await refusalOf(async () => authorize(await callerOf(request), "read", { model: true }));
  return refused ? openAiErrorResponse(refused) : listModels();
}, openAiErrorResponse);
