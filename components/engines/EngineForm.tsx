"use client";

import { useId, useMemo, useState, type FormEvent, type ReactNode } from "react";
import { ApiError } from "@/lib/api-client";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import type { DetectedCapabilities, EngineSummary, ImageFormat, PromptStyle } from "@/lib/engines/types";
import { createEngine, testEngine, testSettings, updateEngine } from "./api";
import { BrowserEngineForm } from "./BrowserEngineForm";
import { PROMPT_STYLES } from "./describe";
import {
  applyPreset,
  emptyForm,
  ENGINE_PRESETS,
  fieldErrors,
  formFromEngine,
  headerRow,
  isDirty,
  parseForm,
  replaceHeaderRows,
  saveFailure,
  TIMEOUT_S,
  type EngineFormValues,
  type FieldErrors,
  type FieldName,
  type HeaderRow,
  type PresetId,
} from "./form";
import { ProbeResult } from "./ProbeResult";

const STYLES: PromptStyle[] = ["interleaved", "turns"];

/** The fields in form order, to focus the first one with an error. */
const ORDER: FieldName[] = ["name", "baseUrl", "model", "apiKey", "headers", "promptStyle", "timeout", "maxConcurrency", "maxImages", "imageFormat", "maxSide", "systemPrompt"];

interface Props {
  /** The stored engine being edited; null adds one. */
  engine: EngineSummary | null;
  /** Saved: the engine as the server answered. */
  onSaved(engine: EngineSummary): void;
  /** A saved engine was tested as it is stored (its capabilities changed). */
  onTested(engine: EngineSummary): void;
  onCancel(): void;
  /** The dialog's title element, for aria-labelledby. */
  titleId: string;
}

type FormKind = "openai" | "transformersjs";
const KINDS: { value: FormKind; label: string; hint: string }[] = [
  { value: "openai", label: "OpenAI-compatible server", hint: "vLLM, llama.cpp, Ollama or a hosted API: the server sends the requests." },
  { value: "transformersjs", label: "In this browser (transformers.js)", hint: "A model each user's browser downloads and runs on its GPU (WebGPU) or CPU (WASM); nothing runs on the server." },
];

/**
 * Add or edit an engine: the kind first (when adding), then its form — a remote OpenAI-compatible engine
 * (RemoteEngineForm) or a transformers.js model run in the browser (BrowserEngineForm). Editing keeps the kind.
 */
