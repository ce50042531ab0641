import { getDb } from "@/db/client";
import { authSessionCreate, authSessionDelete, authSessionGet } from "@/lib/api/endpoints";
import { json, route } from "@/lib/api/route";
import { signInChain } from "@/lib/auth/server";
import { clearSessionCookie, encodeSession, readSession, sessionCookie, sessionSecret, SESSION_TTL_SECONDS } from "@/lib/auth/session";
import { expectedDomains, signIn } from "@/lib/auth/siwe";

// Never prerendered or cached: every nonce is fresh, every session answer is per browser.
export const dynamic = "force-dynamic";

const noStore = { "cache-control": "no-store" };
const signedOut = { address: null, chainId: null, expiresAt: null };

/** Who is signed in. */
export const GET = route(authSessionGet, async ({ request }) => {
  const session = await readSession(await getDb(), request);
  const view = session ? { address: session.address, chainId: session.chainId, expiresAt: session.expiresAt } : signedOut;
  return json(authSessionGet.response.encode(view), { headers: noStore });
});

/** Sign in: verify the SIWE message and signature, consume the nonce, set the session cookie. */
export const POST = route(authSessionCreate, async ({ request, body }) => {
  const db = await getDb();
  // A refused sign-in is a SignInError (401 sign_in_<reason>), answered by route().
  const session = await signIn(db, body, { domains: () => expectedDomains(request), chain: signInChain });
  const cookie = encodeSession(session, await sessionSecret(db));
  return json(authSessionCreate.response.encode({ address: session.address, chainId: session.chainId, expiresAt: session.expiresAt }), {
    status: authSessionCreate.status,
    headers: { ...noStore, "set-cookie": sessionCookie(request, cookie, SESSION_TTL_SECONDS) },
  });
});

/** Sign out (the cookie is the whole session: clearing it ends it in this browser). */
export const DELETE = route(authSessionDelete, async ({ request }) => {
  return json(authSessionDelete.response.encode(signedOut), { headers: { ...noStore, "set-cookie": clearSessionCookie(request) } });
});
