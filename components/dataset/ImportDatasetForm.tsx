"use client";

import { useRouter } from "next/navigation";
import { useId, useState, type ChangeEvent, type FormEvent } from "react";
import { apiFetch } from "@/lib/api-client";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { Field, LibrarySelect } from "@/components/ui/Field";
import type { DatasetDetail } from "@/lib/store/datasets";
import type { LibrarySummary } from "@/lib/store/types";

interface Picked {
  /** What was chosen, for the summary line. */
  label: string;
  files: { file: File; path: string }[];
}

/** Folder pickers are non-standard attributes React passes through as is. */
const FOLDER_PROPS = { webkitdirectory: "", directory: "" } as Record<string, string>;

const stem = (name: string) => name.replace(/\.[^.]+$/, "");

/**
 * Import a dataset: a zip, a folder (relative paths kept), or a JSONL/CSV with
 * its images; a name, a library and the evaluation share. The server checks
 * everything and saves all or nothing; its message names the bad file or line.
 */
export function ImportDatasetForm({ libraries, defaultLibraryId }: { libraries: LibrarySummary[]; defaultLibraryId?: string }) {
  const router = useRouter();
  const id = useId();
  const [picked, setPicked] = useState<Picked | null>(null);
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  function pick(kind: "zip" | "folder" | "files") {
    return (e: ChangeEvent<HTMLInputElement>) => {
      const list = [...(e.currentTarget.files ?? [])];
      e.currentTarget.value = "";
      if (list.length === 0) return;
      setError(null);
      const files = list.map((file) => ({ file, path: (kind === "folder" && file.webkitRelativePath) || file.name }));
      const manifest = files.find((f) => /\.(jsonl|csv)$/i.test(f.path));
      const label =
        kind === "zip" ? list[0]!.name : kind === "folder" ? `folder “${files[0]!.path.split("/")[0]}” (${files.length} files)` : `${files.length} files${manifest ? `, ${manifest.path}` : ""}`;
      const suggested = kind === "zip" ? stem(list[0]!.name) : kind === "folder" ? files[0]!.path.split("/")[0]! : stem(manifest?.path ?? list[0]!.name);
      setPicked({ label, files });
      if (!name) setName(suggested);
    };
  }

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!picked) return;
    const fields = new FormData(e.currentTarget);
    const body = new FormData();
    body.append("name", name.trim());
    for (const k of ["libraryId", "evalCount", "seed"]) {
      const v = String(fields.get(k) ?? "").trim();
      if (v) body.append(k, v);
    }
    const share = Number(fields.get("evalShare"));
    if (Number.isFinite(share) && share > 0) body.append("evalFraction", String(share / 100));
    for (const f of picked.files) {
      body.append("file", f.file, f.file.name);
      body.append("path", f.path);
    }
    setBusy(true);
    setError(null);
    try {
      const { dataset } = await apiFetch<{ dataset: DatasetDetail }>("/api/datasets", { method: "POST", body });
      router.push(`/datasets/${dataset.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  const fileButton = "btn cursor-pointer has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-brand-600";
  return (
    <form onSubmit={onSubmit} className="card flex flex-col gap-3 p-4" data-testid="dataset-import-form" aria-labelledby={`${id}-title`}>
      <div>
        <h2 id={`${id}-title`} className="font-semibold">
          Import a dataset
        </h2>
        <p className="text-xs text-stone-600">
          A <b>zip</b> or a <b>folder</b> holding a <code>.jsonl</code> (the eval CLI&apos;s format) or a <code>.csv</code> (columns image, answer, optional question,
          candidates separated by |, split) beside its images. Nothing is saved unless every row and image is good.
        </p>
      </div>
      <div className="flex flex-wrap gap-2">
        <label className={fileButton}>
          Zip…
          <input type="file" accept=".zip,application/zip" className="sr-only" onChange={pick("zip")} data-testid="dataset-zip-input" />
        </label>
        <label className={fileButton}>
          Folder…
          <input type="file" multiple className="sr-only" onChange={pick("folder")} data-testid="dataset-folder-input" {...FOLDER_PROPS} />
        </label>
        <label className={fileButton}>
          Files…
          <input type="file" multiple accept=".jsonl,.csv,image/*" className="sr-only" onChange={pick("files")} data-testid="dataset-files-input" />
        </label>
      </div>
      <p className="text-sm text-stone-700" aria-live="polite" data-testid="dataset-picked">
        {picked ? `Chosen: ${picked.label}` : "Nothing chosen yet."}
      </p>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field htmlFor={`${id}-name`} label="Name">
          <input id={`${id}-name`} className="input" value={name} onChange={(e) => setName(e.currentTarget.value)} required maxLength={200} data-testid="dataset-name" />
        </Field>
        <Field htmlFor={`${id}-library`} label="Library">
          <LibrarySelect id={`${id}-library`} name="libraryId" libraries={libraries} className="input" defaultValue={defaultLibraryId} data-testid="dataset-library" />
        </Field>
        <Field htmlFor={`${id}-share`} label="Evaluation share (%)">
          <input id={`${id}-share`} name="evalShare" type="number" min={1} max={99} defaultValue={40} className="input" data-testid="dataset-eval-share" />
        </Field>
        <div className="grid grid-cols-2 gap-2">
          <Field htmlFor={`${id}-count`} label="or eval count">
            <input id={`${id}-count`} name="evalCount" type="number" min={1} placeholder="—" className="input" data-testid="dataset-eval-count" />
          </Field>
          <Field htmlFor={`${id}-seed`} label="Seed">
            <input id={`${id}-seed`} name="seed" type="number" min={0} defaultValue={0} className="input" data-testid="dataset-seed" />
          </Field>
        </div>
      </div>
      <p className="text-xs text-stone-500">The evaluation set is drawn per answer (stratified) with the seed; a split column or field (pool / eval) in the file wins.</p>
      <ErrorNotice error={error} title="Import failed" />
      <div>
        <button type="submit" className="btn btn-primary" disabled={!picked || busy || !name.trim()} data-testid="dataset-import-submit">
          {busy ? "Importing…" : "Import"}
        </button>
      </div>
    </form>
  );
}
