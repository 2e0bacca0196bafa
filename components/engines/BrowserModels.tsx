"use client";

import { useEffect, useId, useRef, useState } from "react";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import type { TfjsCacheInfo, TfjsLoadedInfo, TfjsModelSize, TfjsProgress } from "@/lib/backends/transformersjs/protocol";
import { SMOLVLM_256M, TfjsDevicePreference, TfjsModelRefSchema, TFJS_DTYPES, type TfjsDtypeName } from "@/lib/backends/transformersjs/settings";
import { ModelSuggestions } from "./ModelSuggestions";

type Client = import("@/lib/backends/transformersjs/client").TfjsClient;

/** The page's transformers.js worker, created on the first action (never on page load). */
let client: Promise<Client> | undefined;
const getClient = () => (client ??= import("@/lib/backends/transformersjs/backend").then((m) => m.tfjsClient()));

const mb = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 2 : 0)} MB`;

/**
 * A vision-language model from the Hugging Face hub (or a folder in the same layout) in this browser, on
 * transformers.js: its size before download, a progress bar per file and in total, whether it came from this
 * browser's cache, the space it takes and "remove from this browser", and a quick text prompt with streamed
 * tokens. transformers.js runs in its own worker, started by the first action here.
 */
export function BrowserModels() {
  const id = useId();
  const [model, setModel] = useState(SMOLVLM_256M);
  const [dtype, setDtype] = useState<TfjsDtypeName>("q4f16");
  const [device, setDevice] = useState<TfjsDevicePreference>("auto");
  const [size, setSize] = useState<TfjsModelSize | null>(null);
  const [cache, setCache] = useState<TfjsCacheInfo | null>(null);
  const [files, setFiles] = useState<Record<string, TfjsProgress>>({});
  const [total, setTotal] = useState<{ loaded: number; total: number } | null>(null);
  const [info, setInfo] = useState<TfjsLoadedInfo | null>(null);
  const [busy, setBusy] = useState<"size" | "load" | "remove" | "run" | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [prompt, setPrompt] = useState("What is a flamingo?");
  const [output, setOutput] = useState("");
  const run = useRef<AbortController | null>(null);
  const valid = TfjsModelRefSchema.safeParse(model);

  useEffect(() => () => run.current?.abort(), []);

  async function act<T>(what: NonNullable<typeof busy>, f: (c: Client) => Promise<T>): Promise<T | undefined> {
    setBusy(what);
    setError(null);
    try {
      return await f(await getClient());
    } catch (e) {
      if (!(e instanceof Error && e.name === "AbortError")) setError(e);
      return undefined;
    } finally {
      setBusy(null);
    }
  }

  const checkSize = () =>
    act("size", async (c) => {
      setSize(await c.size(model, dtype));
      setCache(await c.cacheInfo(model));
    });

  const load = () =>
    act("load", async (c) => {
      setFiles({});
      setTotal(null);
      setInfo(null);
      const loaded = await c.load(
        { model, dtype, device },
        {
          onProgress: (p) => {
            setFiles((f) => ({ ...f, [p.file]: p }));
            setTotal({ loaded: p.loadedBytes, total: p.totalBytes });
          },
        },
      );
      setInfo(loaded);
      setCache(await c.cacheInfo(model));
    });

  const remove = () =>
    act("remove", async (c) => {
      setCache(await c.evict(model));
      setInfo(null);
      const { forgetTfjsModel } = await import("@/lib/backends/transformersjs/backend");
      forgetTfjsModel();
    });

  const generate = () =>
    act("run", async (c) => {
      run.current = new AbortController();
      setOutput("");
      await c.generate({ parts: [{ type: "text", text: prompt }] }, { maxTokens: 64 }, { signal: run.current.signal, onToken: (e) => setOutput((o) => o + e.text) });
    });

  const fileList = Object.values(files);
  return (
    <section className="card flex flex-col gap-3 p-4" aria-labelledby={`${id}-title`} data-testid="browser-models">
      <header>
        <h2 id={`${id}-title`} className="text-lg font-semibold">
          Models in this browser (transformers.js)
        </h2>
        <p className="text-sm text-stone-600">
          A real vision-language model running on your own GPU (WebGPU) or CPU (WASM), downloaded from the Hugging Face hub by your browser and kept in its
          cache. Nothing leaves this machine. SmolVLM-256M at q4f16 is about 190 MB and wants WebGPU with <code>shader-f16</code>.
        </p>
      </header>
      <div className="grid gap-2 sm:grid-cols-[1fr_auto_auto]">
        <label className="flex flex-col gap-1 text-sm">
          Model (hub id, URL or /path)
          <input className="input font-mono" value={model} onChange={(e) => setModel(e.target.value)} aria-invalid={!valid.success} list={`${id}-suggestions`} data-testid="browser-model-id" />
          <ModelSuggestions id={`${id}-suggestions`} />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Weights
          <select className="input" value={dtype} onChange={(e) => setDtype(e.target.value as TfjsDtypeName)} data-testid="browser-model-dtype">
            {Object.keys(TFJS_DTYPES).map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Device
          <select className="input" value={device} onChange={(e) => setDevice(e.target.value as TfjsDevicePreference)} data-testid="browser-model-device">
            <option value="auto">WebGPU, else WASM</option>
            <option value="webgpu">WebGPU</option>
            <option value="wasm">WASM</option>
          </select>
        </label>
      </div>
      {!valid.success ? <p className="text-sm text-red-700">{valid.error.issues[0]?.message}</p> : null}
      <div className="flex flex-wrap gap-2">
        <button type="button" className="btn" disabled={!valid.success || busy !== null} onClick={() => void checkSize()} data-testid="browser-model-size">
          {busy === "size" ? "Checking…" : "Check size"}
        </button>
        <button type="button" className="btn btn-primary" disabled={!valid.success || busy !== null} onClick={() => void load()} data-testid="browser-model-load">
          {busy === "load" ? "Loading…" : "Load"}
        </button>
        <button type="button" className="btn" disabled={!valid.success || busy !== null} onClick={() => void remove()} data-testid="browser-model-remove">
          Remove from this browser
        </button>
      </div>
      {size ? (
        <p className="text-sm" data-testid="browser-model-total">
          {size.missing.length ? `Missing: ${size.missing.join(", ")}. ` : ""}
          {mb(size.bytes)} in {size.files.filter((f) => f.bytes !== null).length} files{size.files.some((f) => f.cached) ? ` (${size.files.filter((f) => f.cached).length} already in this browser)` : ""}.
        </p>
      ) : null}
      {cache ? (
        <p className="text-sm text-stone-600" data-testid="browser-model-cache">
          In this browser: {cache.files.length ? `${mb(cache.bytes)} in ${cache.files.length} files` : "nothing"}.
        </p>
      ) : null}
      {total && busy === "load" ? (
        <div className="flex flex-col gap-1 text-xs" data-testid="browser-model-progress">
          <progress className="w-full" value={total.loaded} max={total.total || 1} aria-label="Total download" />
          {fileList.map((f) => (
            <div key={f.file} className="flex items-center gap-2">
              <span className="w-64 truncate font-mono">{f.file}</span>
              <progress className="flex-1" value={f.status === "done" ? 1 : f.loaded} max={f.status === "done" ? 1 : f.total || 1} />
              <span>{f.fromCache ? "cache" : f.total ? mb(f.total) : ""}</span>
            </div>
          ))}
        </div>
      ) : null}
      {info ? (
        <p className="text-sm" data-testid="browser-model-loaded">
          Loaded on <strong>{info.executionProvider === "webgpu" ? "WebGPU" : "WASM"}</strong> ({typeof info.dtype === "string" ? info.dtype : JSON.stringify(info.dtype)}),{" "}
          {info.fromCache ? "from this browser's cache" : `${mb(info.files.reduce((a, f) => a + (f.fromCache ? 0 : f.bytes), 0))} downloaded`}.
          {info.fallbackReason ? <span className="block text-amber-800">{info.fallbackReason}</span> : null}
        </p>
      ) : null}
      {info ? (
        <div className="flex flex-col gap-2">
          <textarea className="input" rows={2} value={prompt} onChange={(e) => setPrompt(e.target.value)} aria-label="Prompt" />
          <div className="flex gap-2">
            <button type="button" className="btn" disabled={busy !== null || prompt.trim() === ""} onClick={() => void generate()}>
              Generate
            </button>
            {busy === "run" ? (
              <button type="button" className="btn" onClick={() => run.current?.abort()}>
                Stop
              </button>
            ) : null}
          </div>
          {output ? <p className="whitespace-pre-wrap rounded bg-stone-50 p-2 text-sm" data-testid="browser-model-output">{output}</p> : null}
        </div>
      ) : null}
      {error ? <ErrorNotice error={error} title="The model could not be used" /> : null}
    </section>
  );
}
