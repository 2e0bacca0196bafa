/**
 * Serialises work on one model: one ORT session must never run concurrently. Tasks run one
 * at a time in arrival order; past `maxPending` waiting tasks a new one is refused at once.
 */
export class QueueFullError extends Error {
  constructor(readonly maxPending: number) {
    super(`The model is busy: ${maxPending} requests are already waiting`);
    this.name = "QueueFullError";
  }
}

export class SessionQueue {
  private tail: Promise<void> = Promise.resolve();
  /** Tasks accepted and not finished (the one running included). */
  private inFlight = 0;

  constructor(public maxPending = Infinity) {}

  /** Tasks waiting behind the running one. */
  get pending(): number {
    return Math.max(0, this.inFlight - 1);
  }

  get running(): boolean {
    return this.inFlight > 0;
  }

  /** Run `task` after every earlier one has finished; reject with QueueFullError when full. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.pending >= this.maxPending) return Promise.reject(new QueueFullError(this.maxPending));
    this.inFlight++;
    const result = this.tail
      .then(async () => {
        signal?.throwIfAborted();
        return await task();
      })
      .finally(() => {
        this.inFlight--;
      });
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
