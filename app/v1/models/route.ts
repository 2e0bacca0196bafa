import { listModels } from "@/lib/backends/server";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** OpenAI-compatible model list: the installed model packages (lib/backends/server/openai.ts). */
export const GET = listModels;
