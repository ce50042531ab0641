/**
 * x402 v2 end to end on a real anvil: a tiny node:http server whose handler uses lib/payments the way the
 * inference routes do, paid by the official client (@x402/fetch + @x402/evm) unchanged.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keccak256, parseUnits, toHex, type Address, type Hex, type LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { wrapFetchWithPayment, x402Client, decodePaymentResponseHeader } from "@x402/fetch";
import { decodePaymentRequiredHeader, decodePaymentSignatureHeader } from "@x402/core/http";
import type { PaymentRequired as CorePaymentRequired, PaymentPayload as CorePaymentPayload } from "@x402/core/types";
import { ExactEvmScheme, registerExactEvmScheme } from "@x402/evm/exact/client";
import OpenAI from "openai";
import { inferenceMarketAbi, modelRegistryAbi, openTokenAbi } from "@/contracts-abi";
import { devAccount } from "@/lib/chain/anvil";
import type { Eip3009Authorization } from "@/lib/chain/eip3009";
import { operatorWallet } from "@/lib/chain/operator";
import { PaymentError } from "./errors";
import { inferenceRequestSchema, requestHashOf } from "./request";
import {
  TRANSFER_WITH_AUTHORIZATION_TYPES,
  paymentRequirements,
  readPaymentHeader,
  submitAuthorization,
  tokenDomain,
  verifyAuthorization,
} from "./exact";
import {
  PAYMENT_SIGNATURE_HEADER,
  paymentErrorResponse,
  paymentRequiredResponse,
  paymentResponseHeader,
  type PaymentRequired,
} from "./x402";
import { INITIAL_PRICE, setupPayments, type PaymentsFixture } from "./test-fixture";

let f: PaymentsFixture;
let server: http.Server;
let url: string;
const PAYER = 5;
const payer = devAccount(PAYER);
const operator = () => operatorWallet({ chainId: f.chainId, rpcUrl: f.anvil.rpcUrl });

/** Requirements at the model's current price, as the route builds them. */
async function requirementsFor(resource: string): Promise<PaymentRequired> {
  const { name, version } = await tokenDomain(f.client, f.deployment.token, f.chainId);
  return paymentRequirements({
    chainId: f.chainId,
    token: f.deployment.token,
    tokenName: name,
    tokenVersion: version,
    market: f.deployment.inferenceMarket,
    price: await f.price(),
    resource,
    description: "One inference of model 1",
  });
}

/**
 * The paid part of a route, written the way app/api/models/[id]/inference and app/v1/chat/completions
 * would be: no header → 402; header → verify → submit → 200 with PAYMENT-RESPONSE.
 */
async function paidRoute(request: Request, input: { prompt: string; params: Record<string, unknown> }, answer: (paid: { requestId: bigint; requestHash: Hex; txHash: Hex }) => unknown): Promise<Response> {
  const modelId = Number(f.modelId);
  const requirements = await requirementsFor(request.url);
  try {
    const payload = readPaymentHeader(request);
    if (!payload) return paymentRequiredResponse(requirements);
    const auth = await verifyAuthorization({ payload, requirements, publicClient: f.client, chainId: f.chainId });
    // One authorization = one request: the authorization's nonce is the request nonce.
    const requestHash = requestHashOf({ modelId, prompt: input.prompt, params: input.params, nonce: auth.nonce });
    const paid = await submitAuthorization({
      auth,
      modelId,
      requestHash,
      publicClient: f.client,
      operator: operator(),
      market: f.deployment.inferenceMarket,
    });
    const [name, value] = paymentResponseHeader({ txHash: paid.txHash, payer: paid.payer, chainId: f.chainId, requestId: paid.requestId, amount: paid.price });
    return Response.json(answer({ requestId: paid.requestId, requestHash, txHash: paid.txHash }), {
      headers: { [name]: value, "Access-Control-Expose-Headers": "PAYMENT-RESPONSE" },
    });
  } catch (e) {
    if (e instanceof PaymentError) return paymentErrorResponse(e, requirements);
    throw e;
  }
}

