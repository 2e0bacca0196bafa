"use client";

import { useMemo, useState } from "react";
import { Figures } from "@/components/ui/Figures";
import type { Exchange, Usage } from "@/lib/backends/contract";
import type { RankMethodInfo } from "./options";
import { formatMs } from "./options";
import { prettyJson, sanitizeExchange } from "./exchange";

/**
 * A remote run's "Request and response": the endpoint, status, latency and token usage, the exact
 * request body (image bytes elided by the server) and the raw response. The bodies are rendered
 * only while open (a response can be large). Nothing here is a secret: the server sends no key.
 */
export function RunInspector({ exchange, latencyMs, usage }: { exchange: Exchange | undefined; latencyMs?: number; usage?: Usage }) {
  const [open, setOpen] = useState(false);
  const x = useMemo(() => sanitizeExchange(exchange), [exchange]);
  if (!x) return null;
  const ok = x.status >= 200 && x.status < 300;
  return (
    <details className="rounded-md border border-stone-200 text-xs" data-testid="run-inspector" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary className="cursor-pointer select-none px-3 py-1.5 font-medium text-stone-600 hover:text-stone-900">Request and response</summary>
      <div className="flex flex-col gap-2 border-t border-stone-200 p-3">
        <Figures
          items={[
            { label: "endpoint", value: <span className="font-mono wrap-anywhere">{x.url}</span>, testId: "run-inspector-url" },
            { label: "status", value: <span className={ok ? "text-emerald-700" : "text-red-700"}>{x.status || "—"}</span>, testId: "run-inspector-status" },
            { label: "latency", value: formatMs(latencyMs), testId: "run-inspector-latency" },
            { label: "tokens", value: usage ? `${usage.promptTokens} prompt · ${usage.completionTokens} completion` : "not reported", testId: "run-inspector-usage" },
          ]}
        />
        {open ? (
          <>
            <Body title="Request body (image bytes elided)" value={x.request} testId="run-inspector-request" />
            <Body title="Raw response" value={x.response} testId="run-inspector-response" />
          </>
        ) : null}
      </div>
    </details>
  );
}

function Body({ title, value, testId }: { title: string; value: unknown; testId: string }) {
  return (
    <section className="flex flex-col gap-1">
      <h4 className="font-medium text-stone-600">{title}</h4>
      <pre className="max-h-80 overflow-auto rounded bg-stone-50 p-2 font-mono text-[11px] whitespace-pre-wrap wrap-anywhere" data-testid={testId}>
        {prettyJson(value)}
      </pre>
    </section>
  );
}

/** How the candidates were ranked, beside the rank chart: exact, or approximate and why. */
export function RankMethodLine({ info }: { info: RankMethodInfo }) {
  return (
    <p
      className={`rounded-md border px-3 py-1.5 text-xs ${info.approximate ? "border-amber-200 bg-amber-50 text-amber-900" : "border-stone-200 bg-stone-50 text-stone-700"}`}
      data-testid="rank-method"
      data-method={info.method}
      data-approximate={info.approximate ? "true" : "false"}
    >
      <span className="font-medium">Ranking:</span> {info.label}
      {info.note ? <span className="block text-stone-600">{info.note}</span> : null}
    </p>
  );
}
