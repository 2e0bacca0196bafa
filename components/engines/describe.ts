/** How the engines page words an engine's settings and a connection test (pure: unit-tested). */
import { RANK_METHODS, type EngineKind, type RankMethod } from "@/lib/backends/contract";
import type { DetectedCapabilities, EngineSource, ProbeStep, PromptStyle, RemoteEngineSettings } from "@/lib/engines/types";

export const KIND_LABELS: Record<EngineKind, string> = { bundled: "Bundled", openai: "Remote", transformersjs: "In the browser (transformers.js)" };

export const SOURCE_LABELS: Record<EngineSource, string> = {
  bundled: "Bundled: read-only",
  declared: "Declared by the deployment: read-only",
  stored: "Added in the app",
};

export const PROMPT_STYLES: Record<PromptStyle, { label: string; short: string; hint: string }> = {
  interleaved: {
    label: "One user message, images and text interleaved",
    short: "interleaved in one message",
    hint: "Closest to the Flamingo prompt; suits models that take several images per message (Qwen2-VL, Idefics, Pixtral on vLLM).",
  },
  turns: {
    label: "Each demonstration as a user turn and its answer as an assistant turn",
    short: "one turn per demonstration",
    hint: "Suits chat models tuned on conversations or one image per message (LLaVA-style models, many llama.cpp and Ollama models).",
  },
};

export const STEP_LABELS: Record<ProbeStep["name"], string> = {
  models: "Lists its models (GET /models)",
  one_image: "Answers a prompt with one image",
  two_images: "Answers a prompt with two images",
  top_logprobs: "Returns top log-probabilities",
  prompt_logprobs: "Returns prompt log-probabilities",
  echo_logprobs: "Echoes completion log-probabilities",
};

/** "850 ms", "12.4 s". */
export function formatMs(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A remote engine's limits on one line: "timeout 60 s · 4 requests at once · up to 8 images · JPEG, longest side 1024 px". */
export function limitsSummary(s: RemoteEngineSettings): string {
  const seconds = Math.round(s.timeoutMs) / 1000;
  return [
    `timeout ${seconds} s`,
    `${s.maxConcurrency} ${s.maxConcurrency === 1 ? "request" : "requests"} at once`,
    s.maxImages === null ? "no image limit" : `up to ${s.maxImages} ${s.maxImages === 1 ? "image" : "images"}`,
    `${s.image.format.toUpperCase()}, ${s.image.maxSide === null ? "sizes as stored" : `longest side ${s.image.maxSide} px`}`,
  ].join(" · ");
}

/** "exact, from prompt log-probabilities (exact)" and whether it is approximate. */
export function rankMethodText(method: RankMethod): { label: string; approximate: boolean } {
  return RANK_METHODS[method] ?? { label: method, approximate: true };
}

/** The test's conclusion: what a run will do on this engine, or why it cannot run. */
export function probeConclusion(c: DetectedCapabilities): string {
  if (!c.ok) {
    const failed = c.steps.find((s) => !s.ok);
    return `Cannot run prompts yet${failed ? `: the step “${STEP_LABELS[failed.name] ?? failed.name}” failed` : ""}.`;
  }
  return `Ranking: ${rankMethodText(c.rankMethod).label}. Several images per prompt: ${
    c.multiImage ? "yes" : "no (zero-shot prompts only: a demonstration adds an image)"
  }.`;
}