async function route(request: Request): Promise<Response> {
  const body: unknown = await request.json().catch(() => null);
  if (new URL(request.url).pathname === "/v1/chat/completions") {
    const messages = (body as { messages?: { role: string; content: string }[] } | null)?.messages ?? [];
    const prompt = messages.filter((m) => m.role === "user").map((m) => m.content).join("\n");
    return paidRoute(request, { prompt, params: {} }, (paid) => ({
      id: `chatcmpl-${paid.requestId}`,
      object: "chat.completion",
      created: 0,
      model: "ledgerline-1",
      choices: [{ index: 0, message: { role: "assistant", content: "…" }, finish_reason: "stop", logprobs: null }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      request_id: paid.requestId.toString(),
    }));
  }
  const parsed = inferenceRequestSchema.safeParse(body);
  if (!parsed.success) return Response.json({ error: parsed.error.issues[0].message, reason: "invalid_request" }, { status: 400 });
  return paidRoute(request, parsed.data, (paid) => ({ requestId: paid.requestId.toString(), requestHash: paid.requestHash, txHash: paid.txHash, output: "…" }));
}

async function startServer(handler: (r: Request) => Promise<Response>): Promise<{ server: http.Server; url: string }> {
  const srv = http.createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === "string") headers.set(k, v);
        else if (Array.isArray(v)) for (const x of v) headers.append(k, x);
      }
      const { port } = srv.address() as AddressInfo;
      const request = new Request(`http://127.0.0.1:${port}${req.url}`, {
        method: req.method,
        headers,
        body: req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks),
      });
      const response = await handler(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (e) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(e instanceof Error ? e.stack : String(e));
    }
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port } = srv.address() as AddressInfo;
  return { server: srv, url: `http://127.0.0.1:${port}/api/models/1/inference` };
}

/** The official client, configured as a user would for a non-default token (OPEN on anvil). */
function officialFetch(account: LocalAccount, sent: string[] = [], configure?: (c: x402Client) => void) {
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: account, networks: [`eip155:${f.chainId}`] });
  // OPEN is not one of x402's default (USD stablecoin) assets: opt in, as spendControls require.
  client.setSpendControls({ allowedAssets: [{ network: `eip155:${f.chainId}`, asset: f.deployment.token }] });
  configure?.(client);
  const recording = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const header = req.headers.get(PAYMENT_SIGNATURE_HEADER);
    if (header) sent.push(header);
    return fetch(req);
  }) as typeof fetch;
  return wrapFetchWithPayment(recording, client);
}

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

async function snapshot(who: Address) {
  return {
    requests: await f.requestCount(),
    payer: await f.balanceOf(who),
    market: await f.balanceOf(f.deployment.inferenceMarket),
  };
}

async function reasonOf(res: Response): Promise<{ status: number; reason: string; error: string }> {
  const body = (await res.json()) as { reason: string; error: string };
  return { status: res.status, reason: body.reason, error: body.error };
}

async function reasonOrOk(res: Response): Promise<string> {
  if (res.status === 200) return "ok";
  return (await reasonOf(res)).reason;
}

type AuthFields = Eip3009Authorization;

/** A v2 payment header signed by hand with viem (same typed data as @x402/evm). */
async function signedHeader(
  account: LocalAccount,
  over: Partial<AuthFields> & { network?: string; domainChainId?: number; amount?: string } = {},
): Promise<{ header: string; auth: AuthFields }> {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const price = await f.price();
  const auth: AuthFields = {
    from: account.address,
    to: f.deployment.inferenceMarket,
    value: price,
    validAfter: 0n,
    validBefore: now + 300n,
    nonce: keccak256(toHex(`nonce ${Math.random()}`)),
    ...over,
  };
  const signature = await account.signTypedData({
    domain: { name: "Open", version: "1", chainId: over.domainChainId ?? f.chainId, verifyingContract: f.deployment.token },
    types: TRANSFER_WITH_AUTHORIZATION_TYPES,
    primaryType: "TransferWithAuthorization",
    message: auth,
  });
  const requirements = (await requirementsFor(url)).accepts[0];
  const payload: CorePaymentPayload = {
    x402Version: 2,
    resource: { url },
    accepted: { ...requirements, network: (over.network ?? requirements.network) as `${string}:${string}`, amount: over.amount ?? requirements.amount },
    payload: {
      authorization: {
        from: auth.from,
        to: auth.to,
        value: auth.value.toString(),
        validAfter: auth.validAfter.toString(),
        validBefore: auth.validBefore.toString(),
        nonce: auth.nonce,
      },
      signature,
    },
  };
  return { header: Buffer.from(JSON.stringify(payload)).toString("base64"), auth };
}

