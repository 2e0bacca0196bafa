import { SUGGESTED_BROWSER_MODELS } from "@/lib/backends/transformersjs/settings";

/** The browser models worth trying, as a <datalist> for a model-id input (`list={id}`); any id in the same layout is accepted. */
export function ModelSuggestions({ id }: { id: string }) {
  return (
    <datalist id={id} data-testid="browser-model-suggestions">
      {SUGGESTED_BROWSER_MODELS.map((m) => (
        <option key={m.id} value={m.id} label={m.label} />
      ))}
    </datalist>
  );
}
