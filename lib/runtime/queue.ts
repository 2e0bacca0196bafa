/**
 * Serialises work on one model: one ORT session must never run concurrently. Tasks run one
 * at a time in arrival order; past `maxPending` waiting tasks a new one is refused at once.
 */
export class QueueFullError extends Error {
  constructor(
    readonly maxPending: number,
    /** Seconds to wait before trying again (SessionQueue.retryAfterSeconds), 1 to 60. */
    readonly retryAfterSeconds = 1,
  ) {
    super(`The model is busy: ${maxPending} requests are already waiting`);
    this.name = "QueueFullError";
  }
}

export class SessionQueue {
  private tail: Promise<void> = Promise.resolve();
  /** Tasks accepted and not finished (the one running included). */
  private inFlight = 0;
  /** Recent task duration, ms (exponential moving average), for QueueFullError's retry estimate. */
  private averageMs = 1000;

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
    if (this.pending >= this.maxPending) return Promise.reject(new QueueFullError(this.maxPending, this.retryAfterSeconds()));
    this.inFlight++;
    let started = 0;
    const result = this.tail
      .then(async () => {
        signal?.throwIfAborted();
        started = Date.now();
        return await task();
      })
      .finally(() => {
        this.inFlight--;
        if (started > 0) this.averageMs = 0.8 * this.averageMs + 0.2 * (Date.now() - started);
      });
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /**
   * Seconds a refused caller should wait: the running and waiting tasks at their recent average
   * duration (a slot frees sooner, but every refused caller retrying then would fill it again), 1 to 60.
   */
  retryAfterSeconds(): number {
    return Math.min(60, Math.max(1, Math.ceil((this.inFlight * this.averageMs) / 1000)));
  }
}
