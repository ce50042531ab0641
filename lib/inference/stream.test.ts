/**
 * The Playground's streaming inference, `POST /api/models/{id}/inference` with `Accept: text/event-stream`,
 * called through the route handler against a real anvil, real database and models built by the Model
 * Factory (lib/inference/testing/market.ts), paid with hand-signed x402 (EIP-3009) authorizations.
 */
import { inferenceMarketAbi } from "@/contracts-abi";
import { eq } from "drizzle-orm";
import { keccak256, toHex, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTokenAbi } from "@/contracts-abi";
import * as inferenceGet from "@/app/api/inferences/[id]/route";
import * as modelInference from "@/app/api/models/[id]/inference/route";
import * as t from "@/db/schema";
import { decodeRecord } from "@/lib/attribution/record";
import { TRANSFER_WITH_AUTHORIZATION_TYPES } from "@/lib/payments";
import { readRequest, REQUEST_STATUS } from "./onchain";
import { account, ROLES, serveRoutesFrom, setupMarket, type Market } from "./testing/market";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Handler = (request: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

const [user1, user2] = ROLES.users;

/** Server-sent events as [event, data] pairs, in order. */
function parseEvents(text: string): [string, Json][] {
  return text
    .split("\n\n")
    .filter((block) => block.trim())
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message";
      const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      return [event, JSON.parse(data) as Json];
    });
}

