import { z } from "zod";
import { authorId, authorize, callerOf, homeWorkspace, noWorkspace, requireIdentified } from "@/lib/auth";
import { importLibrary } from "@/lib/store";
import { inspectImage, makeThumbnail } from "@/lib/assets";
import { json, parseWith, readJson, route } from "@/lib/http/respond";
import { LibraryFileSchema } from "@/lib/exchange/format";
import { safeText } from "@/lib/text";

/** Library files embed their images (base64), so they may be much larger than other bodies. */
const IMPORT_LIMIT_BYTES = 200 * 1024 * 1024;

const ImportQuery = safeText(z.object({ name: z.string().trim().min(1).max(120).optional(), workspaceId: z.string().trim().min(1).max(64).optional() }));

export const POST = route(async (request: Request) => {
  const query = parseWith(ImportQuery, Object.fromEntries(new URL(request.url).searchParams), "query");
  // Who may write where is settled before the (large) body is read.
  const caller = await callerOf(request);
  requireIdentified(caller);
  const workspaceId = query.workspaceId ?? homeWorkspace(caller);
  if (!workspaceId) throw noWorkspace();
  await authorize(caller, "write", { workspace: workspaceId });
  const file = await readJson(request, LibraryFileSchema, IMPORT_LIMIT_BYTES);
  // Embedded images pass the same content checks and limits as uploads; what is stored is what
  // their bytes say (sniffed type, measured size), not what the file claims.
  const library = await importLibrary(file, {
    name: query.name,
    workspaceId,
    createdById: authorId(caller),
    readImage: async (bytes) => {
      const info = await inspectImage(bytes);
      return { mediaType: info.mediaType, width: info.width, height: info.height, thumbnail: await makeThumbnail(bytes) };
    },
  });
  return json({ library }, { status: 201 });
});
