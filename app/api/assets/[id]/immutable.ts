/** Assets are content-addressed: a URL's bytes never change, so browsers may keep them forever. */
export function immutableImageResponse(bytes: Uint8Array, mediaType: string, etag: string): Response {
  return new Response(bytes as unknown as BodyInit, {
    headers: {
      "content-type": mediaType,
      "content-length": String(bytes.byteLength),
      "cache-control": "public, max-age=31536000, immutable",
      etag: `"${etag}"`,
      "x-content-type-options": "nosniff",
    },
  });
}
