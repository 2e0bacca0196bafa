import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native addons must be required at run time, never bundled.
  serverExternalPackages: [
    "better-sqlite3",
    "sharp",
    "onnxruntime-node",
    "pg",
    "@prisma/adapter-better-sqlite3",
    "@prisma/adapter-pg",
  ],
  poweredByHeader: false,
  experimental: {
    serverActions: { bodySizeLimit: "12mb" },
  },
};

export default nextConfig;
