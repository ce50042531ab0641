import type { NextConfig } from "next";

const EMPTY = "./lib/stubs/empty.ts";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // CI (.ci/run sets CI=true) type-checks the whole tree with Next's route types (`npm run typecheck`: next typegen +
  // tsc) before it builds, and builds once from a clean clone: the build's own TypeScript pass (81 s there) and its
  // Turbopack cache (33 s to write, never read again) would only repeat work. Elsewhere both stay on.
  typescript: { ignoreBuildErrors: process.env.CI === "true" },
  experimental: { turbopackFileSystemCacheForBuild: process.env.CI !== "true" },
  // Database drivers stay plain Node modules on the server (PGlite ships a WASM build and data files), and so does
  // libsecp256k1's addon (a .node file found by node-gyp-build next to its package).
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "secp256k1"],
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
