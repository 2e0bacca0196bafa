/** Stop strings over streamed text (pure helpers). */

/** Earliest occurrence of any stop string in `text`, or null. */
export function findStop(text: string, stops: readonly string[]): { index: number; stop: string } | null {
  let best: { index: number; stop: string } | null = null;
  for (const stop of stops) {
    if (stop === "") continue;
    const i = text.indexOf(stop);
    if (i >= 0 && (best === null || i < best.index)) best = { index: i, stop };
  }
  return best;
}

/**
 * How much of `text` can be streamed now: everything except a tail that could still become
 * a stop string, and except a trailing U+FFFD (an incomplete UTF-8 sequence of byte-level BPE).
 */
export function safePrefixLength(text: string, stops: readonly string[]): number {
  let hold = 0;
  for (const stop of stops) {
    for (let k = Math.min(stop.length - 1, text.length); k > hold; k--) {
      if (text.endsWith(stop.slice(0, k))) {
        hold = k;
        break;
      }
    }
  }
  let end = text.length - hold;
  while (end > 0 && text[end - 1] === "\uFFFD") end--;
  return end;
}
