"use client";

import { useId, useState, type FormEvent } from "react";
import { VARIABLE_NAME } from "@/lib/prompt/schema";
import { declareVariable, removeVariable, setVariableKind, undeclaredVariables, usedVariables, type Doc } from "./document-ops";
import type { Edit } from "./ChunkCard";
import { CloseIcon } from "./icons";

/** Declared variables (kind, remove, add) and the ones used in text but not declared yet. */
export function VariablesPanel({ doc, edit }: { doc: Doc; edit: Edit }) {
  const id = useId();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<"text" | "image">("text");
  const [problem, setProblem] = useState<string | null>(null);
  const declared = doc.variables ?? [];
  const used = usedVariables(doc);
  const undeclared = undeclaredVariables(doc);

  function add(e: FormEvent) {
    e.preventDefault();
    const n = name.trim();
    if (!VARIABLE_NAME.test(n)) return setProblem("Letters, digits and _, not starting with a digit.");
    if (declared.some((v) => v.name === n)) return setProblem(`“${n}” is already declared.`);
    edit((d) => declareVariable(d, n, kind));
    setName("");
    setProblem(null);
  }

  return (
    <section className="card flex flex-col gap-2 px-3 py-2" aria-labelledby={`${id}-h`} data-testid="variables-panel">
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1.5">
      <h3 id={`${id}-h`} className="text-xs font-semibold uppercase tracking-wide text-stone-500">
        Variables
      </h3>

      {declared.length > 0 ? (
        <ul className="flex flex-wrap gap-1.5">
          {declared.map((v) => (
            <li key={v.name} className="flex items-center gap-1 rounded-md border border-stone-200 bg-white py-0.5 pl-2 pr-0.5 text-xs" data-testid="declared-variable">
              <code className="font-mono text-amber-900">{v.name}</code>
              <select
                value={v.kind}
                onChange={(e) => edit((d) => setVariableKind(d, v.name, e.target.value as "text" | "image"))}
                aria-label={`Kind of ${v.name}`}
                className="rounded border-0 bg-transparent py-0 text-xs text-stone-600"
              >
                <option value="text">text</option>
                <option value="image">image</option>
              </select>
              {!used.has(v.name) ? <span className="text-[10px] text-stone-400">unused</span> : null}
              <button
                type="button"
                onClick={() => edit((d) => removeVariable(d, v.name))}
                aria-label={`Remove variable ${v.name}`}
                className="inline-flex size-5 items-center justify-center rounded text-stone-500 hover:bg-stone-100 hover:text-stone-900"
              >
                <CloseIcon className="size-3" />
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-xs text-stone-500">none yet: write {"{{name}}"} in a text, or</p>
      )}
      <form onSubmit={add} className="ml-auto flex flex-wrap items-center gap-1.5">
        <label htmlFor={`${id}-name`} className="sr-only">
          New variable name
        </label>
        <input
          id={`${id}-name`}
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="new_variable"
          className="input w-36 py-1 font-mono text-xs"
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${id}-err` : undefined}
          data-testid="new-variable-name"
        />
        <label htmlFor={`${id}-kind`} className="sr-only">
          Kind
        </label>
        <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.target.value as "text" | "image")} className="input w-auto py-1 text-xs">
          <option value="text">text</option>
          <option value="image">image</option>
        </select>
        <button type="submit" className="btn px-2 py-1 text-xs" disabled={name.trim() === ""}>
          Add variable
        </button>
        {problem ? (
          <span id={`${id}-err`} className="text-xs text-red-700" role="alert">
            {problem}
          </span>
        ) : null}
      </form>
      </div>
      {undeclared.length > 0 ? (
        <ul className="flex flex-col gap-1" aria-label="Used but not declared">
          {undeclared.map((u) => (
            <li key={u.name} className="flex flex-wrap items-center gap-2 rounded-md border border-amber-200 bg-amber-50 px-2 py-1 text-xs text-amber-900" data-testid="undeclared-variable">
              <code className="font-mono">{`{{${u.name}}}`}</code>
              <span>is used but not declared</span>
              <button type="button" className="btn ml-auto px-2 py-0.5 text-xs" onClick={() => edit((d) => declareVariable(d, u.name, u.kind))} data-testid="declare-variable">
                Declare as {u.kind}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
