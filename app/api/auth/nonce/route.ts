import { getDb } from "@/db/client";
import { authNonce } from "@/lib/api/endpoints";
import { limitRequest } from "@/lib/api/rate-limit";
import { json, route } from "@/lib/api/route";
import { issueNonce } from "@/lib/auth/siwe";

// Never prerendered or cached: every nonce is fresh, every session answer is per browser.
export const dynamic = "force-dynamic";

/** A single-use nonce for the next Sign-In with Ethereum message (never cached). */
export const GET = route(authNonce, async ({ request }) => {
  // Each nonce is a row: a caller gets a few a minute (shared by every instance).
  await limitRequest("auth-nonce", request);
  const issued = await issueNonce(await getDb());
  return json(authNonce.response.encode(issued), { headers: { "cache-control": "no-store" } });
});
