import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { connection } from "next/server";
import { TopBar } from "@/components/shell/TopBar";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Flamingo Studio", template: "%s · Flamingo Studio" },
  description: "A visual prompt-building notebook and playground for Flamingo-style few-shot vision-language models.",
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  themeColor: "#db2777",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Render per request: Next stamps its scripts with the CSP nonce proxy.ts makes for each request, and a
  // page prerendered at build time would carry none (its scripts would be blocked).
  await connection();
  return (
    <html lang="en">
      <body className="min-h-dvh">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:fixed focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow"
        >
          Skip to content
        </a>
        <TopBar />
        <main id="main" className="mx-auto w-full max-w-7xl px-4 py-6 sm:px-6">
          {children}
        </main>
      </body>
    </html>
  );
}