beforeAll(async () => {
  f = await setupPayments();
  await f.faucet(payer.address, parseUnits("100", 18));
  ({ server, url } = await startServer(route));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await f?.stop();
});

describe("x402 v2 wire format", () => {
  it("answers an unpaid request with 402, the PAYMENT-REQUIRED header and a JSON body", async () => {
    const res = await post({ prompt: "hello" });
    expect(res.status).toBe(402);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("access-control-expose-headers")).toMatch(/PAYMENT-REQUIRED/);
    const header: CorePaymentRequired = decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!);
    // Our types are the official ones, narrowed.
    const offer: CorePaymentRequired = await requirementsFor(url);
    expect(header.accepts).toEqual(offer.accepts);
    expect(header).toEqual({
      x402Version: 2,
      error: "Payment required",
      resource: { url, description: "One inference of model 1", mimeType: "application/json" },
      accepts: [
        {
          scheme: "exact",
          network: `eip155:${f.chainId}`,
          asset: f.deployment.token,
          amount: INITIAL_PRICE.toString(),
          payTo: f.deployment.inferenceMarket,
          maxTimeoutSeconds: 300,
          extra: { name: "Open", version: "1" },
        },
      ],
    });
    const body = await res.json();
    expect(body).toEqual({ ...header, reason: "payment_required" });
  });

  it("reads no payment from a request without the header", () => {
    expect(readPaymentHeader(new Request(url))).toBeNull();
  });
});

