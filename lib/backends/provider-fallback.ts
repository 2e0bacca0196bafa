/**
 * The one execution-provider fallback: try the preferred provider (WebGPU in the browser worker,
 * CUDA on the server), else create the fallback (WASM, CPU) and say why. Environment-neutral: the
 * caller supplies the availability check, the factory and how a failure reads.
 */

/** Whether a provider can be tried at all (checked without creating anything); a reason when not. */
export type ProviderAvailability = { ok: true } | { ok: false; reason: string };

export interface FallbackOptions {
  /** Checked before the preferred provider is tried; `ok: false` skips it with that reason. */
  isAvailable?: () => ProviderAvailability | Promise<ProviderAvailability>;
  /**
   * Why the preferred provider failed to create, as the fallback reason (default: the error's message).
   * Throw instead to give up without falling back (a provider that was required).
   */
  failureReason?: (error: unknown) => string;
}

export interface FallbackOutcome<T, P extends string> {
  value: T;
  /** The provider `value` was created with. */
  provider: P;
  /** Why the preferred provider is not the one in use (absent when it is, when none was preferred, or when the reason is empty). */
  fallbackReason?: string;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * `create(preferred)` when it is available and succeeds, else `create(fallback)` with the reason.
 * `preferred` null or undefined: straight to the fallback, no reason (the caller asked for it).
 * A failure of the fallback itself propagates.
 */
export async function withFallback<T, P extends string>(
  preferred: P | null | undefined,
  fallback: P,
  create: (provider: P) => Promise<T>,
  opts: FallbackOptions = {},
): Promise<FallbackOutcome<T, P>> {
  let fallbackReason: string | undefined;
  if (preferred != null) {
    const available = opts.isAvailable ? await opts.isAvailable() : ({ ok: true } as const);
    if (available.ok) {
      try {
        return { value: await create(preferred), provider: preferred };
      } catch (e) {
        fallbackReason = (opts.failureReason ?? messageOf)(e);
      }
    } else fallbackReason = available.reason;
  }
  return { value: await create(fallback), provider: fallback, ...(fallbackReason ? { fallbackReason } : {}) };
}
