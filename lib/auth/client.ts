/**
 * Signing in from code (seed, benchmarks, tests): the same SIWE exchange the browser does, with a
 * viem account. Returns the `cookie` header value to send with requests that need a session.
 */
import type { LocalAccount } from "viem";
import { createSiweMessage } from "viem/siwe";

export const SIGN_IN_STATEMENT = "Sign in to Ledgerline to upload contributions and review your Datanets.";

/** The EIP-4361 message the browser and these clients sign. */
export function signInMessage(opts: { origin: string; address: `0x${string}`; chainId: number; nonce: string; now?: Date; expiresAt?: Date }): string {
  const url = new URL(opts.origin);
  const now = opts.now ?? new Date();
  return createSiweMessage({
    domain: url.host,
    uri: url.origin,
    address: opts.address,
    chainId: opts.chainId,
    nonce: opts.nonce,
    version: "1",
    statement: SIGN_IN_STATEMENT,
    issuedAt: now,
    expirationTime: opts.expiresAt ?? new Date(now.getTime() + 10 * 60_000),
  });
}

export async function signInAs(baseUrl: string, account: LocalAccount, chainId: number): Promise<string> {
  const base = baseUrl.replace(/\/+$/, "");
  const nonceRes = await fetch(`${base}/api/auth/nonce`, { cache: "no-store" });
  if (!nonceRes.ok) throw new Error(`sign-in: GET /api/auth/nonce failed (${nonceRes.status}): ${await nonceRes.text()}`);
  const { nonce } = (await nonceRes.json()) as { nonce: string };
  const message = signInMessage({ origin: base, address: account.address, chainId, nonce });
  const signature = await account.signMessage({ message });
  const res = await fetch(`${base}/api/auth/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message, signature }),
  });
  if (!res.ok) throw new Error(`sign-in as ${account.address} failed (${res.status}): ${await res.text()}`);
  const cookie = res.headers.get("set-cookie")?.split(";")[0];
  if (!cookie) throw new Error("sign-in: the server set no session cookie");
  return cookie;
}
