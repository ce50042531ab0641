import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { DeploymentNotice, SiteFooter, SiteHeader } from "@/components/site-chrome";
import { ThemeScript } from "@/components/theme/theme-script";
import { ANVIL_MNEMONIC } from "@/lib/chain/anvil";
import { serverConfig } from "@/lib/config";
import { loadPublicChainInfo, walletConnectProjectId } from "@/lib/public-chain";
import { Providers } from "./providers";
import "./globals.css";

const DESCRIPTION =
  "Community Datanets, models built from them, paid inference, and Proof of Attribution that routes every fee back to the data behind the answer.";

/** Static assets live in public/: the icon, the social preview image (1200×630) and robots.txt. */
export async function generateMetadata(): Promise<Metadata> {
  // Previews need absolute URLs: PUBLIC_URL when set, else the origin this request came to.
  const h = await headers();
  const host = h.get("x-forwarded-host") ?? h.get("host") ?? "localhost:3000";
  const proto = h.get("x-forwarded-proto") ?? (/^(localhost|127\.|\[::1\])/.test(host) ? "http" : "https");
  let metadataBase: URL;
  try {
    metadataBase = new URL(serverConfig().publicUrl ?? `${proto}://${host}`);
  } catch {
    metadataBase = new URL("http://localhost:3000");
  }
  const image = { url: "/og.png", width: 1200, height: 630, alt: "Ledgerline — pay the people who feed AI" };
  return {
    metadataBase,
    title: { default: "Ledgerline — pay the people who feed AI", template: "%s · Ledgerline" },
    description: DESCRIPTION,
    applicationName: "Ledgerline",
    icons: { icon: { url: "/icon.svg", type: "image/svg+xml" }, apple: "/apple-touch-icon.png" },
    openGraph: { type: "website", siteName: "Ledgerline", title: "Ledgerline — pay the people who feed AI", description: DESCRIPTION, images: [image] },
    twitter: { card: "summary_large_image", title: "Ledgerline — pay the people who feed AI", description: DESCRIPTION, images: [image] },
  };
}

export const viewport: Viewport = {
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#ffffff" },
    { media: "(prefers-color-scheme: dark)", color: "#10121a" },
  ],
  colorScheme: "light dark",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The chain config is read per request (deployment file + env), never baked into the build.
  await connection();
  const chain = loadPublicChainInfo();
  return (
    // The head script sets the theme class before paint, so the server's <html> differs from the client's.
    <html lang="en" suppressHydrationWarning>
      <head>
        <ThemeScript />
      </head>
      <body className="flex min-h-dvh flex-col">
        <Providers
          chain={chain}
          devMnemonic={chain.isLocal && chain.configured ? ANVIL_MNEMONIC : undefined}
          walletConnectProjectId={walletConnectProjectId()}
        >
          <SiteHeader chain={chain} />
          {/* The wrong-network banner, portalled here by the header's wallet once the wallet code is loaded. */}
          <div id="network-guard-slot" />
          <DeploymentNotice chain={chain} />
          <main id="main" className="flex-1">
            {children}
          </main>
          <SiteFooter chain={chain} />
        </Providers>
      </body>
    </html>
  );
}
