/**
 * A server-sent-events response. `produce` writes frames; an error after the
 * first byte becomes one last frame (the status is already sent), unless the
 * client went away. Cancelling the response aborts `abort`, which stops the
 * model between decode steps.
 */
export function eventStreamResponse(
  abort: AbortController,
  produce: (send: (frame: string) => void) => Promise<void>,
  errorFrame: (error: unknown) => string,
): Response {
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (frame: string) => controller.enqueue(enc.encode(frame));
      try {
        await produce(send);
      } catch (e) {
        if (!abort.signal.aborted) send(errorFrame(e));
      } finally {
        try {
          controller.close();
        } catch {
          // already cancelled by the client
        }
      }
    },
    cancel() {
      abort.abort();
    },
  });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
  });
}
