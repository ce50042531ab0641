/**
 * Stand-in for `@coinbase/cdp-sdk` (see next.config.ts `turbopack.resolveAlias`). RainbowKit → wagmi's
 * Base Account connector → `@base-org/account` imports it for server-side subscription wallets, which
 * Ledgerline never uses; the real package drags in optional `@x402/*` peers that are not installed.
 */
export class CdpClient {
  constructor() {
    throw new Error("@coinbase/cdp-sdk is not bundled in the Ledgerline web app.");
  }
}
