"use client";

import { useId, useState } from "react";
import { SCOPES, type Scope } from "@/lib/auth/roles";
import { CopyButton } from "@/components/ui/CopyButton";
import { ErrorNotice } from "@/components/ui/ErrorNotice";
import { Field } from "@/components/ui/Field";
import { formatDateTime } from "@/components/ui/format";
import { useFormSubmit } from "@/components/ui/useFormSubmit";
import { createKey, revokeKey } from "./api";
import type { ApiKeySummary } from "./types";

const SCOPE_HELP: Record<Scope, string> = {
  read: "list and read libraries, templates, notebooks",
  run: "run models (/api/runs, /api/score, /v1)",
  write: "create, change and delete",
};

/** Keys for scripts and other services (Authorization: Bearer fsk_…): the secret is shown once, only its digest is kept. */
export function ApiKeysSection({ workspaceId, initial }: { workspaceId: string; initial: ApiKeySummary[] }) {
  const id = useId();
  const [keys, setKeys] = useState(initial);
  const [secret, setSecret] = useState<{ name: string; value: string } | null>(null);
  const [revokeError, setRevokeError] = useState<unknown>(null);
  const { busy, error, onSubmit } = useFormSubmit(async (form) => {
    const scopes = form.getAll("scope").map(String) as Scope[];
    const created = await createKey(workspaceId, String(form.get("name") ?? "").trim(), scopes);
    setKeys((k) => [created.key, ...k]);
    setSecret({ name: created.key.name, value: created.secret });
  });

  async function revoke(keyId: string) {
    setRevokeError(null);
    try {
      setKeys((await revokeKey(workspaceId, keyId)).keys);
    } catch (e) {
      setRevokeError(e);
    }
  }

  return (
    <section className="card flex flex-col gap-3 p-4" aria-labelledby="keys-heading" data-testid="api-keys-section">
      <h2 id="keys-heading" className="text-lg font-semibold">
        API keys
      </h2>
      <p className="text-sm text-stone-600">
        For scripts and services calling <code className="font-mono">/api</code> and <code className="font-mono">/v1</code> in this workspace, sent as{" "}
        <code className="font-mono">Authorization: Bearer fsk_…</code>.
      </p>
      <form onSubmit={(e) => { setSecret(null); void onSubmit(e); }} className="flex flex-wrap items-end gap-3" data-testid="api-key-form">
        <Field htmlFor={`${id}-name`} label="Name" className="min-w-48 flex-1">
          <input id={`${id}-name`} name="name" required maxLength={80} placeholder="e.g. nightly eval" className="input" data-testid="api-key-name" />
        </Field>
        <fieldset className="flex flex-wrap gap-3 text-sm">
          <legend className="label">Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s} className="flex items-center gap-1.5" title={SCOPE_HELP[s]}>
              <input type="checkbox" name="scope" value={s} defaultChecked={s === "read"} data-testid={`api-key-scope-${s}`} />
              {s}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="api-key-create">
          {busy ? "Creating…" : "Create key"}
        </button>
      </form>
      <ErrorNotice error={error} />
      {secret ? (
        <div className="flex flex-col gap-2 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-950" role="status" data-testid="api-key-secret-box">
          <p>
            The secret of <strong>{secret.name}</strong>: copy it now, it is not shown again.
          </p>
          <div className="flex items-center gap-2">
            <code className="min-w-0 flex-1 truncate rounded bg-white px-2 py-1 font-mono text-xs" data-testid="api-key-secret">
              {secret.value}
            </code>
            <CopyButton text={secret.value} label="Copy" testId="api-key-copy" />
          </div>
        </div>
      ) : null}
      <ErrorNotice error={revokeError} />
      {keys.length === 0 ? (
        <p className="text-sm text-stone-500">No keys yet.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="text-xs text-stone-500">
              <tr>
                <th className="py-1 pr-3 font-medium">Name</th>
                <th className="py-1 pr-3 font-medium">Key</th>
                <th className="py-1 pr-3 font-medium">Scopes</th>
                <th className="py-1 pr-3 font-medium">Created by</th>
                <th className="py-1 pr-3 font-medium">Last used</th>
                <th className="py-1 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-stone-100">
              {keys.map((k) => (
                <tr key={k.id} data-testid="api-key-row" className={k.revokedAt ? "text-stone-400" : undefined}>
                  <td className="py-2 pr-3 font-medium">{k.name}</td>
                  <td className="py-2 pr-3 font-mono text-xs">{k.prefix}…</td>
                  <td className="py-2 pr-3">{k.scopes.join(", ")}</td>
                  <td className="py-2 pr-3">{k.createdBy ?? "—"}</td>
                  <td className="py-2 pr-3 text-xs">{k.lastUsedAt ? formatDateTime(k.lastUsedAt) : "never"}</td>
                  <td className="py-2 text-right">
                    {k.revokedAt ? (
                      <span className="text-xs" data-testid="api-key-revoked">
                        revoked
                      </span>
                    ) : (
                      <button type="button" className="btn btn-danger px-2 py-1 text-xs" onClick={() => void revoke(k.id)} data-testid="api-key-revoke">
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
