import { authorize, callerOf, requireIdentified } from "@/lib/auth";
import { ingestImage } from "@/lib/assets";
import { AppError } from "@/lib/errors";
import { json, readBodyLimited, readFormLimited, route } from "@/lib/http/respond";
import { env } from "@/lib/env";

/** Multipart framing adds a little on top of the image limit. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/**
 * Upload an image: multipart (field "file") or the raw bytes as the body
 * (what a paste handler sends). The content decides the type, not the name.
 * 201 when stored now, 200 when the same bytes were already there.
 */
export const POST = route(async (request: Request) => {
  const caller = await callerOf(request);
  requireIdentified(caller);
  await authorize(caller, "write", { asset: null });
  const limit = env().ASSET_MAX_BYTES;
  const contentType = request.headers.get("content-type") ?? "";
  let bytes: Uint8Array;
  if (contentType.toLowerCase().startsWith("multipart/form-data")) {
    // Counted while it streams and cut at the limit (a declared Content-Length over it is refused unread).
    const form = await readFormLimited(request, limit + MULTIPART_OVERHEAD_BYTES, tooLargeMessage(limit));
    const file = form.get("file");
    if (!(file instanceof Blob)) throw new AppError("bad_request", 'Send the image in a multipart field named "file".');
    if (file.size > limit) throw new AppError("payload_too_large", tooLargeMessage(limit));
    bytes = new Uint8Array(await file.arrayBuffer());
  } else {
    bytes = await readBodyLimited(request, limit, tooLargeMessage(limit));
  }
  const { asset, created } = await ingestImage(bytes);
  return json({ asset, created }, { status: created ? 201 : 200 });
});

function tooLargeMessage(limit: number): string {
  return `The image is larger than the ${(limit / 1024 / 1024).toFixed(0)} MB limit.`;
}