describe("streaming a paid inference to the Playground", () => {
  let m: Market;
  let unserve: (() => void) | undefined;
  const url = (modelId: number) => `http://test/api/models/${modelId}/inference`;
  const call = (mod: Record<string, unknown>, method: "GET" | "POST", href: string, id: number, init?: RequestInit) =>
    (mod[method] as Handler)(new Request(href, { method, ...init }), { params: Promise.resolve({ id: String(id) }) });

  /** A PAYMENT-SIGNATURE header for the model's quoted price, signed by dev account `user`. */
  async function paymentHeader(user: number, modelId: number): Promise<string> {
    const quote = (await (await call(modelInference, "GET", url(modelId), modelId)).json()) as Json;
    const accepted = quote.x402.accepts[0];
    const signer = account(user);
    const block = await m.client.getBlock();
    const auth = {
      from: signer.address,
      to: accepted.payTo as Hex,
      value: BigInt(accepted.amount),
      validAfter: 0n,
      validBefore: block.timestamp + 300n,
      nonce: keccak256(toHex(`stream test ${Math.random()}`)),
    };
    const signature = await signer.signTypedData!({
      domain: { name: accepted.extra.name, version: accepted.extra.version, chainId: quote.chainId, verifyingContract: accepted.asset },
      types: TRANSFER_WITH_AUTHORIZATION_TYPES,
      primaryType: "TransferWithAuthorization",
      message: auth,
    });
    const payload = {
      x402Version: 2,
      resource: quote.x402.resource,
      accepted,
      payload: { authorization: { ...auth, value: auth.value.toString(), validAfter: "0", validBefore: auth.validBefore.toString() }, signature },
    };
    return Buffer.from(JSON.stringify(payload)).toString("base64");
  }

  const streamed = (modelId: number, header: string, prompt: string, params: Record<string, unknown> = {}) =>
    call(modelInference, "POST", url(modelId), modelId, {
      headers: { accept: "text/event-stream", "content-type": "application/json", "PAYMENT-SIGNATURE": header },
      body: JSON.stringify({ prompt, params }),
    });

  const balanceOf = (user: number) => m.client.readContract({ address: m.d.token, abi: openTokenAbi, functionName: "balanceOf", args: [account(user).address] });

  beforeAll(async () => {
    m = await setupMarket("pglite");
    unserve = serveRoutesFrom(m);
  }, 180_000);
  afterAll(async () => {
    unserve?.();
    await m?.close();
  });

  it("streams payment, the generated tokens, the answer with traced spans, then the settlement after its receipt", async () => {
    const header = await paymentHeader(user1, m.models.gramA);
    const res = await streamed(m.models.gramA, header, "The domestic cat is", { maxTokens: 24 });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = parseEvents(await res.text());
    const names = events.map(([e]) => e);

    // payment → token… → answer → settlement pending → settlement confirmed, nothing else.
    expect(names[0]).toBe("payment");
    const firstNonToken = names.indexOf("answer");
    expect(firstNonToken).toBeGreaterThan(2);
    expect(names.slice(1, firstNonToken).every((n) => n === "token")).toBe(true);
    expect(names.slice(firstNonToken)).toEqual(["answer", "settlement", "settlement"]);

    const payment = events[0][1];
    expect(payment.status).toBe("accepted");
    expect(payment.payer).toBe(account(user1).address.toLowerCase());
    const answer = events[firstNonToken][1];
    const [pending, confirmed] = events.slice(firstNonToken + 1).map(([, d]) => d);
    expect(pending).toEqual({ status: "pending" });
    expect(confirmed.status).toBe("confirmed");

    // The tokens are the answer, which is what was stored, settled and hashed on-chain.
    const text = events.filter(([e]) => e === "token").map(([, d]) => d.text as string).join("");
    expect(text).toBe(answer.output);
    expect(answer.requestId).toBe(payment.requestId);
    const [stored] = await m.ctx.db.select().from(t.inferenceJobs).where(eq(t.inferenceJobs.requestId, Number(payment.requestId)));
    expect(stored.status).toBe("settled");
    expect(stored.output).toBe(text);
    expect(stored.settleTx).toBe(confirmed.tx);
    const onchain = await readRequest(m.ctx, BigInt(payment.requestId));
    expect(onchain.status).toBe(REQUEST_STATUS.Settled);
    const [settled] = await m.client.getContractEvents({ address: m.d.inferenceMarket, abi: inferenceMarketAbi, eventName: "InferenceSettled", args: { requestId: BigInt(payment.requestId) }, fromBlock: 0n });
    expect(settled.args.outputHash).toBe(confirmed.result.outputHash);
    expect(confirmed.result.output).toBe(text);
    const receipt = await m.client.getTransactionReceipt({ hash: confirmed.tx });
    expect(receipt.status).toBe("success");

    // Traced spans: in order, inside the answer, naming contributions the record credits.
    const credited = new Set(decodeRecord(stored.record!).entries.map((e) => e.contributionId));
    expect(answer.spans.length).toBeGreaterThan(0);
    let prevEnd = 0;
    for (const s of answer.spans) {
      expect(s.start).toBeGreaterThanOrEqual(prevEnd);
      expect(s.end).toBeGreaterThan(s.start);
      expect(s.end).toBeLessThanOrEqual(text.length);
      expect(s.strength).toBeGreaterThan(0);
      expect(s.strength).toBeLessThanOrEqual(1);
      expect(s.sources.length).toBeGreaterThan(0);
      for (const src of s.sources) {
        expect(credited.has(src.contributionId)).toBe(true);
        expect(src.contributor).toMatch(/^0x[0-9a-f]{40}$/);
        expect(src.datanetId).toBeGreaterThan(0);
      }
      prevEnd = s.end;
    }

    // The inference endpoint recomputes the same spans from the artifact once indexed.
    await m.index();
    const detail = (await (await call(inferenceGet, "GET", `http://test/api/inferences/${payment.requestId}`, Number(payment.requestId))).json()) as Json;
    expect(detail.result.output).toBe(text);
    expect(detail.spans).toEqual(answer.spans);
  }, 60_000);

  it("refuses a replayed payment on the streaming path with a plain HTTP error and charges nothing twice", async () => {
    const header = await paymentHeader(user2, m.models.gramA);
    const first = await streamed(m.models.gramA, header, "The lion is");
    expect(first.status).toBe(200);
    const events = parseEvents(await first.text());
    expect(events.at(-1)![1].status).toBe("confirmed");
    const before = await balanceOf(user2);
    const jobs = (await m.ctx.db.select().from(t.inferenceJobs)).length;

    const replay = await streamed(m.models.gramA, header, "The lion is");
    expect([402, 409]).toContain(replay.status);
    expect(replay.headers.get("content-type")).not.toMatch(/event-stream/);
    const body = (await replay.json()) as Json;
    expect(body.error).toBeTruthy();
    expect(await balanceOf(user2)).toBe(before);
    expect((await m.ctx.db.select().from(t.inferenceJobs)).length).toBe(jobs);
  }, 60_000);

  it("a model that fails after payment streams an error with the refund transaction, and the payer is made whole", async () => {
    const before = await balanceOf(user1);
    const header = await paymentHeader(user1, m.models.externalFail);
    const res = await streamed(m.models.externalFail, header, "What is a cat?");
    expect(res.status).toBe(200);
    const events = parseEvents(await res.text());
    expect(events.map(([e]) => e)).toEqual(["payment", "error"]);
    const [, payment] = events[0];
    const [, error] = events[1];
    expect(error.refunded).toBe(true);
    expect(error.reason).toBe("refunded");
    expect(error.refundTx).toMatch(/^0x[0-9a-f]{64}$/);
    expect(error.error).toMatch(/refunded/);
    expect((await readRequest(m.ctx, BigInt(payment.requestId))).status).toBe(REQUEST_STATUS.Refunded);
    expect((await m.client.getTransactionReceipt({ hash: error.refundTx })).status).toBe("success");
    expect(await balanceOf(user1)).toBe(before);
  }, 60_000);

  it("a kNN classifier streams its label as the answer, with no traced spans", async () => {
    const header = await paymentHeader(user2, m.models.knn);
    const res = await streamed(m.models.knn, header, "a sweet yellow fruit eaten raw or cooked");
    const events = parseEvents(await res.text());
    const answer = events.find(([e]) => e === "answer")![1];
    expect(events.filter(([e]) => e === "token").map(([, d]) => d.text).join("")).toBe(answer.output);
    expect(answer.method).toBe("knn-shapley");
    expect(answer.spans).toEqual([]);
    expect(events.at(-1)).toEqual(["settlement", expect.objectContaining({ status: "confirmed" })]);
  }, 60_000);

  it("without Accept: text/event-stream the route still answers one JSON object", async () => {
    const header = await paymentHeader(user1, m.models.gramB);
    const res = await call(modelInference, "POST", url(m.models.gramB), m.models.gramB, {
      headers: { "content-type": "application/json", "PAYMENT-SIGNATURE": header },
      body: JSON.stringify({ prompt: "a large" }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body.output.length).toBeGreaterThan(0);
    expect(body.settleTx).toMatch(/^0x[0-9a-f]{64}$/);
  }, 60_000);

  it("refuses a model priced below the operator's minimum and a prompt over the token limit before anything is signed", async () => {
    const header = await paymentHeader(user2, m.models.gramB);
    const before = await balanceOf(user2);
    const post = (prompt: string) =>
      call(modelInference, "POST", url(m.models.gramB), m.models.gramB, {
        headers: { "content-type": "application/json", "PAYMENT-SIGNATURE": header },
        body: JSON.stringify({ prompt }),
      });
    process.env.MIN_PRICE = String(10n ** 18n);
    try {
      const cheap = await post("a large");
      expect(cheap.status).toBe(422);
      expect((await cheap.json()) as Json).toMatchObject({ reason: "price_below_minimum", error: expect.stringMatching(/below this server's minimum of 1 OPEN.*Nothing was charged/) });
    } finally {
      process.env.MIN_PRICE = "0";
    }
    // 2,000 CJK characters pass a character limit but are thousands of tokens.
    const long = await post("漢字".repeat(1_000));
    expect(long.status).toBe(422);
    expect((await long.json()) as Json).toMatchObject({ reason: "prompt_too_long", error: expect.stringMatching(/tokens; this server takes at most 2,048\. Nothing was charged/) });
    expect(await balanceOf(user2)).toBe(before);
    // The same authorization still pays for an honest request: nothing was used up.
    const ok = await post("a large");
    expect(ok.status).toBe(200);
  }, 60_000);
});
