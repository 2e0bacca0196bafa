import { apiFetch } from "@/lib/api-client";
import type { AssetInfo } from "@/lib/store/types";

export const IMAGE_ACCEPT = "image/png,image/jpeg,image/webp,image/gif";

/** POST one file to /api/assets; the server checks its content and answers with the stored asset. */
export async function uploadImage(file: File): Promise<AssetInfo> {
  const body = new FormData();
  body.append("file", file);
  const { asset } = await apiFetch<{ asset: AssetInfo }>("/api/assets", { method: "POST", body });
  return asset;
}

export const imageFiles = (list: FileList | null | undefined): File[] => [...(list ?? [])].filter((f) => f.type.startsWith("image/"));
