/* eslint-disable @next/next/no-img-element -- assets are served by our own immutable route, not next/image */

interface Props {
  assetId: string;
  alt: string;
  /** Thumbnails for strips and cards; the full image where it is the subject. */
  variant?: "thumbnail" | "full";
  className?: string;
}

export function assetUrl(assetId: string, variant: "thumbnail" | "full" = "full"): string {
  const base = `/api/assets/${encodeURIComponent(assetId)}`;
  return variant === "thumbnail" ? `${base}/thumbnail` : base;
}

export function AssetImage({ assetId, alt, variant = "thumbnail", className = "" }: Props) {
  return (
    <img
      src={assetUrl(assetId, variant)}
      alt={alt}
      loading="lazy"
      decoding="async"
      className={`bg-stone-100 object-cover ${className}`}
    />
  );
}
