import "server-only";
import type { RankMethod } from "@/lib/backends/contract";
import type { DetectedCapabilities, ProbeStep, RemoteEngineConfig } from "@/lib/engines/types";
import { isUpstreamError } from "./errors";
import { EngineHttp } from "./http";
import { encodeImage, solidPng } from "./images";

export interface ProbeOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** The engine's own words when a step failed (our framing dropped), else the error's message. */
function failure(e: unknown): string {
  if (isUpstreamError(e)) return e.upstreamStatus ? `${e.upstreamStatus}: ${e.engineMessage}` : e.message;
  return e instanceof Error ? e.message : String(e);
}

const clip = (s: string, n = 80) => (s.length > n ? `${s.slice(0, n)}…` : s);

/**
 * "Test connection": lists the models, sends a one-image and a two-image request (tiny generated
 * PNGs, in the engine's image format), then probes log-probabilities: the first token's
 * `top_logprobs`, vLLM's `prompt_logprobs` with `continue_final_message`, and `/completions` with
 * `echo` + `logprobs` (one text token: cheap). Every step records ok, what it found or the engine's
 * own error message, and its time. Requests go through the engine's concurrency limit; none is retried.
 */
export async function probeEngine(config: RemoteEngineConfig, opts: ProbeOptions = {}): Promise<DetectedCapabilities> {
  const http = new EngineHttp(config, opts.fetch);
  const steps: ProbeStep[] = [];
  const step = async <T>(name: ProbeStep["name"], fn: () => Promise<{ ok: boolean; detail: string; value?: T }>): Promise<T | undefined> => {
    const t0 = performance.now();
    try {
      const r = await fn();
      steps.push({ name, ok: r.ok, detail: http.redact(r.detail), ms: Math.round(performance.now() - t0) });
      return r.value;
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      steps.push({ name, ok: false, detail: http.redact(failure(e)), ms: Math.round(performance.now() - t0) });
      return undefined;
    }
  };
  const chat = (body: Record<string, unknown>) => http.json("POST", "/chat/completions", { model: config.model, temperature: 0, ...body }, opts.signal);
  const answerOf = (body: unknown) => {
    const c = (body as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]?.message?.content;
    return typeof c === "string" ? c.trim() : "";
  };

  const models = await step<string[]>("models", async () => {
    const r = await http.json("GET", "/models", undefined, opts.signal);
    const data = (r.body as { data?: { id?: unknown }[] }).data;
    if (!Array.isArray(data)) return { ok: false, detail: "the answer has no model list (data[])" };
    const ids = data.flatMap((m) => (m && typeof m.id === "string" ? [m.id] : []));
    const listed = ids.includes(config.model);
    const count = `${ids.length} model${ids.length === 1 ? "" : "s"}`;
    return listed
      ? { ok: true, detail: `${count}; serves ${config.model}`, value: ids }
      : { ok: false, detail: `${count}; ${config.model} is not among them (${ids.slice(0, 8).join(", ")}${ids.length > 8 ? ", …" : ""})`, value: ids };
  });
  // The list is kept even when the model is missing from it.
  const listed = models ?? null;

  const image = async (r: number, g: number, b: number) => (await encodeImage(await solidPng(r, g, b), config.image)).url;
  const red = await image(220, 30, 30);
  const blue = await image(30, 60, 220);

  const oneImage = await step<true>("one_image", async () => {
    const r = await chat({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: red } }, { type: "text", text: "What colour is this image? Answer in one word." }] }], max_tokens: 8 });
    return { ok: true, detail: `answered ${JSON.stringify(clip(answerOf(r.body)))}`, value: true };
  });
  const twoImages = await step<true>("two_images", async () => {
    const r = await chat({
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: red } }, { type: "text", text: "and" }, { type: "image_url", image_url: { url: blue } }, { type: "text", text: "Name the two colours." }] }],
      max_tokens: 8,
    });
    return { ok: true, detail: `answered ${JSON.stringify(clip(answerOf(r.body)))}`, value: true };
  });

  const topLogprobs = await step<true>("top_logprobs", async () => {
    const r = await chat({ messages: [{ role: "user", content: "Is the sky blue? Answer yes or no." }], max_tokens: 1, logprobs: true, top_logprobs: 5 });
    const first = (r.body as { choices?: { logprobs?: { content?: { top_logprobs?: unknown[] }[] } | null }[] }).choices?.[0]?.logprobs?.content?.[0];
    const n = Array.isArray(first?.top_logprobs) ? first.top_logprobs.length : 0;
    return n > 0 ? { ok: true, detail: `${n} top log-probabilities for the first token`, value: true } : { ok: false, detail: "the answer has no logprobs.content[0].top_logprobs" };
  });

  const promptLogprobs = await step<true>("prompt_logprobs", async () => {
    const r = await chat({
      messages: [
        { role: "user", content: "Is the sky blue? Answer yes or no." },
        { role: "assistant", content: "Yes" },
      ],
      continue_final_message: true,
      add_generation_prompt: false,
      max_tokens: 1,
      prompt_logprobs: 0,
    });
    const pl = (r.body as { prompt_logprobs?: unknown }).prompt_logprobs;
    const n = Array.isArray(pl) ? pl.filter((x) => x && typeof x === "object").length : 0;
    return n > 0 ? { ok: true, detail: `log-probabilities for ${n} prompt tokens`, value: true } : { ok: false, detail: "the engine returned no prompt log-probabilities (prompt_logprobs)" };
  });

  const echoLogprobs = await step<true>("echo_logprobs", async () => {
    const r = await http.json("POST", "/completions", { model: config.model, prompt: "The sky is blue", max_tokens: 1, temperature: 0, echo: true, logprobs: 1 }, opts.signal);
    const lp = (r.body as { choices?: { logprobs?: { token_logprobs?: unknown[] } | null }[] }).choices?.[0]?.logprobs?.token_logprobs;
    const n = Array.isArray(lp) ? lp.length : 0;
    return n > 1 ? { ok: true, detail: `echoed log-probabilities for ${n} tokens`, value: true } : { ok: false, detail: "the answer has no echoed token log-probabilities" };
  });

  // Ranking prompts carry images, which /completions cannot: echo is reported, not chosen.
  const rankMethod: RankMethod = promptLogprobs ? "prompt_logprobs" : topLogprobs ? "first_token_logprobs" : "generate_match";
  return {
    testedAt: new Date().toISOString(),
    ok: oneImage === true,
    models: listed,
    multiImage: twoImages === true,
    topLogprobs: topLogprobs === true,
    promptLogprobs: promptLogprobs === true,
    echoLogprobs: echoLogprobs === true,
    rankMethod,
    steps,
  };
}
