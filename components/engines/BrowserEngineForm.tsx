"use client";

import { useId, useMemo, useState, type FormEvent } from "react";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import type { TfjsModelSize } from "@/lib/backends/transformersjs/protocol";
import { TFJS_DTYPES, TFJS_MODULES, type TfjsDevicePreference, type TfjsDtype, type TfjsDtypeName, type TfjsModule } from "@/lib/backends/transformersjs/settings";
import type { EngineSummary, PromptStyle } from "@/lib/engines/types";
import { createEngine, updateEngine } from "./api";
import { browserFormFromEngine, dtypeOf, emptyBrowserForm, parseBrowserForm, type BrowserFormValues } from "./browser-form";
import { PROMPT_STYLES } from "./describe";
import { saveFailure, type FieldErrors, type FieldName } from "./form";
import { ModelSuggestions } from "./ModelSuggestions";

const MODULE_LABELS: Record<TfjsModule, string> = { vision_encoder: "Vision encoder", embed_tokens: "Token embeddings", decoder_model_merged: "Decoder" };
const DEVICES: { value: TfjsDevicePreference; label: string }[] = [
  { value: "auto", label: "WebGPU, else WASM" },
  { value: "webgpu", label: "WebGPU" },
  { value: "wasm", label: "WASM" },
];

