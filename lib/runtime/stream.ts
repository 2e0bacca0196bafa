/** Turn a callback-style producer into an async iterator plus a final result. */
export interface Streamed<E, R> {
  events: AsyncIterable<E>;
  result: Promise<R>;
}

export function toStream<E, R>(run: (emit: (e: E) => void) => Promise<R>): Streamed<E, R> {
  const buffer: E[] = [];
  let done = false;
  let failure: unknown = undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const result = run((e) => {
    buffer.push(e);
    notify();
  }).then(
    (r) => {
      done = true;
      notify();
      return r;
    },
    (err: unknown) => {
      done = true;
      failure = err ?? new Error("stream failed");
      notify();
      throw err;
    },
  );
  // The iterator reports the failure; keep `result` from being an unhandled rejection too.
  result.catch(() => undefined);
  const events: AsyncIterable<E> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (buffer.length > 0) yield buffer.shift() as E;
        if (done) {
          if (failure !== undefined) throw failure;
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
  return { events, result };
}

/**
 * Wait for a stream's first event (or its end, or its failure: thrown here), then hand back the whole
 * stream, that event included. Servers use it so that errors before any output are still a 4xx
 * response rather than an error frame inside a started 200 stream.
 */
export async function primed<E>(events: AsyncIterable<E>): Promise<AsyncIterable<E>> {
  const it = events[Symbol.asyncIterator]();
  const first = await it.next();
  return {
    async *[Symbol.asyncIterator]() {
      if (first.done) return;
      yield first.value;
      for (;;) {
        const n = await it.next();
        if (n.done) return;
        yield n.value;
      }
    },
  };
}