describe("paying with the official x402 client", () => {
  let paidHeader: string;

  it("pays unchanged and gets 200; the request is Paid on-chain with the price in escrow", async () => {
    const before = await snapshot(payer.address);
    const escrowBefore = await f.client.readContract({ address: f.deployment.inferenceMarket, abi: inferenceMarketAbi, functionName: "totalEscrow" });
    const sent: string[] = [];
    const res = await officialFetch(payer, sent)(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: "What is a Datanet?", params: { maxTokens: 16, seed: 3 } }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { requestId: string; requestHash: Hex; txHash: Hex };
    expect(sent).toHaveLength(1);
    paidHeader = sent[0];

    // What the client sent: a v2 PaymentPayload with an EIP-3009 authorization signed as bytes.
    const payload = decodePaymentSignatureHeader(paidHeader) as CorePaymentPayload & {
      payload: { authorization: Record<string, string>; signature: Hex };
    };
    expect(payload.x402Version).toBe(2);
    expect(payload.accepted.scheme).toBe("exact");
    expect(payload.payload.authorization.validAfter).toBe("0");
    expect(payload.payload.signature).toMatch(/^0x[0-9a-f]{130}$/);

    // The settlement header the client reads.
    const settle = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!);
    expect(settle).toEqual({
      success: true,
      transaction: body.txHash,
      network: `eip155:${f.chainId}`,
      payer: payer.address,
      amount: INITIAL_PRICE.toString(),
      extra: { requestId: body.requestId },
    });

    // One authorization = one request: the hash commits to the authorization's nonce.
    const expectedHash = requestHashOf({
      modelId: 1,
      prompt: "What is a Datanet?",
      params: { maxTokens: 16, seed: "3" },
      nonce: payload.payload.authorization.nonce as Hex,
    });
    expect(body.requestHash).toBe(expectedHash);
    const r = await f.client.readContract({ address: f.deployment.inferenceMarket, abi: inferenceMarketAbi, functionName: "getRequest", args: [BigInt(body.requestId)] });
    expect(r.status).toBe(1);
    expect(r.payer).toBe(payer.address);
    expect(r.price).toBe(INITIAL_PRICE);
    expect(r.modelId).toBe(1n);
    expect(r.requestHash).toBe(expectedHash);

    const after = await snapshot(payer.address);
    expect(after.requests).toBe(before.requests + 1n);
    expect(after.payer).toBe(before.payer - INITIAL_PRICE);
    expect(after.market).toBe(before.market + INITIAL_PRICE);
    const escrowAfter = await f.client.readContract({ address: f.deployment.inferenceMarket, abi: inferenceMarketAbi, functionName: "totalEscrow" });
    expect(escrowAfter - escrowBefore).toBe(INITIAL_PRICE);
  });

  it("refuses a replayed payment header (same or different prompt): 402 authorization_used, nothing charged", async () => {
    const before = await snapshot(payer.address);
    for (const prompt of ["What is a Datanet?", "Another prompt"]) {
      const res = await post({ prompt, params: { maxTokens: 16, seed: 3 } }, { [PAYMENT_SIGNATURE_HEADER]: paidHeader });
      expect(res.status).toBe(402);
      const required = decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!);
      expect(required.error).toMatch(/already used/);
      expect((await reasonOf(res)).reason).toBe("authorization_used");
    }
    expect(await snapshot(payer.address)).toEqual(before);
  });

  it("front-running: someone submits the payer's authorization to the token first; the market adopts it, the payer is served once and charged once", async () => {
    const before = await snapshot(payer.address);
    const { header, auth } = await signedHeader(payer);
    // The attacker copies the authorization (as from the operator's pending transaction) and sends it to OPEN.
    const attacker = devAccount(9);
    const attackerBefore = await f.balanceOf(attacker.address);
    const signature = decodePaymentSignatureHeader(header).payload.signature as Hex;
    await f.send(
      await f.wallet(9).writeContract({
        address: f.deployment.token,
        abi: openTokenAbi,
        functionName: "transferWithAuthorization",
        args: [auth.from, auth.to, auth.value, auth.validAfter, auth.validBefore, auth.nonce, signature],
      }),
    );
    // The payer's OPEN sits in the market unaccounted for, until the request is opened from it.
    expect(await f.client.readContract({ address: f.deployment.inferenceMarket, abi: inferenceMarketAbi, functionName: "surplus" })).toBe(auth.value);

    const res = await post({ prompt: "front-run me", params: { maxTokens: 8 } }, { [PAYMENT_SIGNATURE_HEADER]: header });
    expect(res.status).toBe(200);
    const after = await snapshot(payer.address);
    expect(after.requests).toBe(before.requests + 1n);
    expect(after.payer).toBe(before.payer - auth.value);
    expect(after.market).toBe(before.market + auth.value);
    expect(await f.balanceOf(attacker.address)).toBe(attackerBefore);
    expect(await f.client.readContract({ address: f.deployment.inferenceMarket, abi: inferenceMarketAbi, functionName: "surplus" })).toBe(0n);
    const r = await f.client.readContract({ address: f.deployment.inferenceMarket, abi: inferenceMarketAbi, functionName: "getRequest", args: [after.requests] });
    expect(r).toMatchObject({ payer: payer.address, price: auth.value, status: 1 });

    // The same authorization cannot open a second (unfunded) request.
    const again = await post({ prompt: "and again", params: { maxTokens: 8 } }, { [PAYMENT_SIGNATURE_HEADER]: header });
    expect(await reasonOf(again)).toMatchObject({ status: 402, reason: "authorization_used" });
    expect(await snapshot(payer.address)).toEqual(after);
  });

  it("refuses a request hash that was already paid: 409 request_replayed", async () => {
    const before = await snapshot(payer.address);
    const first = await f.client.readContract({ address: f.deployment.inferenceMarket, abi: inferenceMarketAbi, functionName: "getRequest", args: [before.requests] });
    const { header } = await signedHeader(payer);
    const requirements = await requirementsFor(url);
    const auth = await verifyAuthorization({ payload: readPaymentHeader(new Request(url, { headers: { [PAYMENT_SIGNATURE_HEADER]: header } }))!, requirements, publicClient: f.client, chainId: f.chainId });
    const err = await submitAuthorization({
      auth,
      modelId: 1,
      requestHash: first.requestHash,
      publicClient: f.client,
      operator: operator(),
      market: f.deployment.inferenceMarket,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaymentError);
    expect(err).toMatchObject({ status: 409, reason: "request_replayed" });
    expect(await snapshot(payer.address)).toEqual(before);
  });

  it("charges once when the same header arrives twice at the same time", async () => {
    const before = await snapshot(payer.address);
    const { header } = await signedHeader(payer);
    const results = await Promise.all(
      ["twice", "twice", "other"].map((prompt) => post({ prompt }, { [PAYMENT_SIGNATURE_HEADER]: header }).then(reasonOrOk)),
    );
    expect(results.filter((r) => r === "ok")).toHaveLength(1);
    for (const r of results.filter((r) => r !== "ok")) expect(["payment_in_progress", "authorization_used", "request_replayed"]).toContain(r);
    const after = await snapshot(payer.address);
    expect(after.requests).toBe(before.requests + 1n);
    expect(after.payer).toBe(before.payer - INITIAL_PRICE);
  });

  it("refuses an expired authorization: 402 authorization_expired", async () => {
    const before = await snapshot(payer.address);
    const block = await f.client.getBlock();
    const { header } = await signedHeader(payer, { validBefore: block.timestamp - 10n });
    const res = await post({ prompt: "late" }, { [PAYMENT_SIGNATURE_HEADER]: header });
    expect(await reasonOf(res)).toMatchObject({ status: 402, reason: "authorization_expired" });
    expect(await snapshot(payer.address)).toEqual(before);
  });

  it("refuses an authorization that is not valid yet: 402 authorization_not_yet_valid", async () => {
    const before = await snapshot(payer.address);
    const { header } = await signedHeader(payer, { validAfter: BigInt(Math.floor(Date.now() / 1000)) + 3600n, validBefore: BigInt(Math.floor(Date.now() / 1000)) + 7200n });
    const res = await post({ prompt: "early" }, { [PAYMENT_SIGNATURE_HEADER]: header });
    expect(await reasonOf(res)).toMatchObject({ status: 402, reason: "authorization_not_yet_valid" });
    expect(await snapshot(payer.address)).toEqual(before);
  });

  it("refuses a payment for another chain: 402 wrong_network", async () => {
    const before = await snapshot(payer.address);
    const { header } = await signedHeader(payer, { network: "eip155:1", domainChainId: 1 });
    const res = await post({ prompt: "mainnet?" }, { [PAYMENT_SIGNATURE_HEADER]: header });
    const r = await reasonOf(res);
    expect(r).toMatchObject({ status: 402, reason: "wrong_network" });
    expect(r.error).toContain(`eip155:${f.chainId}`);
    expect(await snapshot(payer.address)).toEqual(before);
  });

  it("refuses a signature by someone else: 402 invalid_signature", async () => {
    const before = await snapshot(payer.address);
    const { header } = await signedHeader(privateKeyToAccount(generatePrivateKey()), { from: payer.address });
    const res = await post({ prompt: "forged" }, { [PAYMENT_SIGNATURE_HEADER]: header });
    expect(await reasonOf(res)).toMatchObject({ status: 402, reason: "invalid_signature" });
    expect(await snapshot(payer.address)).toEqual(before);
  });

  it("refuses a payment signed for the old price after setPrice: 402 price_changed with the new price", async () => {
    const newPrice = parseUnits("2", 18);
    const before = await snapshot(payer.address);
    const fetchPaying = officialFetch(payer, [], (c) =>
      // Between the quote (402) and the paid retry, the builder changes the price.
      c.onAfterPaymentCreation(async () => {
        await f.setPrice(newPrice);
      }),
    );
    try {
      const res = await fetchPaying(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "cheap?" }) });
      expect(res.status).toBe(402);
      const required = decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!);
      expect(required.accepts[0].amount).toBe(newPrice.toString());
      const r = await reasonOf(res);
      expect(r.reason).toBe("price_changed");
      expect(r.error).toContain("2 OPEN");
      expect(await snapshot(payer.address)).toEqual(before);
    } finally {
      await f.setPrice(INITIAL_PRICE);
    }
  });

  it("refuses malformed payment headers with 400 malformed_payment", async () => {
    const before = await snapshot(payer.address);
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const bad = [
      "not base64 !!!",
      b64("hello, not json"),
      b64("[1,2]"),
      b64(JSON.stringify({ x402Version: 2, hello: "world" })),
      b64(JSON.stringify({ x402Version: 2, accepted: {}, payload: { authorization: {}, signature: "0x" } })),
    ];
    for (const header of bad) {
      const res = await post({ prompt: "p" }, { [PAYMENT_SIGNATURE_HEADER]: header });
      const r = await reasonOf(res);
      expect(r, header).toMatchObject({ status: 400, reason: "malformed_payment" });
      expect(r.error).toMatch(/PAYMENT-SIGNATURE header is malformed/);
    }
    // A v1 payment is well-formed but of the wrong version: pay again with v2.
    const v1 = await post({ prompt: "p" }, { "X-PAYMENT": b64(JSON.stringify({ x402Version: 1, scheme: "exact", network: "base", payload: {} })) });
    expect(await reasonOf(v1)).toMatchObject({ status: 402, reason: "unsupported_x402_version" });
    expect(await snapshot(payer.address)).toEqual(before);
  });

  it("refuses a payer without OPEN: 402 insufficient_funds, saying how to get OPEN", async () => {
    const poor = devAccount(7);
    const before = await snapshot(poor.address);
    expect(before.payer).toBe(0n);
    const res = await officialFetch(poor)(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "free?" }) });
    const r = await reasonOf(res);
    expect(r).toMatchObject({ status: 402, reason: "insufficient_funds" });
    expect(r.error).toMatch(/faucet/);
    expect(await snapshot(poor.address)).toEqual(before);
  });

  it("pays again with a fresh authorization after the refusals", async () => {
    const before = await snapshot(payer.address);
    const res = await officialFetch(payer)(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "again" }) });
    expect(res.status).toBe(200);
    const after = await snapshot(payer.address);
    expect(after.requests).toBe(before.requests + 1n);
    expect(after.payer).toBe(before.payer - INITIAL_PRICE);
  });

  it("lets the openai client pay through the official fetch wrapper", async () => {
    const before = await snapshot(payer.address);
    const openai = new OpenAI({ baseURL: new URL("/v1", url).toString(), apiKey: "unused", maxRetries: 0, fetch: officialFetch(payer) });
    const completion = await openai.chat.completions.create({ model: "ledgerline-1", messages: [{ role: "user", content: "Hello" }] });
    expect(completion.choices[0].message.content).toBe("…");
    const after = await snapshot(payer.address);
    expect(after.requests).toBe(before.requests + 1n);
    expect(after.payer).toBe(before.payer - INITIAL_PRICE);
  });

  it("also works with ExactEvmScheme registered by hand", async () => {
    const client = new x402Client()
      .register(`eip155:${f.chainId}`, new ExactEvmScheme(payer))
      .setSpendControls({ allowedAssets: [{ network: `eip155:${f.chainId}`, asset: f.deployment.token }] });
    const res = await wrapFetchWithPayment(fetch, client)(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "by hand" }) });
    expect(res.status).toBe(200);
  });
});

