/**
 * A browser sweep (lib/sweeps/client/browser-sweep.ts) on any Backend — a transformers.js engine in the page's
 * worker (backend.ts) like the bundled model: its model calls (score in plan candidate order, greedy generate).
 * Pure glue, no DOM.
 */
import type { Backend } from "@/lib/backends/contract";
import type { BrowserSweepDeps } from "@/lib/sweeps/client/browser-sweep";

export function backendSweepCalls(backend: Pick<Backend, "score" | "generate">): Pick<BrowserSweepDeps, "score" | "generate"> {
  return {
    async score(prompt, candidates, signal) {
      const r = await backend.score(prompt, candidates, { signal });
      const byCandidate = new Map(r.scores.map((s) => [s.candidate, s.sum]));
      return candidates.map((c) => {
        const sum = byCandidate.get(c);
        if (sum === undefined) throw new Error(`The engine returned no score for the candidate “${c}”`);
        return sum;
      });
    },
    async generate(prompt, maxTokens, signal) {
      return (await backend.generate(prompt, { maxTokens }, { signal })).text;
    },
  };
}
