import type { TemplateSummary } from "@/lib/store/types";

/** `<optgroup>`s of templates by library (in the order the libraries first appear), each option valued by template id. */
export function TemplateOptions({ templates }: { templates: TemplateSummary[] }) {
  const libraries = [...new Set(templates.map((t) => t.libraryName))];
  return libraries.map((lib) => (
    <optgroup key={lib} label={lib}>
      {templates
        .filter((t) => t.libraryName === lib)
        .map((t) => (
          <option key={t.id} value={t.id}>
            {t.name}
          </option>
        ))}
    </optgroup>
  ));
}