describe("submitAuthorization maps contract refusals (checks skipped or raced)", () => {
  const submitRaw = async (over: Partial<AuthFields>, requestHash: Hex = keccak256(toHex(`r ${Math.random()}`))) => {
    const { header } = await signedHeader(payer, over);
    const payload = readPaymentHeader(new Request(url, { headers: { [PAYMENT_SIGNATURE_HEADER]: header } }))!;
    const a = payload.payload.authorization;
    const auth = {
      from: a.from as Address,
      to: a.to as Address,
      value: BigInt(a.value),
      validAfter: BigInt(a.validAfter),
      validBefore: BigInt(a.validBefore),
      nonce: a.nonce as Hex,
      signature: payload.payload.signature as Hex,
    };
    return submitAuthorization({ auth, modelId: 1, requestHash, publicClient: f.client, operator: operator(), market: f.deployment.inferenceMarket }).catch(
      (e: unknown) => e,
    );
  };

  it("maps the token's EIP-3009 errors that bubble up through the market", async () => {
    const before = await snapshot(payer.address);
    const block = await f.client.getBlock();
    expect(await submitRaw({ validBefore: block.timestamp - 1n })).toMatchObject({ status: 402, reason: "authorization_expired" });
    expect(await submitRaw({ validAfter: block.timestamp + 3600n, validBefore: block.timestamp + 7200n })).toMatchObject({
      status: 402,
      reason: "authorization_not_yet_valid",
    });
    expect(await submitRaw({ value: INITIAL_PRICE - 1n })).toMatchObject({ status: 402, reason: "price_changed" });
    expect(await snapshot(payer.address)).toEqual(before);
  });

  it("maps an inactive model to 422 model_inactive", async () => {
    const builder = f.wallet(1);
    const setActive = async (active: boolean) =>
      f.send(await builder.writeContract({ address: f.deployment.modelRegistry, abi: modelRegistryAbi, functionName: "setActive", args: [1n, active] }));
    await setActive(false);
    try {
      expect(await submitRaw({})).toMatchObject({ status: 422, reason: "model_inactive" });
    } finally {
      await setActive(true);
    }
  });
});
