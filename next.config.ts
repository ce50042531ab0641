import type { NextConfig } from "next";

const EMPTY = "./lib/stubs/empty.ts";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // Database drivers stay plain Node modules on the server (PGlite ships a WASM build and data files).
  serverExternalPackages: ["@electric-sql/pglite", "postgres"],
  turbopack: {
    resolveAlias: {
      // Optional Node-only modules referenced by WalletConnect/MetaMask SDK logging and storage; RainbowKit's
      // docs mark them webpack externals. Turbopack resolves them to an empty module instead.
      "pino-pretty": EMPTY,
      lokijs: EMPTY,
      encoding: EMPTY,
      // Reached only through wagmi's Base Account connector (unused); its optional @x402/* peers are absent.
      "@coinbase/cdp-sdk": "./lib/stubs/coinbase-cdp-sdk.ts",
    },
  },
};

export default nextConfig;
