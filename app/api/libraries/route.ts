import { createLibrary, listLibraries } from "@/lib/store";
import { json, readJson, route } from "@/lib/http/respond";
import { CreateLibraryBody } from "./schema";

export const GET = route(async () => json({ libraries: await listLibraries() }));

export const POST = route(async (request: Request) => {
  const body = await readJson(request, CreateLibraryBody);
  const library = await createLibrary({ name: body.name, description: body.description });
  return json({ library }, { status: 201 });
});
