"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, useSyncExternalStore } from "react";
import { BaseError } from "viem";
import { useAccount, useSignMessage } from "wagmi";
import { useChainInfo } from "@/components/wallet/chain-context";
import type { SpecAt, Wire } from "@/lib/api/client";
import { shortAddress } from "@/components/format";
import { Button, type ButtonProps } from "@/components/ui/button";
import { isUserRejection } from "@/components/wallet/errors";
import { useNetworkMismatch } from "@/components/wallet/network-guard";
import { signInMessage } from "@/lib/auth/client";

/**
 * Sign-In with Ethereum in the browser: one signature of an EIP-4361 message (no transaction, no gas)
 * opens a session cookie (httpOnly; the page only learns who is signed in from GET /api/auth/session).
 * Needed for off-chain actions tied to a person: uploads and the owner's review queue.
 */

export const SESSION_QUERY_KEY = ["auth", "session"] as const;

/** GET /api/auth/session's answer, derived from its spec. */
export type SessionView = Wire<SpecAt<"/api/auth/session">>;

async function fetchSession(): Promise<SessionView> {
  const res = await fetch("/api/auth/session", { cache: "no-store" });
  if (!res.ok) throw new Error(`Could not read the session (HTTP ${res.status}).`);
  return (await res.json()) as SessionView;
}

const noSubscribe = () => () => {};

/** The signed-in session, and whether it belongs to the connected wallet. */
export function useSession() {
  const { address, status } = useAccount();
  // The cookie is per browser: read it after hydration only (the server render knows no wallet).
  const hydrated = useSyncExternalStore(noSubscribe, () => true, () => false);
  const query = useQuery({ queryKey: SESSION_QUERY_KEY, queryFn: fetchSession, enabled: hydrated, staleTime: 60_000 });
  const signedInAs = query.data?.address ?? null;
  const signedIn = status === "connected" && !!address && !!signedInAs && signedInAs.toLowerCase() === address.toLowerCase();
  return { signedInAs, signedIn, loading: !hydrated || query.isPending, error: query.error, refetch: query.refetch };
}

export interface SignInFailure {
  title: string;
  message: string;
  /** Nothing went wrong: the person cancelled. */
  soft?: boolean;
}

/** Ask the connected wallet to sign in; resolves true once the session cookie is set. */
export function useSignIn() {
  const chain = useChainInfo();
  const { address } = useAccount();
  const { signMessageAsync } = useSignMessage();
  const queryClient = useQueryClient();
  const [state, setState] = useState<"idle" | "signing" | "verifying">("idle");
  const [failure, setFailure] = useState<SignInFailure | null>(null);

  async function signIn(): Promise<boolean> {
    if (!address) return false;
    setFailure(null);
    try {
      setState("verifying");
      const nonceRes = await fetch("/api/auth/nonce", { cache: "no-store" });
      const nonceBody = (await nonceRes.json().catch(() => ({}))) as { nonce?: string; error?: string };
      if (!nonceRes.ok || !nonceBody.nonce) throw new Error(nonceBody.error ?? `Could not start signing in (HTTP ${nonceRes.status}).`);
      const message = signInMessage({ origin: window.location.origin, address, chainId: chain.chainId, nonce: nonceBody.nonce });
      setState("signing");
      const signature = await signMessageAsync({ message });
      setState("verifying");
      const res = await fetch("/api/auth/session", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ message, signature }),
      });
      const body = (await res.json().catch(() => ({}))) as SessionView & { error?: string };
      if (!res.ok) throw new Error(body.error ?? `Signing in failed (HTTP ${res.status}).`);
      queryClient.setQueryData(SESSION_QUERY_KEY, { address: body.address, chainId: body.chainId, expiresAt: body.expiresAt });
      return true;
    } catch (err) {
      setFailure(
        isUserRejection(err)
          ? { soft: true, title: "Sign-in cancelled", message: "You rejected the sign-in signature: you are not signed in, and nothing was sent or stored." }
          : { title: "Could not sign in", message: err instanceof BaseError ? err.shortMessage : String((err as Error)?.message ?? err) },
      );
      return false;
    } finally {
      setState("idle");
    }
  }

  return { signIn, state, busy: state !== "idle", failure, clearFailure: () => setFailure(null) };
}

export function useSignOut() {
  const queryClient = useQueryClient();
  return async () => {
    await fetch("/api/auth/session", { method: "DELETE" }).catch(() => undefined);
    queryClient.setQueryData(SESSION_QUERY_KEY, { address: null, chainId: null, expiresAt: null });
  };
}

/** "Sign in" with the connected wallet; the label says what is waiting for the person. */
export function SignInButton({
  signIn,
  onSignIn,
  label = "Sign in with your wallet",
  ...props
}: {
  signIn: ReturnType<typeof useSignIn>;
  /** What the click does instead of signing in alone (e.g. sign in, then upload). */
  onSignIn?: () => Promise<unknown>;
  label?: string;
} & Omit<ButtonProps, "onClick">) {
  const { wrong } = useNetworkMismatch();
  return (
    <Button {...props} onClick={() => void (onSignIn ? onSignIn() : signIn.signIn())} disabled={props.disabled || signIn.busy || wrong} aria-busy={signIn.busy}>
      {signIn.state === "signing" ? "Waiting for signature…" : signIn.state === "verifying" ? "Signing in…" : label}
    </Button>
  );
}

/** The wallet area's "Signed in as 0x… · Sign out" (nothing when no one is signed in). */
export function SessionStatus() {
  const { signedInAs, signedIn } = useSession();
  const signOut = useSignOut();
  if (!signedInAs) return null;
  return (
    <span className="hidden items-center gap-1.5 text-xs text-muted-foreground lg:inline-flex" data-testid="session-status">
      <span title={signedIn ? "Signed in with this wallet (Sign-In with Ethereum)" : "Signed in with another account than the connected one"}>
        Signed in as <span className="font-mono text-foreground">{shortAddress(signedInAs)}</span>
        {signedIn ? null : " (not the connected account)"}
      </span>
      <Button variant="ghost" size="sm" className="h-7 px-2" onClick={() => void signOut()}>
        Sign out
      </Button>
    </span>
  );
}
