/** `{{ name }}` placeholders in text blocks. Whitespace inside the braces is allowed. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Names used in `text`, each once, in order of first use. */
export function variablesInText(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER)) names.add(m[1]!);
  return [...names];
}

/** Replace placeholders with `lookup(name)`; the caller decides what a missing name means. */
export function fillPlaceholders(text: string, lookup: (name: string) => string): string {
  return text.replace(PLACEHOLDER, (_all, name: string) => lookup(name));
}

/** Split text into literal and placeholder pieces, for highlighting in editors. */
export function splitPlaceholders(text: string): { text: string; variable?: string }[] {
  const pieces: { text: string; variable?: string }[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (m.index > last) pieces.push({ text: text.slice(last, m.index) });
    pieces.push({ text: m[0], variable: m[1]! });
    last = m.index + m[0].length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last) });
  return pieces;
}
