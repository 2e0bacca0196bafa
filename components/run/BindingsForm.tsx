"use client";

import { useRef, useState } from "react";
import { AssetPicker } from "@/components/composer/AssetPicker";
import { IMAGE_ACCEPT, imageFiles, uploadImage } from "@/components/composer/upload";
import { AssetImage } from "@/components/ui/AssetImage";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import type { Bindings } from "@/lib/prompt/render";
import type { Variable } from "@/lib/prompt/schema";

interface Props {
  variables: Variable[];
  bindings: Bindings;
  onChange(name: string, value: string | { assetId: string }): void;
}

/**
 * One input per variable (pass variablesToBind(template): those the prompt uses): text fields,
 * showing the default while unbound, and image slots filled by upload or by picking an asset.
 */
export function BindingsForm({ variables, bindings, onChange }: Props) {
  if (variables.length === 0) return null;
  return (
    <fieldset className="flex flex-col gap-2" data-testid="run-bindings">
      <legend className="label">Variables</legend>
      {variables.map((v) =>
        v.kind === "text" ? (
          <label key={v.name} className="flex flex-col text-xs">
            <span className="mb-1 font-mono text-amber-900">{`{{${v.name}}}`}</span>
            <input
              className="input"
              value={typeof bindings[v.name] === "string" ? (bindings[v.name] as string) : (v.default ?? "")}
              placeholder={v.description ?? ""}
              onChange={(e) => onChange(v.name, e.target.value)}
              data-testid={`bind-${v.name}`}
            />
          </label>
        ) : (
          <ImageBinding key={v.name} variable={v} value={bindings[v.name]} onChange={(id) => onChange(v.name, { assetId: id })} />
        ),
      )}
    </fieldset>
  );
}

function ImageBinding({ variable, value, onChange }: { variable: Variable; value: Bindings[string] | undefined; onChange(assetId: string): void }) {
  const input = useRef<HTMLInputElement>(null);
  const [picking, setPicking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const assetId = value && typeof value !== "string" ? value.assetId : undefined;

  const upload = async (files: FileList | null) => {
    const [file] = imageFiles(files);
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      onChange((await uploadImage(file)).id);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="flex flex-col gap-1 text-xs" data-testid={`bind-${variable.name}`}>
      <span className="font-mono text-amber-900">{`{{${variable.name}}}`} · image</span>
      <div className="flex items-center gap-2">
        {assetId ? (
          <AssetImage assetId={assetId} alt={`Image bound to ${variable.name}`} className="size-12 rounded" />
        ) : (
          <span className="flex size-12 items-center justify-center rounded border-2 border-dashed border-amber-300 text-stone-400">?</span>
        )}
        <button type="button" className="btn px-2 py-1 text-xs" onClick={() => input.current?.click()} disabled={busy}>
          {busy ? "Uploading…" : "Upload…"}
        </button>
        <button type="button" className="btn px-2 py-1 text-xs" onClick={() => setPicking(true)}>
          Pick from library…
        </button>
        <input ref={input} type="file" accept={IMAGE_ACCEPT} className="sr-only" tabIndex={-1} aria-hidden onChange={(e) => void upload(e.target.files)} />
      </div>
      <ErrorNotice error={error} title="The image could not be uploaded" />
      {/* Made on demand: a page with a composer already has one picker (and its test id). */}
      {picking ? (
        <AssetPicker
        open
        title={`Image for {{${variable.name}}}`}
        imageVariables={[]}
        onPick={(s) => {
          if (s.kind === "asset") onChange(s.assetId);
          setPicking(false);
        }}
        onUpload={() => {
          setPicking(false);
          input.current?.click();
        }}
        onClose={() => setPicking(false)}
        />
      ) : null}
    </div>
  );
}
