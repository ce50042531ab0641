/**
 * Asking a Ledgerline server for a content attestation from code (seed, scripts, tests), with the session
 * cookie of lib/auth/client.ts's signInAs: what the browser's Contribute form does before `contribute`.
 */
import type { Address, Hex } from "viem";

export interface FetchedAttestation {
  datanetId: number;
  contentHash: Hex;
  uploader: Address;
  deadline: bigint;
  signature: Hex;
  attester: Address;
}

export async function fetchAttestation(baseUrl: string, cookie: string, contentHash: Hex, datanetId: bigint | number): Promise<FetchedAttestation> {
  const base = baseUrl.replace(/\/+$/, "");
  const res = await fetch(`${base}/api/content/${contentHash}/attestation`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie },
    body: JSON.stringify({ datanetId: Number(datanetId) }),
  });
  const body = (await res.json().catch(() => ({}))) as Omit<FetchedAttestation, "deadline"> & { deadline: number; error?: string; reason?: string };
  if (!res.ok) throw new Error(`attestation of ${contentHash} for Datanet #${datanetId} refused (${res.status} ${body.reason ?? ""}): ${body.error ?? "no message"}`);
  return { ...body, deadline: BigInt(body.deadline) };
}
