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
