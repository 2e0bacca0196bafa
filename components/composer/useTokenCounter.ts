"use client";

import { useEffect, useState } from "react";
import { packageUrl } from "@/lib/models/defaults";
import type { FlamingoTokenizer } from "@/lib/runtime/tokenizer";

const MODEL_BASE = `${packageUrl()}/`;

let loading: Promise<FlamingoTokenizer | null> | null = null;

/** The bundled model's own tokenizer, loaded once per page (null if it cannot be). */
function loadTokenizer(): Promise<FlamingoTokenizer | null> {
  loading ??= (async () => {
    try {
      const [{ FlamingoTokenizer }, { parseManifest }] = await Promise.all([import("@/lib/runtime/tokenizer"), import("@/lib/runtime/manifest")]);
      const [manifest, tokenizer, config] = await Promise.all(
        ["manifest.json", "tokenizer.json", "tokenizer_config.json"].map(async (f) => {
          const res = await fetch(MODEL_BASE + f);
          if (!res.ok) throw new Error(`${f}: ${res.status}`);
          return (await res.json()) as unknown;
        }),
      );
      return new FlamingoTokenizer(tokenizer, config, parseManifest(manifest));
    } catch {
      return null; // The count stays approximate.
    }
  })();
  return loading;
}

/** The model's tokenizer once loaded; null until then (or if it cannot load): show an estimate. */
export function useTokenizer(): FlamingoTokenizer | null {
  const [tok, setTok] = useState<FlamingoTokenizer | null>(null);
  useEffect(() => {
    let live = true;
    void loadTokenizer().then((t) => {
      if (live) setTok(t);
    });
    return () => {
      live = false;
    };
  }, []);
  return tok;
}
