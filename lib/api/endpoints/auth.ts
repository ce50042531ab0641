/** Sign-In with Ethereum: nonce and session. */
import { z } from "zod";
import { addressOut, endpoint, named, timestamp } from "../spec";

const SessionView = named(
  "Session",
  z.object({
    address: addressOut.nullable().meta({ description: "The signed-in address; null when not signed in." }),
    chainId: z.number().int().nullable(),
    expiresAt: timestamp.nullable(),
  }),
);

export const authNonce = endpoint({
  method: "GET",
  path: "/api/auth/nonce",
  operationId: "getSignInNonce",
  tag: "Auth",
  summary: "A fresh single-use nonce for a Sign-In with Ethereum (EIP-4361) message; it expires after 10 minutes.",
  response: named("SignInNonce", z.object({ nonce: z.string(), expiresAt: timestamp })),
});

export const authSessionGet = endpoint({
  method: "GET",
  path: "/api/auth/session",
  operationId: "getSession",
  tag: "Auth",
  summary: "Who is signed in (from the session cookie).",
  response: SessionView,
});

export const authSessionCreate = endpoint({
  method: "POST",
  path: "/api/auth/session",
  operationId: "signIn",
  tag: "Auth",
  summary: "Sign in: a signed EIP-4361 message naming this site, the configured chain and an unused nonce. Sets the session cookie (httpOnly, SameSite=Lax).",
  description: "401 when the signature, domain, chain, expiry or nonce does not check out (the message says which).",
  status: 201,
  body: named(
    "SignIn",
    z.object({
      message: z.string().min(1, "is empty").max(4000, "is too long for a sign-in message"),
      signature: z.string().regex(/^0x[0-9a-fA-F]+$/, "must be 0x-prefixed hex").max(20_000, "is too long").transform((s) => s as `0x${string}`),
    }),
  ),
  response: SessionView,
});

export const authSessionDelete = endpoint({
  method: "DELETE",
  path: "/api/auth/session",
  operationId: "signOut",
  tag: "Auth",
  summary: "Sign out: clears the session cookie.",
  response: SessionView,
});
