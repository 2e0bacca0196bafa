"use client";

import { BACKENDS, BEAMS, type BackendChoice, type DecodeMode, type RunSettings } from "./options";

interface Props {
  backend: BackendChoice;
  onBackend(b: BackendChoice): void;
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

function Segmented<T extends string>({ name, group = "", label, options, value, onChange, disabled }: { name: string; group?: string; label: string; options: { value: T; label: string }[]; value: T; onChange(v: T): void; disabled: boolean }) {
  return (
    <fieldset disabled={disabled}>
      <legend className="label">{label}</legend>
      <div className="flex flex-wrap gap-1" role="radiogroup" aria-label={label}>
        {options.map((o) => (
          <label
            key={o.value}
            className={`cursor-pointer rounded-md border px-2 py-1 text-xs font-medium has-focus-visible:outline-2 has-focus-visible:outline-brand-600 ${
              value === o.value ? "border-brand-600 bg-brand-50 text-brand-700" : "border-stone-300 bg-white text-stone-700 hover:bg-stone-50"
            }`}
          >
            <input type="radio" className="sr-only" name={`${group}${name}`} value={o.value} checked={value === o.value} onChange={() => onChange(o.value)} data-testid={`${name}-${o.value}`} />
            {o.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function NumberField({ label, value, onChange, min, max, step, testId }: { label: string; value: number; onChange(v: number): void; min: number; max: number; step: number; testId: string }) {
  return (
    <label className="flex flex-col text-xs">
      <span className="label">{label}</span>
      <input type="number" className="input" value={Number.isFinite(value) ? value : ""} min={min} max={max} step={step} onChange={(e) => onChange(e.target.valueAsNumber)} data-testid={testId} />
    </label>
  );
}

export function ParamsForm({ backend, onBackend, settings, onSettings, showDecoding, disabled, group }: Props) {
  const set = <K extends keyof RunSettings>(k: K, v: RunSettings[K]) => onSettings({ ...settings, [k]: v });
  return (
    <div className="flex flex-col gap-3">
      <Segmented name="run-backend" group={group} label="Backend" options={BACKENDS} value={backend} onChange={onBackend} disabled={disabled} />
      {showDecoding ? (
        <>
          <Segmented name="run-mode" group={group} label="Decoding" options={MODES} value={settings.mode} onChange={(m) => set("mode", m)} disabled={disabled} />
          <fieldset disabled={disabled} className="grid grid-cols-2 gap-2 sm:grid-cols-4">
            <NumberField label="Max tokens" value={settings.maxTokens} onChange={(v) => set("maxTokens", v)} min={1} max={256} step={1} testId="run-max-tokens" />
            <NumberField label="Min tokens" value={settings.minTokens} onChange={(v) => set("minTokens", v)} min={0} max={256} step={1} testId="run-min-tokens" />
            {settings.mode === "sampling" ? (
              <>
                <NumberField label="Temperature" value={settings.temperature} onChange={(v) => set("temperature", v)} min={0.01} max={5} step={0.05} testId="run-temperature" />
                <NumberField label="Top-p" value={settings.topP} onChange={(v) => set("topP", v)} min={0.01} max={1} step={0.05} testId="run-top-p" />
                <NumberField label="Seed" value={settings.seed} onChange={(v) => set("seed", v)} min={0} max={2 ** 32 - 1} step={1} testId="run-seed" />
              </>
            ) : null}
          </fieldset>
          <fieldset disabled={disabled} className="grid grid-cols-1 gap-2 sm:grid-cols-[minmax(0,1fr)_auto]">
            <label className="flex flex-col text-xs">
              <span className="label">Stop strings (one per line; the model also stops at &lt;|endofchunk|&gt;)</span>
              <textarea className="input font-mono" rows={2} value={settings.stop} onChange={(e) => set("stop", e.target.value)} data-testid="run-stop" />
            </label>
            <label className="flex items-center gap-1.5 self-end pb-1 text-xs text-stone-700">
              <input type="checkbox" checked={settings.trace} onChange={(e) => set("trace", e.target.checked)} data-testid="run-trace" />
              Attention trace
            </label>
          </fieldset>
        </>
      ) : null}
    </div>
  );
}
