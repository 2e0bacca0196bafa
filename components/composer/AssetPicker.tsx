"use client";

import { useEffect, useState } from "react";
import { apiFetch } from "@/lib/api-client";
import { AssetImage } from "@/components/ui/AssetImage";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { useModalDialog } from "@/components/ui/useModalDialog";
import type { ImageSource } from "@/lib/prompt/schema";
import type { TemplateSummary } from "@/lib/store/types";

interface Props {
  open: boolean;
  title: string;
  /** Declared image variables, offered as run-time slots. */
  imageVariables: string[];
  onPick(source: ImageSource): void;
  onUpload(): void;
  onClose(): void;
}

type Group = { library: string; template: string; assetIds: string[] };

/** Images already in the libraries (from each template's latest version), to reuse in this prompt. */
export function AssetPicker({ open, title, imageVariables, onPick, onUpload, onClose }: Props) {
  const ref = useModalDialog(open);
  const [groups, setGroups] = useState<Group[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!open || groups) return;
    let live = true;
    apiFetch<{ templates: TemplateSummary[] }>("/api/templates")
      .then(({ templates }) => {
        if (!live) return;
        const seen = new Set<string>();
        const out: Group[] = [];
        for (const t of templates) {
          const ids = t.previewAssetIds.filter((id) => !seen.has(id));
          ids.forEach((id) => seen.add(id));
          if (ids.length > 0) out.push({ library: t.libraryName, template: t.name, assetIds: ids });
        }
        setGroups(out);
      })
      .catch((e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, [open, groups]);

  return (
    <dialog
      ref={ref}
      onClose={onClose}
      onClick={(e) => e.target === ref.current && onClose()}
      className="m-auto max-h-[85dvh] w-[min(40rem,calc(100vw-2rem))] rounded-xl border border-stone-200 bg-white p-0 shadow-xl backdrop:bg-stone-900/40"
      aria-label={title}
      data-testid="asset-picker"
    >
      <div className="flex items-center justify-between gap-2 border-b border-stone-200 px-4 py-3">
        <h2 className="text-sm font-semibold">{title}</h2>
        <div className="flex gap-2">
          <button type="button" className="btn px-2 py-1 text-xs" onClick={onUpload}>
            Upload from this device…
          </button>
          <button type="button" className="btn px-2 py-1 text-xs" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </div>
      </div>
      <div className="max-h-[65dvh] overflow-auto px-4 py-3">
        {imageVariables.length > 0 ? (
          <section className="mb-3">
            <h3 className="mb-1.5 text-xs font-medium text-stone-600">Image variables (filled at run time)</h3>
            <ul className="flex flex-wrap gap-2">
              {imageVariables.map((name) => (
                <li key={name}>
                  <button
                    type="button"
                    onClick={() => onPick({ kind: "variable", name })}
                    className="rounded-md border-2 border-dashed border-amber-300 bg-amber-50 px-2 py-1 font-mono text-xs text-amber-900 hover:border-amber-500"
                    data-testid="picker-variable"
                  >
                    {`{{${name}}}`}
                  </button>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        <ErrorNotice error={error} title="Could not list the library images" />
        {!groups && !error ? <p className="text-sm text-stone-500">Loading library images…</p> : null}
        {groups?.length === 0 ? <p className="text-sm text-stone-500">No images in any library yet. Upload one instead.</p> : null}
        {groups?.map((g) => (
          <section key={`${g.library}/${g.template}`} className="mb-3">
            <h3 className="mb-1.5 text-xs font-medium text-stone-600">
              {g.template} <span className="font-normal text-stone-400">· {g.library}</span>
            </h3>
            <ul className="flex flex-wrap gap-2">
              {g.assetIds.map((id) => (
                <li key={id}>
                  <button
                    type="button"
                    onClick={() => onPick({ kind: "asset", assetId: id })}
                    className="block rounded-md border border-stone-200 p-0.5 hover:border-brand-500"
                    aria-label={`Use image ${id.slice(0, 8)} from ${g.template}`}
                    data-testid="picker-asset"
                    data-asset-id={id}
                  >
                    <AssetImage assetId={id} alt="" className="size-16 rounded" />
                  </button>
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
    </dialog>
  );
}
