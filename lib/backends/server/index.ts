import "server-only";
export * from "./engine";
export * from "./limits";
export { decodeWithSharp } from "./sharp-decoder";
export { fsFetchFile } from "./fs-package";
export * from "./service";
export { chatCompletions, listModels, messagesToPrompt } from "./openai";
export { executionProviderPlan, serverModelStatus, type ServerModelStatus } from "./status";
