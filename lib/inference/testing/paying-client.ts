/**
 * The paid routes as a client sees them, for tests: a fetch that sends each request to the route handler its path
 * names (as Next would route it) and the official x402 clients paying through it.
 */
import { wrapFetchWithPayment, x402Client, x402HTTPClient } from "@x402/fetch";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { toClientEvmSigner } from "@x402/evm";
import { BatchSettlementEvmScheme as BatchClient } from "@x402/evm/batch-settlement/client";
import { keccak256, toHex, type Hex } from "viem";
import { TRANSFER_WITH_AUTHORIZATION_TYPES, type PaymentRequired } from "@/lib/payments";
import * as chargeRoute from "@/app/api/payments/batch-settlement/charges/[requestHash]/route";
import * as refundRoute from "@/app/api/payments/batch-settlement/refund/route";
import * as modelInference from "@/app/api/models/[id]/inference/route";
import * as chatCompletions from "@/app/v1/chat/completions/route";
import { account, type Market } from "./market";

type Handler = (request: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

export const BASE = "http://ledgerline.test";
export const NETWORK = "eip155:31337" as const;

/** Every request the app was sent and what it answered, in order. */
export type Wire = { method: string; path: string; signature: string | null; status: number }[];

/** The app's fetch over the paid routes; each exchange is appended to `wire` when given. */
export function appFetchFor(wire?: Wire): typeof fetch {
  return async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    const { pathname } = new URL(request.url);
    let res: Response;
    const inference = /^\/api\/models\/(\d+)\/inference$/.exec(pathname);
    if (inference) res = await (modelInference[request.method as "POST"] as Handler)(request, { params: Promise.resolve({ id: inference[1] }) });
    else if (pathname === "/v1/chat/completions") res = await (chatCompletions.POST as Handler)(request, { params: Promise.resolve({}) });
    else if (pathname === "/api/payments/batch-settlement/refund") res = await (refundRoute.GET as Handler)(request, { params: Promise.resolve({}) });
    else if (pathname.startsWith("/api/payments/batch-settlement/charges/")) {
      res = await (chargeRoute.GET as Handler)(request, { params: Promise.resolve({ requestHash: pathname.split("/").at(-1)! }) });
    } else res = new Response("not found", { status: 404 });
    wire?.push({ method: request.method, path: pathname, signature: request.headers.get("PAYMENT-SIGNATURE"), status: res.status });
    return res;
  };
}

/** A payer with the official batch-settlement client (its own channel: `salt`). */
export function batchPayer(m: Market, appFetch: typeof fetch, user: number, opts: { salt?: Hex; depositStrategy?: (c: { requestAmount: string }) => string } = {}) {
  const acct = account(user);
  const scheme = new BatchClient(toClientEvmSigner(acct as never, m.client as never), { ...(opts.salt ? { salt: opts.salt } : {}), ...(opts.depositStrategy ? { depositStrategy: opts.depositStrategy } : {}) });
  const client = new x402Client().register(NETWORK, scheme);
  client.setSpendControls({ allowedAssets: [{ network: NETWORK, asset: m.d.token }] });
  return { account: acct, scheme, client, pay: wrapFetchWithPayment(appFetch, client) };
}

/**
 * The 402 offer for POST `url`, read as the official client reads it, and the HTTP client to sign from it with
 * `client.createPaymentPayload(offer)` and send `http402.encodePaymentSignatureHeader(payload)`: a paid call without
 * the fetch wrapper's automatic 402 round trip and retry.
 */
export async function offerFor(appFetch: typeof fetch, client: x402Client, url: string) {
  const http402 = new x402HTTPClient(client);
  const unpaid = await appFetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "x" }) });
  return { http402, offer: http402.getPaymentRequiredResponse((h) => unpaid.headers.get(h), await unpaid.json()) };
}

/** A payer with the official x402 `exact` client. */
export function exactPayer(m: Market, appFetch: typeof fetch, user: number): typeof fetch {
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: account(user) as never, networks: [NETWORK] });
  client.setSpendControls({ allowedAssets: [{ network: NETWORK, asset: m.d.token }] });
  return wrapFetchWithPayment(appFetch, client);
}

/** POST /api/models/{id}/inference through `pay`. */
export const postInference = (pay: typeof fetch, modelId: number, prompt: string, params: Record<string, unknown> = {}) =>
  pay(`${BASE}/api/models/${modelId}/inference`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt, params }) });

/** A hand-made x402 `exact` PAYMENT-SIGNATURE for an offer's `exact` entry, signed by dev account `user` (valid 5 minutes). */
export async function exactPaymentHeader(m: Market, user: number, offer: PaymentRequired): Promise<string> {
  const accepted = offer.accepts.find((a) => a.scheme === "exact");
  if (!accepted) throw new Error("the offer has no exact entry");
  const signer = account(user);
  const block = await m.client.getBlock();
  const auth = { from: signer.address, to: accepted.payTo as Hex, value: BigInt(accepted.amount), validAfter: 0n, validBefore: block.timestamp + 300n, nonce: keccak256(toHex(`exact ${Math.random()}`)) };
  const extra = accepted.extra as { name: string; version: string };
  const signature = await signer.signTypedData!({
    domain: { name: extra.name, version: extra.version, chainId: Number(accepted.network.split(":")[1]), verifyingContract: accepted.asset as Hex },
    types: TRANSFER_WITH_AUTHORIZATION_TYPES,
    primaryType: "TransferWithAuthorization",
    message: auth,
  });
  const authorization = { ...auth, value: auth.value.toString(), validAfter: "0", validBefore: auth.validBefore.toString() };
  return Buffer.from(JSON.stringify({ x402Version: 2, resource: offer.resource, accepted, payload: { authorization, signature } })).toString("base64");
}
