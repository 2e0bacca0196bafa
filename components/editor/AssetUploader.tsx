"use client";

import { useCallback, useRef, useState, type ChangeEvent } from "react";
import { apiFetch } from "@/lib/api-client";
import { AssetImage } from "@/components/ui/AssetImage";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import type { AssetInfo } from "@/lib/store/types";

interface Props {
  /** Insert text at the editor's cursor. */
  onInsert(text: string): void;
}

export const imageBlockJson = (assetId: string) => `{ "type": "image", "source": { "kind": "asset", "assetId": ${JSON.stringify(assetId)} } }`;

/** Upload with the button, then insert the new asset id or an image block into the JSON source. */
export function AssetUploader({ onInsert }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [uploads, setUploads] = useState<AssetInfo[]>([]);
  const [busy, setBusy] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [copied, setCopied] = useState<string | null>(null);

  const upload = useCallback(async (file: File) => {
    setBusy((n) => n + 1);
    setError(null);
    try {
      const body = new FormData();
      body.append("file", file);
      const { asset } = await apiFetch<{ asset: AssetInfo }>("/api/assets", { method: "POST", body });
      setUploads((list) => [asset, ...list.filter((a) => a.id !== asset.id)]);
    } catch (err) {
      setError(err);
    } finally {
      setBusy((n) => n - 1);
    }
  }, []);

  function onChange(e: ChangeEvent<HTMLInputElement>) {
    const files = [...(e.currentTarget.files ?? [])];
    e.currentTarget.value = "";
    for (const f of files) void upload(f);
  }

  async function copy(text: string, what: string) {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(what);
    } catch {
      setCopied(null);
      setError(new Error("The browser refused clipboard access; use “Insert” instead."));
    }
  }

  return (
    <section className="flex flex-col gap-2" aria-labelledby="uploads-heading" data-testid="asset-uploader">
      <div className="flex flex-wrap items-center gap-2">
        <h2 id="uploads-heading" className="sr-only">
          Images
        </h2>
        <input ref={input} type="file" accept="image/png,image/jpeg,image/webp,image/gif" multiple className="sr-only" tabIndex={-1} aria-hidden onChange={onChange} data-testid="upload-image-input" />
        <button type="button" className="btn" onClick={() => input.current?.click()} disabled={busy > 0} data-testid="upload-image-button">
          {busy > 0 ? "Uploading…" : "Upload image"}
        </button>
        <span className="text-xs text-stone-500">for the JSON source; pasted or dropped images go into the composer</span>
      </div>
      <ErrorNotice error={error} title="Upload failed" />
      {uploads.length > 0 ? (
        <ul className="flex flex-col gap-2" aria-label="Uploaded images">
          {uploads.map((a) => (
            <li key={a.id} className="flex flex-col gap-2 rounded-md border border-stone-200 bg-white p-2" data-testid="uploaded-asset" data-asset-id={a.id}>
              <div className="flex min-w-0 items-center gap-3">
                <AssetImage assetId={a.id} alt="Uploaded image" className="size-12 shrink-0 rounded" />
                <div className="min-w-0 flex-1">
                  <code className="block truncate font-mono text-xs text-stone-700" title={a.id}>
                    {a.id}
                  </code>
                  <span className="text-xs text-stone-500">
                    {a.width}×{a.height} · {formatBytes(a.byteSize)}
                  </span>
                </div>
              </div>
              <div className="flex flex-wrap gap-1">
                <button type="button" className="btn px-2 py-1 text-xs" onClick={() => onInsert(a.id)} data-testid="insert-asset-id" title="Insert the asset id at the cursor">
                  Insert id
                </button>
                <button type="button" className="btn px-2 py-1 text-xs" onClick={() => onInsert(imageBlockJson(a.id))} data-testid="insert-image-block" title="Insert an image block at the cursor">
                  Insert block
                </button>
                <button type="button" className="btn px-2 py-1 text-xs" onClick={() => copy(a.id, a.id)} aria-label="Copy asset id" data-testid="copy-asset-id">
                  {copied === a.id ? "Copied" : "Copy id"}
                </button>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(0)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}
