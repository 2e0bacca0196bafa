"use client";

import { useEffect, useRef, useState } from "react";

/**
 * The element's content width, kept current with a ResizeObserver (charts lay out in real pixels, so text never scales).
 * Until the first measurement (server render, hydration) `initial` is a guess: give the chart `max-w-full h-auto`
 * so a narrow screen scales it down instead of overflowing.
 */
export function useWidth<T extends HTMLElement>(initial: number) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(initial);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => setWidth(Math.max(200, Math.round(el.getBoundingClientRect().width)));
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width] as const;
}
