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
  // Lets parallel builds in one checkout (e.g. several engineers' e2e runs) keep separate outputs.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  experimental: {
    serverActions: { bodySizeLimit: "12mb" },
  },
};

export default nextConfig;
