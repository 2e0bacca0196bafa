/**
 * Remote OpenAI-compatible engines (vLLM, llama.cpp, Ollama, TGI, hosted APIs) behind the Backend
 * contract. Server-only: requests carry the engine's credentials.
 *
 * - createRemoteBackend(config, opts): generate (streamed with hooks.onToken), score / scoreMany
 *   (prompt_logprobs → first_token_logprobs → generate_match), capabilities.
 * - probeEngine(config): "Test connection".
 * - withRetries / retryable: the retry policy (retry.ts). The backend never retries by itself.
 * - elideImages: request bodies for the run inspector.
 */
import "server-only";
export { createRemoteBackend, type RemoteBackend, type RemoteBackendOptions } from "./backend";
export { probeEngine, type ProbeOptions } from "./probe";
export { withRetries, retryable, retryDelay, type RetryInfo, type RetryOptions } from "./retry";
export { elideImages, formatBytes } from "./elide";
export { UpstreamError, isUpstreamError, parseRetryAfter } from "./errors";
export { engineLimiter, limiterStats } from "./limiter";
export { toChatMessages, type ChatContentPart, type ChatMessage } from "./messages";
export { encodeImage, type RemoteImageSource } from "./images";
