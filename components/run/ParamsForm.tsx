"use client";

import { errorMessage } from "@/lib/api-client";
import { BEAMS, engineChoices, limitsReason, targetFromValue, targetValue, type DecodeMode, type RunSettings, type RunTarget } from "./options";
import { useEngines } from "./useEngines";

interface Props {
  /** Where it runs: a browser backend, or the server with a registry engine. */
  target: RunTarget;
  onTarget(t: RunTarget): void;
  settings: RunSettings;
  onSettings(s: RunSettings): void;
  /** Rank mode needs no decoding parameters. */
  showDecoding: boolean;
  disabled: boolean;
  /** Prefix of the radio groups' names: several forms on one page (notebook cells) must not share groups. */
  group?: string;
}

const MODES: { value: DecodeMode; label: string }[] = [
  { value: "greedy", label: "Greedy" },
  { value: "sampling", label: "Sampling" },
  { value: "beam", label: `Beam (${BEAMS})` },
];

interface SegmentOption<T extends string> {
  value: T;
  label: string;
  /** Not offered (with the reason as its tooltip). */
  off?: string;
}

function Segmented<T extends string>({ name, group = "", label, options, value, onChange, disabled }: { name: string; group?: string; label: string; options: SegmentOption<T>[]; value: T; onChange(v: T): void; disabled: boolean }) {
  return (
    <fieldset disabled={disabled}>
      <legend className="label">{label}</legend>
      <div className="flex flex-wrap gap-1" role="radiogroup" aria-label={label}>
        {options.map((o) => (
          <label
            key={o.value}
            title={o.off}
            className={`rounded-md border px-2 py-1 text-xs font-medium has-focus-visible:outline-2 has-focus-visible:outline-brand-600 ${o.off ? "cursor-not-allowed opacity-50" : "cursor-pointer"} ${
              value === o.value ? "border-brand-600 bg-brand-50 text-brand-700" : "border-stone-300 bg-white text-stone-700 hover:bg-stone-50"
            }`}
          >
            <input
              type="radio"
              className="sr-only"
              name={`${group}${name}`}
              value={o.value}
              checked={value === o.value}
              disabled={o.off !== undefined}
              onChange={() => onChange(o.value)}
              data-testid={`${name}-${o.value}`}
            />
            {o.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function NumberField({ label, value, onChange, min, max, step, testId, off }: { label: string; value: number; onChange(v: number): void; min: number; max: number; step: number; testId: string; off?: string }) {
  return (
    <label className="flex flex-col text-xs" title={off}>
      <span className="label">{label}</span>
      <input type="number" className="input" value={Number.isFinite(value) ? value : ""} min={min} max={max} step={step} onChange={(e) => onChange(e.target.valueAsNumber)} disabled={off !== undefined} data-testid={testId} />
    </label>
  );
}

/**
 * Where it runs (the browser backends, the bundled model on the server, each registry engine) and
 * the decoding parameters; what a remote engine cannot do is off, with the reason.
 */
export function ParamsForm({ target, onTarget, settings, onSettings, showDecoding, disabled, group }: Props) {
  const set = <K extends keyof RunSettings>(k: K, v: RunSettings[K]) => onSettings({ ...settings, [k]: v });
  const { engines, error, loading, reload } = useEngines();
  const choices = engineChoices(engines, target);
  const reason = limitsReason(target, engines);
  const remote = reason !== null;
  const off = reason ?? undefined;
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-col gap-1">
        <Segmented
          name="run-backend"
          group={group}
          label="Backend"
          options={choices.map((c) => ({ value: c.value, label: c.label }))}
          value={targetValue(target)}
          onChange={(v) => {
            // A choice knows where its engine runs (a transformers.js engine: this browser).
            const t = choices.find((c) => c.value === v)?.target ?? targetFromValue(v);
            if (t) onTarget(t);
          }}
          disabled={disabled}
        />
        {error ? (
          <p role="alert" className="text-xs text-red-700" data-testid="engines-error">
            Could not load the engine list ({errorMessage(error)}); the browser and the bundled server model still run.{" "}
            <button type="button" className="font-medium underline" onClick={reload} disabled={loading}>
              Try again
            </button>
          </p>
        ) : loading && !engines ? (
          <p className="text-xs text-stone-500" data-testid="engines-loading">
            Loading the registered engines…
          </p>
        ) : null}
        {remote && showDecoding ? (
          <p className="text-xs text-stone-500" data-testid="engine-remote-limits">
            {reason}
          </p>
        ) : null}
      </div>
      {showDecoding ? (
        <>
          <Segmented
            name="run-mode"
            group={group}
            label="Decoding"
            options={MODES.map((m) => (m.value === "beam" && off ? { ...m, off } : m))}
            value={settings.mode}
            onChange={(m) => set("mode", m)}
            disabled={disabled}
          />
          <fieldset disabled={disabled} className="grid grid-cols-2 gap-2 sm:grid-cols-4">
            <NumberField label="Max tokens" value={settings.maxTokens} onChange={(v) => set("maxTokens", v)} min={1} max={256} step={1} testId="run-max-tokens" />
            <NumberField label="Min tokens" value={settings.minTokens} onChange={(v) => set("minTokens", v)} min={0} max={256} step={1} testId="run-min-tokens" />
            {settings.mode === "sampling" ? (
              <>
                <NumberField label="Temperature" value={settings.temperature} onChange={(v) => set("temperature", v)} min={0.01} max={5} step={0.05} testId="run-temperature" />
                <NumberField label="Top-p" value={settings.topP} onChange={(v) => set("topP", v)} min={0.01} max={1} step={0.05} testId="run-top-p" />
                <NumberField label="Seed" value={settings.seed} onChange={(v) => set("seed", v)} min={0} max={2 ** 32 - 1} step={1} testId="run-seed" off={off} />
              </>
            ) : null}
          </fieldset>
          <fieldset disabled={disabled} className="grid grid-cols-1 gap-2 sm:grid-cols-[minmax(0,1fr)_auto]">
            <label className="flex flex-col text-xs">
              <span className="label">Stop strings (one per line; the model also stops at &lt;|endofchunk|&gt;)</span>
              <textarea className="input font-mono" rows={2} value={settings.stop} onChange={(e) => set("stop", e.target.value)} data-testid="run-stop" />
            </label>
            <label className={`flex items-center gap-1.5 self-end pb-1 text-xs text-stone-700 ${off ? "opacity-50" : ""}`} title={off}>
              <input type="checkbox" checked={settings.trace && !remote} disabled={remote} onChange={(e) => set("trace", e.target.checked)} data-testid="run-trace" />
              Attention trace
            </label>
          </fieldset>
        </>
      ) : null}
    </div>
  );
}
