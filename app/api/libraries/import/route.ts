import { z } from "zod";
import { importLibrary } from "@/lib/store";
import { inspectImage, makeThumbnail } from "@/lib/assets";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { LibraryFileSchema } from "@/lib/exchange/format";

/** Library files embed their images (base64), so they may be much larger than other bodies. */
const IMPORT_LIMIT_BYTES = 200 * 1024 * 1024;

const ImportQuery = z.object({ name: z.string().trim().min(1).max(120).optional() });

export const POST = route(async (request: Request) => {
  const query = parseWith(ImportQuery, Object.fromEntries(new URL(request.url).searchParams), "query");
  const file = await readJson(request, LibraryFileSchema, IMPORT_LIMIT_BYTES);
  // Embedded images pass the same content checks and limits as uploads.
  const library = await importLibrary(file, {
    name: query.name,
    makeThumbnail: async (bytes) => {
      await inspectImage(bytes);
      return makeThumbnail(bytes);
    },
  });
  return json({ library }, { status: 201 });
});