export function EngineForm(props: Props) {
  const id = useId();
  const [kind, setKind] = useState<FormKind>(props.engine?.kind === "transformersjs" ? "transformersjs" : "openai");
  return (
    <div className="flex flex-col gap-4">
      {props.engine === null ? (
        <fieldset className="flex min-w-0 flex-col gap-1.5" data-testid="engine-kind-choice">
          <legend className="label">Kind</legend>
          <div className="grid grid-cols-1 gap-2 sm:grid-cols-2">
            {KINDS.map((k) => (
              <label
                key={k.value}
                className="flex cursor-pointer items-start gap-2 rounded-md border border-stone-200 px-2.5 py-2 text-xs has-checked:border-brand-600 has-checked:bg-brand-50 has-focus-visible:outline-2 has-focus-visible:outline-brand-600"
              >
                <input type="radio" className="mt-0.5" name={`${id}-kind`} value={k.value} checked={kind === k.value} onChange={() => setKind(k.value)} data-testid={`engine-kind-${k.value}`} />
                <span className="min-w-0">
                  <span className="block font-medium text-stone-800">{k.label}</span>
                  <span className="block text-stone-500">{k.hint}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
      ) : null}
      {kind === "transformersjs" ? <BrowserEngineForm engine={props.engine} onSaved={props.onSaved} onCancel={props.onCancel} titleId={props.titleId} /> : <RemoteEngineForm {...props} />}
    </div>
  );
}

/**
 * Add or edit a remote OpenAI-compatible engine, and test the connection before saving. Secrets are
 * write-only: editing shows that a key is set and the headers' names, never their values.
 */
function RemoteEngineForm({ engine, onSaved, onTested, onCancel, titleId }: Props) {
  const id = useId();
  const editing = engine !== null;
  const initial = useMemo(() => (engine ? formFromEngine(engine) : emptyForm()), [engine]);
  const [values, setValues] = useState<EngineFormValues>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [preset, setPreset] = useState<PresetId | "">("");
  const [testing, setTesting] = useState(false);
  const [probe, setProbe] = useState<DetectedCapabilities | null>(null);
  const [testError, setTestError] = useState<unknown>(null);

  const clear = (...fields: FieldName[]) =>
    setErrors((e) => {
      const next = { ...e };
      for (const f of fields) delete next[f];
      return next;
    });
  const set = <K extends keyof EngineFormValues>(k: K, v: EngineFormValues[K], field?: FieldName) => {
    setValues((s) => ({ ...s, [k]: v }));
    if (field) clear(field);
  };
  const setRows = (rows: HeaderRow[]) => set("headers", rows, "headers");

  const fieldId = (f: FieldName) => `${id}-${f}`;
  const describedBy = (f: FieldName, hint = false) => [hint ? `${fieldId(f)}-hint` : "", errors[f] ? `${fieldId(f)}-err` : ""].filter(Boolean).join(" ") || undefined;
  const invalid = (f: FieldName) => (errors[f] ? true : undefined);
  /** A numeric field of the limits row: its value is kept as typed and checked on submit (form.ts). */
  type NumericKey = "timeoutSeconds" | "maxConcurrency" | "maxImages" | "maxSide";
  const numberInput = (field: FieldName, key: NumericKey, o: { min: number; max: number; step: number | "any"; testId: string; placeholder?: string }) => (
    <input
      id={fieldId(field)}
      type="number"
      inputMode={o.step === "any" ? "decimal" : "numeric"}
      min={o.min}
      max={o.max}
      step={o.step}
      className="input tabular-nums"
      value={values[key]}
      onChange={(e) => set(key, e.target.value, field)}
      placeholder={o.placeholder}
      aria-invalid={invalid(field)}
      aria-describedby={describedBy(field)}
      data-testid={o.testId}
    />
  );

  const dirty = isDirty(values, initial);
  /** Editing, changed, and the stored key or headers kept: an unsaved test goes without them. */
  const secretsLeftOut = editing && dirty && ((engine.hasApiKey && !values.removeKey && !values.apiKey.trim()) || (engine.headerNames.length > 0 && !values.replaceHeaders));

  /** Show the errors and move to the first field that has one (its control, or its group's first control). */
  function showErrors(next: FieldErrors) {
    setErrors(next);
    const first = ORDER.find((f) => next[f]);
    if (!first) return;
    const el = document.getElementById(fieldId(first));
    const target = el?.matches("input, select, textarea") ? el : el?.querySelector<HTMLElement>("input, select, textarea, button");
    target?.focus();
  }

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setFailure(null);
    const parsed = parseForm(values, { editing });
    if (!parsed.body) {
      showErrors(parsed.errors);
      return;
    }
    setErrors({});
    setSaving(true);
    try {
      const saved = engine ? await updateEngine(engine.id, parsed.body.patch) : await createEngine(parsed.body.create);
      onSaved(saved);
    } catch (err) {
      const placed = saveFailure(err);
      showErrors(placed.errors);
      setFailure(placed.unplaced ? err : null);
      setSaving(false);
    }
  }

  async function onTest() {
    setTestError(null);
    setProbe(null);
    // Unchanged stored engine: test it as stored (its key and headers included; the result is kept).
    // Otherwise the form's values, as a new engine's body; the probe needs no name.
    const parsed = engine && !dirty ? null : parseForm({ ...values, name: values.name.trim() || "Unsaved engine" });
    if (parsed && !parsed.body) {
      showErrors(parsed.errors);
      return;
    }
    setTesting(true);
    try {
      if (parsed?.body) {
        setProbe(await testSettings(parsed.body.create));
      } else if (engine) {
        const r = await testEngine(engine.id);
        setProbe(r.capabilities);
        onTested(r.engine);
      }
    } catch (err) {
      if (err instanceof ApiError && err.details.length > 0) showErrors(fieldErrors(err.details));
      setTestError(err);
    } finally {
      setTesting(false);
    }
  }

  const placedCount = Object.keys(errors).filter((k) => k !== "form").length;

  return (
    <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4" data-testid="engine-form" data-mode={editing ? "edit" : "create"} aria-labelledby={titleId}>
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
        <Row id={fieldId("name")} label="Name" field="name" errors={errors}>
          <input
            id={fieldId("name")}
            className="input"
            value={values.name}
            onChange={(e) => set("name", e.target.value, "name")}
            maxLength={100}
            required
            autoFocus
            autoComplete="off"
            placeholder="GPU box, Qwen2.5-VL 7B"
            aria-invalid={invalid("name")}
            aria-describedby={describedBy("name")}
            data-testid="engine-name"
          />
        </Row>
        <Row id={`${id}-preset`} label="Start from a preset (optional)" hint={ENGINE_PRESETS.find((p) => p.id === preset)?.hint ?? "Fills the base URL and the prompt style."} hintId={`${id}-preset-hint`}>
          <select
            id={`${id}-preset`}
            className="input"
            value={preset}
            onChange={(e) => {
              const p = e.target.value as PresetId | "";
              setPreset(p);
              if (p) {
                setValues((v) => applyPreset(v, p));
                clear("baseUrl", "promptStyle");
              }
            }}
            aria-describedby={`${id}-preset-hint`}
            data-testid="engine-preset"
          >
            <option value="">None: fill in by hand</option>
            {ENGINE_PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </Row>
        <Row id={fieldId("baseUrl")} label="Base URL" field="baseUrl" errors={errors} hint="The API root: requests go to …/chat/completions." hintId={`${fieldId("baseUrl")}-hint`}>
          <input
            id={fieldId("baseUrl")}
            type="url"
            inputMode="url"
            className="input font-mono"
            value={values.baseUrl}
            onChange={(e) => set("baseUrl", e.target.value, "baseUrl")}
            required
            autoComplete="off"
            spellCheck={false}
            placeholder="http://gpu-box:8000/v1"
            aria-invalid={invalid("baseUrl")}
            aria-describedby={describedBy("baseUrl", true)}
            data-testid="engine-base-url"
          />
        </Row>
        <Row id={fieldId("model")} label="Model id" field="model" errors={errors} hint="As the endpoint names it (GET /models lists them)." hintId={`${fieldId("model")}-hint`}>
          <input
            id={fieldId("model")}
            className="input font-mono"
            value={values.model}
            onChange={(e) => set("model", e.target.value, "model")}
            maxLength={200}
            required
            autoComplete="off"
            spellCheck={false}
            placeholder="Qwen/Qwen2.5-VL-7B-Instruct"
            aria-invalid={invalid("model")}
            aria-describedby={describedBy("model", true)}
            data-testid="engine-model"
          />
        </Row>
      </div>

      <Row
        id={fieldId("apiKey")}
        label="API key (optional)"
        field="apiKey"
        errors={errors}
        hint={
          editing && engine.hasApiKey
            ? values.removeKey
              ? "The stored key is removed when you save."
              : "Key set — leave empty to keep it."
            : "The key alone (sent as “Authorization: Bearer …”). Stored encrypted on the server; never shown again."
        }
        hintId={`${fieldId("apiKey")}-hint`}
      >
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
          <input
            id={fieldId("apiKey")}
            type="password"
            className="input min-w-0 flex-1 basis-48 font-mono"
            value={values.apiKey}
            onChange={(e) => set("apiKey", e.target.value, "apiKey")}
            autoComplete="off"
            spellCheck={false}
            disabled={values.removeKey}
            placeholder={editing && engine.hasApiKey ? "•••••• (unchanged)" : ""}
            aria-invalid={invalid("apiKey")}
            aria-describedby={describedBy("apiKey", true)}
            data-testid="engine-api-key"
          />
          {editing && engine.hasApiKey ? (
            <label className="flex items-center gap-1.5 text-xs text-stone-700">
              <input
                type="checkbox"
                checked={values.removeKey}
                onChange={(e) => {
                  set("removeKey", e.target.checked, "apiKey");
                  if (e.target.checked) set("apiKey", "");
                }}
                data-testid="engine-remove-key"
              />
              Remove key
            </label>
          ) : null}
        </div>
      </Row>

      <HeadersField
        id={fieldId("headers")}
        values={values}
        storedNames={engine?.headerNames ?? []}
        errors={errors}
        onRows={setRows}
        onReplace={(replace) => {
          setValues((v) => ({ ...v, replaceHeaders: replace, headers: replace ? replaceHeaderRows(engine?.headerNames ?? []) : [] }));
          clear("headers");
        }}
      />

      <fieldset id={fieldId("promptStyle")} className="flex min-w-0 flex-col gap-1.5" aria-describedby={describedBy("promptStyle")}>
        <legend className="label">Prompt style</legend>
        <div className="grid grid-cols-1 gap-2 sm:grid-cols-2">
          {STYLES.map((s) => (
            <label
              key={s}
              className="flex cursor-pointer items-start gap-2 rounded-md border border-stone-200 px-2.5 py-2 text-xs has-checked:border-brand-600 has-checked:bg-brand-50 has-focus-visible:outline-2 has-focus-visible:outline-brand-600"
            >
              <input
                type="radio"
                className="mt-0.5"
                name={`${id}-style`}
                value={s}
                checked={values.promptStyle === s}
                onChange={() => set("promptStyle", s, "promptStyle")}
                data-testid={`engine-prompt-style-${s}`}
              />
              <span className="min-w-0">
                <span className="block font-medium text-stone-800">{PROMPT_STYLES[s].label}</span>
                <span className="block text-stone-500">{PROMPT_STYLES[s].hint}</span>
              </span>
            </label>
          ))}
        </div>
        <ErrorText id={`${fieldId("promptStyle")}-err`} field="promptStyle" errors={errors} />
      </fieldset>

      <fieldset className="flex min-w-0 flex-col gap-1.5">
        <legend className="label">Limits and images</legend>
        <div className="grid grid-cols-2 gap-3 sm:grid-cols-3">
          <Row id={fieldId("timeout")} label="Timeout (s)" field="timeout" errors={errors}>
            {numberInput("timeout", "timeoutSeconds", { min: TIMEOUT_S.min, max: TIMEOUT_S.max, step: "any", testId: "engine-timeout" })}
          </Row>
          <Row id={fieldId("maxConcurrency")} label="Max concurrent requests" field="maxConcurrency" errors={errors}>
            {numberInput("maxConcurrency", "maxConcurrency", { min: 1, max: 64, step: 1, testId: "engine-max-concurrency" })}
          </Row>
          <Row id={fieldId("maxImages")} label="Max images per prompt" field="maxImages" errors={errors}>
            {numberInput("maxImages", "maxImages", { min: 1, max: 1000, step: 1, testId: "engine-max-images", placeholder: "no limit" })}
          </Row>
          <Row id={fieldId("imageFormat")} label="Image format" field="imageFormat" errors={errors}>
            <select
              id={fieldId("imageFormat")}
              className="input"
              value={values.imageFormat}
              onChange={(e) => set("imageFormat", e.target.value as ImageFormat, "imageFormat")}
              aria-invalid={invalid("imageFormat")}
              aria-describedby={describedBy("imageFormat")}
              data-testid="engine-image-format"
            >
              <option value="jpeg">JPEG</option>
              <option value="png">PNG</option>
            </select>
          </Row>
          <Row id={fieldId("maxSide")} label="Longest side (px)" field="maxSide" errors={errors}>
            {numberInput("maxSide", "maxSide", { min: 64, max: 4096, step: 1, testId: "engine-max-side", placeholder: "as stored" })}
          </Row>
        </div>
        <p className="text-xs text-stone-500">
          Empty max images: no limit (vLLM&apos;s <code className="font-mono">--limit-mm-per-prompt</code> sets one). Images go as data URLs, re-encoded; empty longest side sends
          them at their stored size. A timeout applies to each request.
        </p>
      </fieldset>

      <Row id={fieldId("systemPrompt")} label="System prompt (optional)" field="systemPrompt" errors={errors} hint="Sent as the first message when set." hintId={`${fieldId("systemPrompt")}-hint`}>
        <textarea
          id={fieldId("systemPrompt")}
          className="input min-h-16 resize-y"
          rows={2}
          value={values.systemPrompt}
          onChange={(e) => set("systemPrompt", e.target.value, "systemPrompt")}
          maxLength={10_000}
          aria-invalid={invalid("systemPrompt")}
          aria-describedby={describedBy("systemPrompt", true)}
          data-testid="engine-system-prompt"
        />
      </Row>

      <section className="flex flex-col gap-2" aria-label="Connection test" aria-busy={testing}>
        <p className="sr-only" role="status">
          {testing ? "Testing the connection…" : probe ? (probe.ok ? "Test passed." : "Test failed.") : ""}
        </p>
        {testing ? (
          <p className="text-sm text-stone-600" data-testid="engine-testing">
            Testing the connection… (a slow model can take up to the timeout per step)
          </p>
        ) : null}
        {secretsLeftOut && !testing ? (
          <p className="text-xs text-amber-800">
            The changed values are tested without the stored key and headers (they never come back to the browser): type them again, or save and test from the list.
          </p>
        ) : null}
        {probe ? <ProbeResult capabilities={probe} /> : null}
        {testError ? (
          <div data-testid="engine-error" data-field="test">
            <ErrorNotice error={testError} title="The test could not run" />
          </div>
        ) : null}
      </section>

      {failure ? (
        <div data-testid="engine-error" data-field="form">
          <ErrorNotice error={failure} title={editing ? "The engine was not saved" : "The engine was not added"} />
        </div>
      ) : placedCount > 0 ? (
        <p className="text-sm text-red-700" role="alert">
          Check the {placedCount === 1 ? "field" : "fields"} marked above.
        </p>
      ) : null}

      <div className="flex flex-wrap items-center gap-2 border-t border-stone-100 pt-4">
        <button type="submit" className="btn btn-primary" disabled={saving} data-testid="engine-save">
          {saving ? "Saving…" : editing ? "Save changes" : "Add engine"}
        </button>
        <button type="button" className="btn" onClick={() => void onTest()} disabled={testing} aria-busy={testing} data-testid="engine-test">
          {testing ? "Testing…" : "Test connection"}
        </button>
        <button type="button" className="btn ml-auto" onClick={onCancel} data-testid="engine-cancel">
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Extra headers: name/value rows. Editing shows the stored names only, until the user replaces them. */
function HeadersField({
  id,
  values,
  storedNames,
  errors,
  onRows,
  onReplace,
}: {
  id: string;
  values: EngineFormValues;
  storedNames: string[];
  errors: FieldErrors;
  onRows(rows: HeaderRow[]): void;
  onReplace(replace: boolean): void;
}) {
  const rows = values.headers;
  const update = (rowId: number, patch: Partial<HeaderRow>) => onRows(rows.map((r) => (r.id === rowId ? { ...r, ...patch } : r)));
  return (
    <fieldset id={id} className="flex min-w-0 flex-col gap-1.5" aria-describedby={`${id}-hint${errors.headers ? ` ${id}-err` : ""}`} data-testid="engine-headers">
      <legend className="label">Extra headers (optional)</legend>
      {!values.replaceHeaders ? (
        <div className="flex flex-wrap items-center gap-2 text-sm">
          <span className="text-stone-700">Stored:</span>
          {storedNames.map((n) => (
            <code key={n} className="rounded bg-stone-100 px-1.5 py-0.5 font-mono text-xs" data-testid="engine-header-name">
              {n}
            </code>
          ))}
          <button type="button" className="btn px-2 py-1 text-xs" onClick={() => onReplace(true)} data-testid="engine-headers-replace">
            Replace headers…
          </button>
        </div>
      ) : (
        <>
          {rows.length > 0 ? (
            <ul className="flex flex-col gap-1.5">
              {rows.map((r, i) => (
                <li key={r.id} className="grid grid-cols-[minmax(0,1fr)_minmax(0,1fr)_auto] items-center gap-1.5" data-testid="engine-header-row">
                  <label htmlFor={`${id}-${r.id}-name`} className="sr-only">
                    Header {i + 1} name
                  </label>
                  <input
                    id={`${id}-${r.id}-name`}
                    className="input font-mono"
                    value={r.name}
                    onChange={(e) => update(r.id, { name: e.target.value })}
                    placeholder="X-Api-Version"
                    autoComplete="off"
                    spellCheck={false}
                    data-testid="engine-header-name-input"
                  />
                  <label htmlFor={`${id}-${r.id}-value`} className="sr-only">
                    Header {i + 1} value
                  </label>
                  <input
                    id={`${id}-${r.id}-value`}
                    type="password"
                    className="input font-mono"
                    value={r.value}
                    onChange={(e) => update(r.id, { value: e.target.value })}
                    placeholder="value"
                    autoComplete="off"
                    spellCheck={false}
                    data-testid="engine-header-value-input"
                  />
                  <button type="button" className="btn px-2 py-1 text-xs" onClick={() => onRows(rows.filter((x) => x.id !== r.id))} aria-label={`Remove header ${r.name || i + 1}`}>
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
          <div className="flex flex-wrap gap-2">
            <button type="button" className="btn px-2 py-1 text-xs" onClick={() => onRows([...rows, headerRow()])} data-testid="engine-header-add">
              Add header
            </button>
            {storedNames.length > 0 ? (
              <button type="button" className="btn px-2 py-1 text-xs" onClick={() => onReplace(false)} data-testid="engine-headers-keep">
                Keep the stored headers
              </button>
            ) : null}
          </div>
        </>
      )}
      <p id={`${id}-hint`} className="text-xs text-stone-500">
        {values.replaceHeaders && storedNames.length > 0
          ? "Saving replaces every stored header with these rows (values are never shown again, so type them anew)."
          : "Sent with every request, e.g. for a gateway (the key goes in API key, not here). Values are stored encrypted and never shown again."}
      </p>
      <ErrorText id={`${id}-err`} field="headers" errors={errors} />
    </fieldset>
  );
}

function ErrorText({ id, field, errors }: { id: string; field: FieldName; errors: FieldErrors }) {
  const list = errors[field];
  if (!list || list.length === 0) return null;
  return (
    <p id={id} className="text-xs text-red-700" role="alert" data-testid="engine-error" data-field={field}>
      {list.join(" ")}
    </p>
  );
}

/** A labelled control with its hint and the errors placed on its field. */
function Row({ id, label, field, errors, hint, hintId, children }: { id: string; label: string; field?: FieldName; errors?: FieldErrors; hint?: ReactNode; hintId?: string; children: ReactNode }) {
  return (
    <div className="flex min-w-0 flex-col gap-1">
      <label htmlFor={id} className="label mb-0">
        {label}
      </label>
      {children}
      {hint ? (
        <p id={hintId} className="text-xs text-stone-500">
          {hint}
        </p>
      ) : null}
      {field && errors ? <ErrorText id={`${id}-err`} field={field} errors={errors} /> : null}
    </div>
  );
}
