"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent, type ReactNode } from "react";
import { ApiError } from "@/lib/api-client";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { SELECTION_LABELS } from "@/lib/sweeps/client/chart";
import { describeEngineOption, reconcileEngines, toggleEngine } from "@/lib/sweeps/client/engines";
import { SELECTION_HINTS } from "@/lib/sweeps/client/format";
import { cellCount, engineCount, fieldErrors, localErrors, MAX_SWEEP_ENGINES, parseShotList, SHOT_CHIPS, toggleShot, toRequest, type FieldName, type SweepFormState } from "@/lib/sweeps/client/form";
import type { EngineSummary } from "@/lib/engines/types";
import type { SweepMode, SweepSelection } from "@/lib/sweeps/types";
import { createSweep } from "./api";
import { useEngines } from "./useEngines";

export interface TemplateOption {
  id: string;
  name: string;
  libraryName: string;
  latestVersion: number;
  tags: string[];
}

export interface DatasetOption {
  id: string;
  name: string;
  libraryName: string;
  task: string;
  itemCount: number;
  poolCount: number;
  evalCount: number;
}

type Errors = Partial<Record<FieldName, string[]>>;

const SELECTIONS: SweepSelection[] = ["random", "balanced", "rices"];

/** Template × dataset × shots × seeds × selections × backend (× engines) × mode: the POST /api/sweeps form. */
export function NewSweepForm({ templates, datasets, initial }: { templates: TemplateOption[]; datasets: DatasetOption[]; initial: SweepFormState }) {
  const router = useRouter();
  const [state, setF] = useState<SweepFormState>(initial);
  const all = useEngines();
  // Server sweeps run the engines the server can run; transformers.js engines run in the tab (browser sweeps).
  const registry = { ...all, engines: all.engines ? all.engines.filter((e) => e.kind !== "transformersjs") : null };
  const browserEngines = (all.engines ?? []).filter((e) => e.kind === "transformersjs");
  // Once the registry has loaded, the chosen engines are those that exist (else the bundled one).
  const f = registry.engines ? { ...state, engines: reconcileEngines(state.engines, registry.engines) } : state;
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [extraShots, setExtraShots] = useState("");
  const set = <K extends keyof SweepFormState>(k: K, v: SweepFormState[K]) => {
    setF((s) => ({ ...s, [k]: v }));
    setErrors(({ [k as FieldName]: _dropped, ...rest }) => rest);
  };

  const template = templates.find((t) => t.id === f.templateId);
  const dataset = datasets.find((d) => d.id === f.datasetId);
  const cells = dataset ? cellCount(f, dataset.evalCount) : 0;
  const engines = engineCount(f);
  const chips = [...new Set([...SHOT_CHIPS, ...f.shots])].sort((a, b) => a - b);

  const addShots = () => {
    const { shots, invalid } = parseShotList(extraShots);
    if (invalid.length > 0) return setErrors((e) => ({ ...e, shots: [`Not a shot count: ${invalid.join(", ")}`] }));
    set("shots", [...new Set([...f.shots, ...shots])].sort((a, b) => a - b));
    setExtraShots("");
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(null);
    const local = localErrors(f);
    if (Object.keys(local).length > 0) return setErrors(local);
    setBusy(true);
    try {
      const sweep = await createSweep(toRequest(f));
      router.push(`/sweeps/${encodeURIComponent(sweep.id)}`);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.details.length > 0) {
        const byField = fieldErrors(err.details);
        setErrors(byField);
        if (byField.form) setFailure(err);
      } else setFailure(err);
    }
  };

  return (
    <form onSubmit={submit} noValidate className="card flex flex-col gap-5 p-4 sm:p-5" data-testid="new-sweep-form" aria-describedby="sweep-summary">
      <div className="grid grid-cols-1 gap-4 md:grid-cols-[minmax(0,1fr)_8rem]">
        <Field label="Template" name="templateId" errors={errors}>
          <select className="input" value={f.templateId} onChange={(e) => {
              set("templateId", e.target.value);
              set("templateVersion", 0);
            }} data-testid="sweep-template-select" aria-invalid={Boolean(errors.templateId)}>
            <option value="">Choose a template…</option>
            {groupBy(templates, (t) => t.libraryName).map(([lib, ts]) => (
              <optgroup key={lib} label={lib}>
                {ts.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </Field>
        <Field label="Version" name="templateVersion" errors={errors}>
          <select className="input" value={f.templateVersion} onChange={(e) => set("templateVersion", Number(e.target.value))} disabled={!template} data-testid="sweep-version-select">
            <option value={0}>latest{template ? ` (v${template.latestVersion})` : ""}</option>
            {template
              ? Array.from({ length: template.latestVersion }, (_, i) => template.latestVersion - i).map((v) => (
                  <option key={v} value={v}>
                    v{v}
                  </option>
                ))
              : null}
          </select>
        </Field>
      </div>

      <Field label="Dataset" name="datasetId" errors={errors} hint={dataset ? `${dataset.evalCount} evaluation items, ${dataset.poolCount} in the demonstration pool (${dataset.task})` : undefined}>
        <select className="input" value={f.datasetId} onChange={(e) => set("datasetId", e.target.value)} data-testid="sweep-dataset-select" aria-invalid={Boolean(errors.datasetId)}>
          <option value="">Choose a dataset…</option>
          {groupBy(datasets, (d) => d.libraryName).map(([lib, ds]) => (
            <optgroup key={lib} label={lib}>
              {ds.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name} · {d.itemCount} items
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </Field>

      <fieldset className="flex flex-col gap-1" aria-describedby="shots-hint">
        <legend className="label">Shot counts (demonstrations per prompt)</legend>
        <div className="flex flex-wrap items-center gap-1.5" data-testid="shot-chips">
          {chips.map((n) => {
            const on = f.shots.includes(n);
            return (
              <button
                key={n}
                type="button"
                aria-pressed={on}
                onClick={() => set("shots", toggleShot(f.shots, n))}
                className={`min-w-9 rounded-full border px-2.5 py-1 text-xs font-medium tabular-nums ${on ? "border-brand-600 bg-brand-600 text-white" : "border-stone-300 bg-white text-stone-700 hover:bg-stone-50"}`}
                data-testid="shot-chip"
                data-shots={n}
              >
                {n}
              </button>
            );
          })}
          <span className="flex items-center gap-1">
            <label htmlFor="extra-shots" className="sr-only">
              Other shot counts
            </label>
            <input
              id="extra-shots"
              className="input w-24 py-1 text-xs"
              placeholder="e.g. 3, 6"
              value={extraShots}
              onChange={(e) => setExtraShots(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter") {
                  e.preventDefault();
                  addShots();
                }
              }}
              data-testid="extra-shots"
            />
            <button type="button" className="btn px-2 py-1 text-xs" onClick={addShots} disabled={!extraShots.trim()}>
              Add
            </button>
          </span>
        </div>
        <p id="shots-hint" className="text-xs text-stone-500">
          0 is zero-shot. {dataset ? `The pool has ${dataset.poolCount} items to draw from.` : ""}
        </p>
        <FieldErrors name="shots" errors={errors} />
      </fieldset>

      <fieldset className="flex flex-col gap-1">
        <legend className="label">Demonstration selection (one line each in the chart)</legend>
        <div className="grid grid-cols-1 gap-2 sm:grid-cols-3">
          {SELECTIONS.map((s) => (
            <label key={s} className="flex items-start gap-2 rounded-md border border-stone-200 px-2.5 py-1.5 text-xs has-checked:border-brand-600 has-checked:bg-brand-50">
              <input
                type="checkbox"
                className="mt-0.5"
                checked={f.selections.includes(s)}
                onChange={(e) => set("selections", e.target.checked ? SELECTIONS.filter((x) => x === s || f.selections.includes(x)) : f.selections.filter((x) => x !== s))}
                data-testid={`selection-${s}`}
              />
              <span>
                <span className="font-medium">{SELECTION_LABELS[s]}</span>
                <span className="block text-stone-500">{SELECTION_HINTS[s]}</span>
              </span>
            </label>
          ))}
        </div>
        <FieldErrors name="selections" errors={errors} />
      </fieldset>

      <div className="grid grid-cols-2 gap-4 sm:grid-cols-4">
        <Segmented label="Mode" name="mode" value={f.mode} options={[{ value: "rank", label: "Rank" }, { value: "generate", label: "Generate" }]} onChange={(v) => set("mode", v)} errors={errors} />
        <Segmented label="Backend" name="backend" value={f.backend} options={[{ value: "server", label: "Server" }, { value: "browser", label: "Browser" }]} onChange={(v) => set("backend", v)} errors={errors} />
        <Field label="Seeds" name="seeds" errors={errors} hint="Random and balanced draw anew per seed">
          <input type="number" className="input" min={1} max={10} step={1} value={Number.isFinite(f.seeds) ? f.seeds : ""} onChange={(e) => set("seeds", e.target.valueAsNumber)} data-testid="sweep-seeds-input" />
        </Field>
        <Field label="Queries" name="queries" errors={errors} hint={dataset ? `Empty: all ${dataset.evalCount}` : "Empty: all evaluation items"}>
          <input
            type="number"
            className="input"
            min={1}
            max={dataset?.evalCount}
            step={1}
            placeholder="all"
            value={f.queries > 0 ? f.queries : ""}
            onChange={(e) => set("queries", Number.isNaN(e.target.valueAsNumber) ? 0 : e.target.valueAsNumber)}
            data-testid="sweep-queries-input"
          />
        </Field>
        {f.mode === "generate" ? (
          <Field label="Max tokens" name="maxTokens" errors={errors}>
            <input type="number" className="input" min={1} max={64} step={1} value={Number.isFinite(f.maxTokens) ? f.maxTokens : ""} onChange={(e) => set("maxTokens", e.target.valueAsNumber)} data-testid="sweep-max-tokens-input" />
          </Field>
        ) : null}
      </div>
      <p className="-mt-2 text-xs text-stone-500">
        {f.mode === "rank"
          ? "Rank scores every candidate answer by log-likelihood and takes the best: fast and exact for closed-ended tasks."
          : "Generate decodes greedily until <|endofchunk|>; scored by exact match and token F1."}{" "}
        {f.backend === "browser"
          ? "Browser runs the bundled model (or a transformers.js engine chosen below) on the cells in this browser's worker (WebGPU, else WASM) while the sweep page is open."
          : "Server runs it as a background job that survives restarts, on every engine chosen below."}
      </p>

      {f.backend === "browser" && browserEngines.length > 0 ? (
        <Field label="Model in this browser" name="engines" errors={errors}>
          <select className="input" value={f.browserEngine ?? ""} onChange={(e) => set("browserEngine", e.target.value)} data-testid="sweep-browser-engine">
            <option value="">The bundled model</option>
            {browserEngines.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name} · {e.browser?.model ?? "?"} (transformers.js)
              </option>
            ))}
          </select>
        </Field>
      ) : null}

      {f.backend === "server" ? (
        <EngineChoice
          registry={registry.engines}
          error={registry.error}
          chosen={f.engines}
          mode={f.mode}
          onChange={(ids) => set("engines", ids)}
          errors={errors}
        />
      ) : null}

      <Field label="Name (optional)" name="name" errors={errors}>
        <input className="input" value={f.name} maxLength={200} onChange={(e) => set("name", e.target.value)} placeholder={template && dataset ? `${template.name} × ${dataset.name}` : "A name for the list"} data-testid="sweep-name-input" />
      </Field>

      {failure ? <ErrorNotice error={failure} title="The comparison was not created" /> : null}

      <div className="flex flex-wrap items-center gap-3 border-t border-stone-100 pt-4">
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="sweep-submit">
          {busy ? "Starting…" : "Start comparison"}
        </button>
        <p id="sweep-summary" className="text-xs text-stone-600" aria-live="polite" data-testid="sweep-cell-count" data-cells={cells}>
          {dataset
            ? `${cells.toLocaleString("en-US")} cells (items × shot counts × seeds × selections${engines > 1 ? ` × ${engines} engines` : ""})`
            : "Choose a dataset to see the size of the sweep."}
        </p>
      </div>
    </form>
  );
}

/** Server backend: which registered engines run the plan (each runs every cell). */
function EngineChoice({
  registry,
  error,
  chosen,
  mode,
  onChange,
  errors,
}: {
  registry: EngineSummary[] | null;
  error: unknown;
  chosen: string[];
  mode: SweepMode;
  onChange(ids: string[]): void;
  errors: Errors;
}) {
  const order = registry?.map((e) => e.id) ?? [];
  return (
    <fieldset className="flex flex-col gap-1" aria-describedby="engines-hint" data-testid="sweep-engines">
      <legend className="label">Engines (each runs every cell; one colour each in the chart)</legend>
      {registry === null && !error ? (
        <p className="text-xs text-stone-500" role="status">
          Loading the engines…
        </p>
      ) : null}
      {error ? <ErrorNotice error={error} title="The engines could not be loaded: the sweep runs on the bundled model" /> : null}
      {registry ? (
        <div className="grid grid-cols-1 gap-2 sm:grid-cols-2">
          {registry.map((e) => {
            const d = describeEngineOption(e);
            const on = chosen.includes(e.id);
            return (
              <label
                key={e.id}
                className="flex items-start gap-2 rounded-md border border-stone-200 px-2.5 py-1.5 text-xs has-checked:border-brand-600 has-checked:bg-brand-50"
                data-testid="sweep-engine-option"
                data-engine-id={e.id}
              >
                <input
                  type="checkbox"
                  className="mt-0.5"
                  checked={on}
                  disabled={!on && chosen.length >= MAX_SWEEP_ENGINES}
                  onChange={(ev) => onChange(toggleEngine(chosen, e.id, ev.target.checked, order))}
                  aria-invalid={Boolean(errors.engines)}
                />
                <span className="min-w-0">
                  <span className="flex flex-wrap items-baseline gap-x-1.5">
                    <span className="font-medium wrap-anywhere">{e.name}</span>
                    <span className="rounded bg-stone-100 px-1 text-[10px] uppercase tracking-wide text-stone-600">{d.kind}</span>
                  </span>
                  {d.model ? <span className="block font-mono text-stone-600 wrap-anywhere">{d.model}</span> : null}
                  <span className={`block ${mode === "rank" ? "text-stone-600" : "text-stone-400"}`} data-testid="sweep-engine-ranking" data-approximate={d.approximate === null ? "unknown" : String(d.approximate)}>
                    {d.phrase}
                  </span>
                  {d.warning ? <span className="block text-amber-800">⚠ {d.warning}</span> : null}
                </span>
              </label>
            );
          })}
        </div>
      ) : null}
      <p id="engines-hint" className="text-xs text-stone-500">
        {mode === "rank"
          ? "Rank mode on a remote engine uses the best ranking its connection test found; an approximate one may not match the bundled model's exact log-likelihoods."
          : "Generate mode asks each engine for a greedy answer."}{" "}
        Up to {MAX_SWEEP_ENGINES} engines.
      </p>
      <FieldErrors name="engines" errors={errors} />
    </fieldset>
  );
}

function groupBy<T>(xs: T[], key: (x: T) => string): [string, T[]][] {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return [...m.entries()];
}

function FieldErrors({ name, errors }: { name: FieldName; errors: Errors }) {
  const list = errors[name];
  if (!list || list.length === 0) return null;
  return (
    <p id={`${name}-error`} className="text-xs text-red-700" role="alert" data-testid={`error-${name}`}>
      {list.join(". ")}
    </p>
  );
}

function Field({ label, name, errors, hint, children }: { label: string; name: FieldName; errors: Errors; hint?: string; children: ReactNode }) {
  return (
    <div className="flex min-w-0 flex-col gap-1 text-xs">
      <label className="flex flex-col">
        <span className="label">{label}</span>
        {children}
      </label>
      {hint ? <span className="text-stone-500">{hint}</span> : null}
      <FieldErrors name={name} errors={errors} />
    </div>
  );
}

function Segmented<T extends string>({ label, name, value, options, onChange, errors }: { label: string; name: FieldName; value: T; options: { value: T; label: string }[]; onChange(v: T): void; errors: Errors }) {
  return (
    <fieldset className="flex min-w-0 flex-col gap-1">
      <legend className="label">{label}</legend>
      <div className="flex gap-1" role="radiogroup" aria-label={label}>
        {options.map((o) => (
          <label
            key={o.value}
            className={`flex-1 cursor-pointer rounded-md border px-2 py-1.5 text-center text-xs font-medium has-focus-visible:outline-2 has-focus-visible:outline-brand-600 ${
              value === o.value ? "border-brand-600 bg-brand-50 text-brand-700" : "border-stone-300 bg-white text-stone-700 hover:bg-stone-50"
            }`}
          >
            <input type="radio" className="sr-only" name={name} value={o.value} checked={value === o.value} onChange={() => onChange(o.value)} data-testid={`sweep-${name}-${o.value}`} />
            {o.label}
          </label>
        ))}
      </div>
      <FieldErrors name={name} errors={errors} />
    </fieldset>
  );
}
