/**
 * The browser payment through the official x402 client, against a stub server: it signs exactly the
 * quoted amount of OPEN, signs nothing when the server asks another amount, and tells a rejected
 * signature apart from other failures.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { UserRejectedRequestError, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { decodePaymentSignatureHeader, encodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentRequired } from "@x402/core/types";
import type { BrowserSigner } from "./x402-client";
import { payWithX402, type X402PaymentInput } from "./x402-payment";

const TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const MARKET = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const account = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");

const required = (amount: string): PaymentRequired => ({
  x402Version: 2,
  resource: { url: "http://localhost/api/models/1/inference" },
  accepts: [{ scheme: "exact", network: "eip155:31337", asset: TOKEN, amount, payTo: MARKET, maxTimeoutSeconds: 300, extra: { name: "Open", version: "1" } }],
});

/** A server that answers the unpaid POST with 402 at `amount`, and the paid one with 200. */
function stubServer(amount: string) {
  const paid: string[] = [];
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const header = new Request(input, init).headers.get("PAYMENT-SIGNATURE");
    if (!header) return new Response("{}", { status: 402, headers: { "PAYMENT-REQUIRED": encodePaymentRequiredHeader(required(amount)) } });
    paid.push(header);
    return new Response("event: token\ndata: {}\n\n", { status: 200 });
  });
  return paid;
}

function pay(signer: BrowserSigner, quotedAmount = "1000") {
  const events: string[] = [];
  const input: X402PaymentInput = {
    url: "http://localhost/api/models/1/inference",
    init: { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "The tiger is" }) },
    signer,
    chainId: 31337,
    token: TOKEN,
    quotedAmount,
    onSignatureRequested: () => events.push("signature-requested"),
    onSigned: () => events.push("signed"),
  };
  return { events, outcome: payWithX402(input) };
}

const wallet: BrowserSigner = { address: account.address, signTypedData: (r) => account.signTypedData(r as Parameters<typeof account.signTypedData>[0]) };

afterEach(() => vi.unstubAllGlobals());

describe("payWithX402", () => {
  it("signs the quoted amount of OPEN to the market and sends it with the retry", async () => {
    const paid = stubServer("1000");
    const { events, outcome } = pay(wallet);
    const result = await outcome;
    expect(result.kind).toBe("response");
    expect(events).toEqual(["signature-requested", "signed"]);
    expect(paid).toHaveLength(1);
    const payload = decodePaymentSignatureHeader(paid[0]);
    expect(payload.accepted).toMatchObject({ amount: "1000", asset: TOKEN, payTo: MARKET });
    expect(payload.payload).toMatchObject({ authorization: { from: account.address, to: MARKET, value: "1000" } });
  });

  it("signs nothing when the server asks another amount than the quote", async () => {
    const paid = stubServer("2000");
    const sign = vi.fn(wallet.signTypedData);
    const { events, outcome } = pay({ address: wallet.address, signTypedData: sign });
    expect(await outcome).toEqual({ kind: "price_changed", asked: "2000" });
    expect(sign).not.toHaveBeenCalled();
    expect(events).toEqual([]);
    expect(paid).toEqual([]);
  });

  it("a rejected signature is cancelled and sends nothing; another signing error is not", async () => {
    const paid = stubServer("1000");
    const rejecting: BrowserSigner = { address: wallet.address, signTypedData: async () => Promise.reject(new UserRejectedRequestError(new Error("User rejected the request."))) };
    expect(await pay(rejecting).outcome).toEqual({ kind: "cancelled" });
    const broken: BrowserSigner = { address: wallet.address, signTypedData: async (): Promise<Hex> => Promise.reject(new Error("The wallet is locked.")) };
    expect((await pay(broken).outcome).kind).toBe("sign_failed");
    expect(paid).toEqual([]);
  });

  it("a channel-only offer (no per-call scheme in the 402) is told apart, and nothing is signed or sent", async () => {
    const paid: string[] = [];
    const channelOnly: PaymentRequired = { ...required("1000"), accepts: [{ ...required("1000").accepts[0], scheme: "batch-settlement" }] };
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      const header = new Request(input, init).headers.get("PAYMENT-SIGNATURE");
      if (header) paid.push(header);
      return new Response("{}", { status: 402, headers: { "PAYMENT-REQUIRED": encodePaymentRequiredHeader(channelOnly) } });
    });
    const sign = vi.fn(wallet.signTypedData);
    expect(await pay({ address: wallet.address, signTypedData: sign }).outcome).toEqual({ kind: "channel_only" });
    expect(sign).not.toHaveBeenCalled();
    expect(paid).toEqual([]);
  });

  it("a server that cannot be reached is a network error", async () => {
    vi.stubGlobal("fetch", async () => Promise.reject(new TypeError("Failed to fetch")));
    expect(await pay(wallet).outcome).toMatchObject({ kind: "network_error" });
  });
});