const mb = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 2 : 0)} MB`;

/**
 * "Check in this browser": the model's files and total size as this browser sees them (HEAD requests from the
 * transformers.js worker, the cache answering for what it holds), and any required file that is missing. The
 * server never loads a transformers.js model: this is its connection test.
 */
export function BrowserCheck({ model, dtype, disabled }: { model: string; dtype: TfjsDtype; disabled?: boolean }) {
  const [checking, setChecking] = useState(false);
  const [size, setSize] = useState<TfjsModelSize | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function check() {
    setChecking(true);
    setError(null);
    setSize(null);
    try {
      const { tfjsClient } = await import("@/lib/backends/transformersjs/backend");
      setSize(await tfjsClient().size(model, dtype));
    } catch (e) {
      setError(e);
    } finally {
      setChecking(false);
    }
  }
  const cached = size?.files.filter((f) => f.cached).length ?? 0;
  return (
    <div className="flex flex-col gap-1.5">
      <div>
        <button type="button" className="btn" onClick={() => void check()} disabled={checking || disabled} aria-busy={checking} data-testid="engine-browser-check">
          {checking ? "Checking…" : "Check in this browser"}
        </button>
      </div>
      {size ? (
        <p className={`text-xs ${size.missing.length ? "text-red-700" : "text-emerald-800"}`} role="status" data-testid="engine-browser-check-result" data-ok={size.missing.length ? "false" : "true"}>
          {size.missing.length ? `✗ Missing: ${size.missing.join(", ")}. ` : "✓ Every file is there: "}
          {mb(size.bytes)} in {size.files.filter((f) => f.bytes !== null).length} files{cached ? ` (${cached} already in this browser)` : ""}.
        </p>
      ) : null}
      {error ? <ErrorNotice error={error} title="The model could not be checked" /> : null}
    </div>
  );
}

interface Props {
  engine: EngineSummary | null;
  onSaved(engine: EngineSummary): void;
  onCancel(): void;
  titleId: string;
}

/**
 * Add or edit a transformers.js engine: a vision-language model the user's browser downloads (from the Hugging
 * Face hub, or a folder in the same layout by URL or path) and runs in its own worker. Nothing about it runs on
 * the server, so its test is "Check in this browser".
 */
export function BrowserEngineForm({ engine, onSaved, onCancel, titleId }: Props) {
  const id = useId();
  const editing = engine !== null;
  const initial = useMemo(() => (engine ? browserFormFromEngine(engine) : emptyBrowserForm()), [engine]);
  const [values, setValues] = useState<BrowserFormValues>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const set = <K extends keyof BrowserFormValues>(k: K, v: BrowserFormValues[K], field: FieldName) => {
    setValues((s) => ({ ...s, [k]: v }));
    setErrors(({ [field]: _dropped, ...rest }) => rest);
  };
  const fieldId = (f: string) => `${id}-${f}`;

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setFailure(null);
    const parsed = parseBrowserForm(values);
    if (!parsed.body) {
      setErrors(parsed.errors);
      return;
    }
    setErrors({});
    setSaving(true);
    try {
      onSaved(engine ? await updateEngine(engine.id, parsed.body.patch) : await createEngine(parsed.body.create));
    } catch (err) {
      const placed = saveFailure(err);
      setErrors(placed.errors);
      setFailure(placed.unplaced ? err : null);
      setSaving(false);
    }
  }

  const err = (f: FieldName) =>
    errors[f] ? (
      <p className="text-xs text-red-700" role="alert" data-testid="engine-error" data-field={f}>
        {errors[f]?.join(" ")}
      </p>
    ) : null;

  return (
    <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4" data-testid="engine-form" data-kind="transformersjs" data-mode={editing ? "edit" : "create"} aria-labelledby={titleId}>
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
        <div className="flex min-w-0 flex-col gap-1">
          <label htmlFor={fieldId("name")} className="label mb-0">
            Name
          </label>
          <input
            id={fieldId("name")}
            className="input"
            value={values.name}
            onChange={(e) => set("name", e.target.value, "name")}
            maxLength={100}
            autoComplete="off"
            placeholder="SmolVLM 256M in this browser"
            aria-invalid={errors.name ? true : undefined}
            data-testid="engine-name"
          />
          {err("name")}
        </div>
        <div className="flex min-w-0 flex-col gap-1">
          <label htmlFor={fieldId("model")} className="label mb-0">
            Model (hub id, URL or /path)
          </label>
          <input
            id={fieldId("model")}
            className="input font-mono"
            value={values.model}
            onChange={(e) => set("model", e.target.value, "model")}
            maxLength={2000}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={errors.model ? true : undefined}
            aria-describedby={fieldId("model-hint")}
            list={fieldId("model-suggestions")}
            data-testid="engine-model"
          />
          <ModelSuggestions id={fieldId("model-suggestions")} />
          <p id={fieldId("model-hint")} className="text-xs text-stone-500">
            A transformers.js export of SmolVLM / Idefics3 or Qwen2-VL (config.json, tokenizer, onnx/…), e.g. HuggingFaceTB/SmolVLM-256M-Instruct (about 190 MB at
            q4f16) or onnx-community/Qwen2-VL-2B-Instruct, downloaded by this browser and kept in its cache.
          </p>
          {err("model")}
        </div>
      </div>

      <fieldset className="flex min-w-0 flex-col gap-1.5" data-testid="engine-dtype">
        <legend className="label">Weights per module</legend>
        <div className="grid grid-cols-1 gap-2 sm:grid-cols-3">
          {TFJS_MODULES.map((m) => (
            <label key={m} className="flex flex-col gap-1 text-xs">
              {MODULE_LABELS[m]}
              <select
                className="input"
                value={values.dtype[m]}
                onChange={(e) => set("dtype", { ...values.dtype, [m]: e.target.value as TfjsDtypeName }, "dtype")}
                data-testid={`engine-dtype-${m}`}
              >
                {Object.keys(TFJS_DTYPES).map((d) => (
                  <option key={d} value={d}>
                    {d}
                    {d === "q4f16" ? " (default)" : ""}
                  </option>
                ))}
              </select>
            </label>
          ))}
        </div>
        <p className="text-xs text-stone-500">q4f16 where the repository offers it; f16 weights need WebGPU with shader-f16 (without it they load as q4 / fp32, and the page says so).</p>
        {err("dtype")}
      </fieldset>

      <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
        <label className="flex flex-col gap-1 text-xs">
          <span className="label mb-0">Device</span>
          <select className="input" value={values.device} onChange={(e) => set("device", e.target.value as TfjsDevicePreference, "device")} data-testid="engine-device">
            {DEVICES.map((d) => (
              <option key={d.value} value={d.value}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-xs">
          <span className="label mb-0">Prompt style</span>
          <select className="input" value={values.promptStyle} onChange={(e) => set("promptStyle", e.target.value as PromptStyle, "promptStyle")} data-testid="engine-browser-prompt-style">
            {(["turns", "interleaved"] as const).map((s) => (
              <option key={s} value={s}>
                {PROMPT_STYLES[s].short}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-xs">
          <span className="label mb-0">Max images per prompt</span>
          <input
            type="number"
            inputMode="numeric"
            min={1}
            max={256}
            step={1}
            className="input tabular-nums"
            value={values.maxImages}
            onChange={(e) => set("maxImages", e.target.value, "maxImages")}
            placeholder="no limit"
            aria-invalid={errors.maxImages ? true : undefined}
            data-testid="engine-max-images"
          />
          {err("maxImages")}
        </label>
      </div>

      <BrowserCheck model={values.model.trim()} dtype={dtypeOf(values.dtype)} disabled={values.model.trim() === ""} />

      {failure ? (
        <div data-testid="engine-error" data-field="form">
          <ErrorNotice error={failure} title={editing ? "The engine was not saved" : "The engine was not added"} />
        </div>
      ) : null}

      <div className="flex flex-wrap items-center gap-2 border-t border-stone-100 pt-4">
        <button type="submit" className="btn btn-primary" disabled={saving} data-testid="engine-save">
          {saving ? "Saving…" : editing ? "Save changes" : "Add engine"}
        </button>
        <button type="button" className="btn ml-auto" onClick={onCancel} data-testid="engine-cancel">
          Cancel
        </button>
      </div>
    </form>
  );
}
