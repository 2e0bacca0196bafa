/* eslint-disable @next/next/no-img-element -- assets are served by our own immutable route, not next/image */

interface Props {
  assetId: string;
  alt: string;
  /** Thumbnails for strips and cards; the full image where it is the subject. */
  variant?: "thumbnail" | "full";
  className?: string;
  /** A share link's token: shared pages load their images with it (`?share=`), signed in or not. */
  share?: string;
}

export function assetUrl(assetId: string, variant: "thumbnail" | "full" = "full", share?: string): string {
  const base = `/api/assets/${encodeURIComponent(assetId)}`;
  const url = variant === "thumbnail" ? `${base}/thumbnail` : base;
  return share ? `${url}?share=${encodeURIComponent(share)}` : url;
}

export function AssetImage({ assetId, alt, variant = "thumbnail", className = "", share }: Props) {
  return (
    <img
      src={assetUrl(assetId, variant, share)}
      alt={alt}
      loading="lazy"
      decoding="async"
      className={`bg-stone-100 object-cover ${className}`}
    />
  );
}
