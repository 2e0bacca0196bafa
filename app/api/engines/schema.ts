import { AnyEngineInputSchema, EnginePatchSchema } from "@/lib/engines/schema";
import { IdSchema } from "@/lib/http/params";
import { parseWith } from "@/lib/http/respond";
import { safeText } from "@/lib/text";

/**
 * The engine routes' bodies: the registry's own rules (lib/engines/schema.ts), which the engine form
 * shares, with no NUL characters or unpaired surrogates in any text (lib/text.ts). Each bad field is
 * a 400 with its JSON path. `kind` picks the rules: "openai" (the default) or "transformersjs" (a model the
 * user's browser runs: no URL, no secrets; the server refuses to run or test it).
 */
export const CreateEngineBody = safeText(AnyEngineInputSchema);
/** Absent fields are kept; `apiKey` null removes the key; `headers` replaces them all (null: none). */
export const UpdateEngineBody = safeText(EnginePatchSchema);
/** Unsaved settings to test: the same body as a new engine. */
export const TestEngineBody = CreateEngineBody;

/** Bodies stay small: 20 headers of at most 8 KB and a 10 000-character system prompt fit well. */
export const ENGINE_BODY_LIMIT = 256 * 1024;

export type EngineCtx = { params: Promise<{ id: string }> };

export const engineId = async (ctx: EngineCtx): Promise<string> => parseWith(IdSchema, (await ctx.params).id, "engine id");
