/**
 * A small Ledgerline market on a real anvil and a real database for serving tests: Datanets of real WordNet
 * text with several contributors, models built by the Model Factory's own build function (∞-gram, kNN and
 * external), stored in a temporary artifact store and registered on-chain, users who pay, and an
 * OpenAI-compatible HTTP endpoint for the external models (one healthy, one answering 500, one that hangs).
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import {
  createNonceManager,
  createPublicClient,
  createWalletClient,
  http as viemHttp,
  keccak256,
  maxUint256,
  parseEventLogs,
  parseUnits,
  toHex,
  TransactionReceiptNotFoundError,
  zeroAddress,
  type Account,
  type Chain,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { jsonRpc } from "viem/nonce";
import { foundry } from "viem/chains";
import { datanetRegistryAbi, inferenceMarketAbi, modelRegistryAbi, openTokenAbi } from "@/contracts-abi";
import type { TokenizerName } from "@/lib/attribution/tokenizer-names";
import type { TokenRates } from "../pricing";
import { setDatabaseForTests, type Database } from "@/db/client";
import { openTestDatabase } from "@/db/testing";
import { ANVIL_MNEMONIC, startAnvil, type Anvil } from "@/lib/chain/anvil";
import { deployLedgerline, type Deployment } from "@/lib/chain/deploy";
import { versionRoot } from "@/lib/chain/merkle";
import { storeContent } from "@/lib/content/store";
import { putArtifact } from "@/lib/factory/artifacts";
import { prepareBuild, runBuild } from "@/lib/factory/build";
import { metadataOf } from "@/lib/factory/jobs";
import { registerModel } from "@/lib/factory/register";
import { loadBuildSources } from "@/lib/factory/sources";
import { buildRequestSchema, kindByte, type BuildRequestInput } from "@/lib/factory/spec";
import { Indexer } from "@/lib/indexer/indexer";
import { canonicalJson, contentUri } from "@/lib/metadata";
import { glossJsonl, glossMarkdown, nounGlosses, type Gloss } from "@/lib/seed/wordnet";
import { ModelCatalog } from "../models";
import type { PaidRequest, ServeContext } from "../types";
import { sendInOrder, sendQueueKey } from "@/lib/chain/send-queue";

export type Wallet = WalletClient<Transport, Chain, Account>;

/** Dev account i with its own nonce manager (concurrent transactions; a fresh chain per fixture). */
export function account(i: number): Account {
  return mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: i, nonceManager: createNonceManager({ source: jsonRpc() }) });
}

export const ROLES = { operator: 0, owner: 1, alice: 2, bob: 3, carol: 4, dave: 5, users: [6, 7, 8] } as const;

export interface Market {
  anvil: Anvil;
  database: Database;
  client: PublicClient;
  d: Deployment;
  artifactDir: string;
  wallets: Map<number, Wallet>;
  operator: Wallet;
  catalog: ModelCatalog;
  ctx: ServeContext;
  glosses: Gloss[];
  /** Model ids by name. */
  models: { gramA: number; gramB: number; knn: number; externalOk: number; externalFail: number; externalSlow: number; externalDown: number };
  endpoint: { url: string; calls: number; authorization: string | undefined };
  index(): Promise<void>;
  /** Builds a model in-process (the factory's own build function), registers it on-chain and returns its id (index afterwards). */
  build(input: BuildRequestInput, price: bigint, builderBps: number): Promise<number>;
  pay(userIndex: number, modelId: number, prompt: string, params?: Record<string, unknown>): Promise<PaidRequest>;
  balance(i: number): Promise<bigint>;
  close(): Promise<void>;
}

/** A model's on-chain fee and per-token rates. */
export async function ratesOf(m: Market, modelId: number): Promise<TokenRates> {
  const p = await m.client.readContract({ address: m.d.modelRegistry, abi: modelRegistryAbi, functionName: "pricing", args: [BigInt(modelId)] });
  return { fee: p[1], inputRate: p[4], outputRate: p[5] };
}

/** A per-token ∞-gram over gramA's Datanet in `tokenizer`, built, registered, priced by its builder and indexed. */
export async function perTokenModel(
  m: Market,
  o: { name: string; tokenizer: TokenizerName; maxTokens: number; inputRate: bigint; outputRate: bigint },
): Promise<{ modelId: number; rates: TokenRates }> {
  const [datanet] = (await m.catalog.get(m.models.gramA)).datanetIds;
  const modelId = await m.build(
    { kind: "infinigram", name: o.name, datanets: [{ id: datanet, version: 1 }], parameters: { maxTokens: o.maxTokens, temperature: 0.8, topK: 20, maxSupport: 500, tokenizer: o.tokenizer } },
    10n ** 16n,
    2000,
  );
  await m.index();
  const hash = await m.wallets.get(ROLES.owner)!.writeContract({ address: m.d.modelRegistry, abi: modelRegistryAbi, functionName: "setTokenRates", args: [BigInt(modelId), o.inputRate, o.outputRate] });
  if ((await receiptOf(m.client, hash)).status !== "success") throw new Error(`setTokenRates for model ${modelId} reverted`);
  await m.index();
  return { modelId, rates: await ratesOf(m, modelId) };
}

/** An OpenAI-compatible endpoint: /ok answers with corpus text, /fail with HTTP 500, /slow never. */
async function startEndpoint(answer: (prompt: string) => string): Promise<{ url: string; calls: number; authorization: string | undefined; close(): Promise<void> }> {
  const state: { calls: number; authorization: string | undefined } = { calls: 0, authorization: undefined };
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      state.calls++;
      state.authorization = req.headers.authorization;
      if (!req.url?.endsWith("/chat/completions") || req.method !== "POST") {
        res.writeHead(404).end();
        return;
      }
      if (req.url.startsWith("/fail/")) {
        res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "overloaded" } }));
        return;
      }
      if (req.url.startsWith("/slow/")) {
        hanging.add(res);
        return;
      }
      const parsed = JSON.parse(body) as { model: string; messages: { content: string }[] };
      const content = answer(parsed.messages.at(-1)!.content);
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({ id: "chatcmpl-1", object: "chat.completion", model: parsed.model, choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }] }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get calls() {
      return state.calls;
    },
    /** The Authorization header of the last call. */
    get authorization() {
      return state.authorization;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hanging) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The receipt of a sent transaction, polled directly every 10 ms (anvil mines each one as it arrives). viem's
 * waitForTransactionReceipt, which watches blocks for a receipt it missed at first, once waited out its 180 s in the
 * workload test under CI load for a transaction it never reported; this waits on the receipt alone and, when none
 * comes, says what the node knows of the transaction and its sender's nonces.
 */
export async function receiptOf(client: PublicClient, hash: Hex, timeoutMs = 120_000): Promise<TransactionReceipt> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await client.getTransactionReceipt({ hash }).catch((err: unknown) => {
      if (err instanceof TransactionReceiptNotFoundError) return null;
      throw err;
    });
    if (receipt) return receipt;
    if (Date.now() > until) {
      const tx = await client.getTransaction({ hash }).catch(() => null);
      const nonces = tx
        ? `nonce ${tx.nonce}; sender ${tx.from} latest ${await client.getTransactionCount({ address: tx.from })}, pending ${await client.getTransactionCount({ address: tx.from, blockTag: "pending" })}`
        : "unknown to the node";
      throw new Error(`transaction ${hash} has no receipt after ${timeoutMs} ms (${nonces})`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function setupMarket(
  kind: "pglite" | "postgres",
  opts: {
    timeoutMs?: number;
    /** Contributors' terms for the three Animals contributions (alice, bob, carol), registered with contributeWithTerms. */
    animalTerms?: ({ kind: 1 | 2; maxVerbatimTokens: number } | undefined)[];
  } = {},
): Promise<Market> {
  // Prices here are chosen to exercise wei rounding, not the operator's economics: no minimum price unless a
  // test sets one (the minimum itself is tested in stream.test.ts).
  process.env.MIN_PRICE ??= "0";
  process.env.MIN_CHANNEL_PRICE ??= "0";
  const anvil = await startAnvil();
  const database = await openTestDatabase(kind);
  const artifactDir = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-serve-"));
  // Generous RPC timeouts: under a loaded machine a send that times out client-side after its nonce was taken
  // leaves a gap every later transaction of that account waits behind.
  const rpc = () => viemHttp(anvil.rpcUrl, { timeout: 120_000 });
  const client = createPublicClient({ chain: foundry, transport: rpc(), pollingInterval: 10 }) as PublicClient;
  const wallets = new Map<number, Wallet>();
  const wallet = (i: number) => {
    let w = wallets.get(i);
    if (!w) {
      w = createWalletClient({ account: account(i), chain: foundry, transport: rpc() });
      wallets.set(i, w);
    }
    return w;
  };
  const send = async (hash: Hex) => {
    const r = await receiptOf(client, hash);
    if (r.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return r;
  };
  const operator = wallet(ROLES.operator);
  const d = await deployLedgerline({
    publicClient: client,
    walletClient: operator,
    admin: operator.account.address,
    operator: operator.account.address,
    protocolTreasury: wallet(9).account.address,
  });
  const everyone = [ROLES.owner, ROLES.alice, ROLES.bob, ROLES.carol, ROLES.dave, ...ROLES.users];
  await Promise.all(
    everyone.map(async (i) => {
      const w = wallet(i);
      await send(await w.writeContract({ address: d.token, abi: openTokenAbi, functionName: "faucet", args: [w.account.address, parseUnits("100000", 18)] }));
      for (const spender of [d.datanetRegistry, d.inferenceMarket]) {
        await send(await w.writeContract({ address: d.token, abi: openTokenAbi, functionName: "approve", args: [spender, maxUint256] }));
      }
    }),
  );

  const index = async () => {
    const indexer = new Indexer({ db: database.db, client, deployment: d });
    for (;;) {
      const r = await indexer.syncOnce();
      if (r.block >= r.head) return;
    }
  };
  const reg = { address: d.datanetRegistry, abi: datanetRegistryAbi } as const;
  const owner = wallet(ROLES.owner);
  async function createDatanet(name: string): Promise<bigint> {
    const meta = await storeContent(database.db, {
      body: new TextEncoder().encode(canonicalJson({ name, summary: "", description: "", tags: [], license: "WordNet-3.0" })),
      filename: "datanet.json",
    });
    await send(await owner.writeContract({ ...reg, functionName: "createDatanet", args: [meta.hash, contentUri(meta.hash), parseUnits("1", 18), true, zeroAddress] }));
    return client.readContract({ ...reg, functionName: "datanetCount" });
  }
  async function fill(datanetId: bigint, files: { from: number; body: string; filename: string; terms?: { kind: 1 | 2; maxVerbatimTokens: number } }[]) {
    const accepted: { id: bigint; contentHash: Hex }[] = [];
    for (const f of files) {
      const c = await storeContent(database.db, { body: new TextEncoder().encode(f.body), filename: f.filename });
      const args = [datanetId, c.hash, BigInt(c.bytes), c.records, parseUnits("1", 18), 0n, "0x"] as const;
      await send(
        await (f.terms
          ? wallet(f.from).writeContract({ ...reg, functionName: "contributeWithTerms", args: [...args, f.terms] })
          : wallet(f.from).writeContract({ ...reg, functionName: "contribute", args })),
      );
      const id = await client.readContract({ ...reg, functionName: "contributionCount" });
      await send(await owner.writeContract({ ...reg, functionName: "review", args: [id, true] }));
      accepted.push({ id, contentHash: c.hash });
    }
    await send(await owner.writeContract({ ...reg, functionName: "publishVersion", args: [datanetId, versionRoot(accepted), accepted.length] }));
  }

  const glosses = nounGlosses();
  const animals = glosses.filter((g) => g.lexfile === "animal");
  const food = glosses.filter((g) => g.lexfile === "food");
  const animalsId = await createDatanet("Animals");
  await fill(
    animalsId,
    [ROLES.alice, ROLES.bob, ROLES.carol].map((from, i) => ({ from, body: glossMarkdown(animals.slice(i * 50, (i + 1) * 50)), filename: `a${i}.md`, terms: opts.animalTerms?.[i] })),
  );
  const foodId = await createDatanet("Food");
  await fill(
    foodId,
    [ROLES.bob, ROLES.dave].map((from, i) => ({ from, body: glossMarkdown(food.slice(i * 40, (i + 1) * 40)), filename: `f${i}.md` })),
  );
  const mixed = (["animal", "food", "plant"] as const).flatMap((l) => glosses.filter((g) => g.lexfile === l).slice(500, 540));
  const labelledId = await createDatanet("Labelled nouns");
  await fill(
    labelledId,
    [ROLES.alice, ROLES.dave].map((from, i) => ({ from, body: glossJsonl(mixed.filter((_, j) => j % 2 === i)), filename: `l${i}.jsonl` })),
  );
  await index();

  // Built in-process by the factory's own build function (the job runner runs the same in a child process).
  async function build(input: BuildRequestInput, price: bigint, builderBps: number): Promise<number> {
    const request = buildRequestSchema.parse(input);
    const sources = await loadBuildSources(database.db, request.datanets);
    await prepareBuild(request);
    const out = runBuild(request, sources);
    putArtifact(out.artifact, artifactDir);
    const metadata = metadataOf(request, sources, {
      artifactHash: out.artifactHash,
      artifactBytes: out.artifact.byteLength,
      contributions: out.contributions,
      records: out.records,
      tokens: out.tokens,
      evaluation: out.evaluation,
    });
    const meta = await storeContent(database.db, { body: new TextEncoder().encode(canonicalJson(metadata)), filename: "model.json" });
    const { modelId } = await registerModel({
      wallet: owner,
      publicClient: client,
      deployment: d,
      registration: {
        metadataURI: contentUri(meta.hash),
        metadataHash: meta.hash,
        artifactHash: out.artifactHash,
        datanetIds: request.datanets.map((x) => BigInt(x.id)),
        versions: request.datanets.map((x) => x.version),
        kind: kindByte(request.kind),
      },
      price,
      builderBps,
    });
    return Number(modelId);
  }

  // The healthy endpoint answers with a gloss from the corpus plus some words of its own.
  const endpoint = await startEndpoint((prompt) => {
    const g = animals[(prompt.length * 7) % 150];
    return `Here is what I know: ${g.gloss}. I hope that helps with "${prompt.slice(0, 20)}".`;
  });
  const A = [{ id: Number(animalsId), version: 1 }];
  const models = {
    gramA: await build({ kind: "infinigram", name: "Animal ∞-gram", datanets: A, parameters: { maxTokens: 16, temperature: 0.8, topK: 20, maxSupport: 500 } }, parseUnits("0.01", 18) + 7n, 2000),
    // Overlaps gramA's Datanet and adds another: the serving pool shares one index between them.
    gramB: await build(
      { kind: "infinigram", name: "Animal and food ∞-gram", datanets: [...A, { id: Number(foodId), version: 1 }], parameters: { maxTokens: 12, temperature: 0.5, topK: 10, maxSupport: 300 } },
      1_234_567_891n,
      1500,
    ),
    knn: await build({ kind: "knn", name: "Noun classifier", datanets: [{ id: Number(labelledId), version: 1 }], parameters: { k: 5, dims: 2 ** 14 } }, 999_999_999_999_999n, 2500),
    externalOk: await build(
      { kind: "external", name: "Hosted model", datanets: A, parameters: { baseUrl: `${endpoint.url}/ok/v1`, model: "hosted-1", minSpanTokens: 4, maxSupport: 500, maxTokens: 64 } },
      parseUnits("0.003", 18) + 1n,
      1000,
    ),
    externalFail: await build(
      { kind: "external", name: "Broken hosted model", datanets: A, parameters: { baseUrl: `${endpoint.url}/fail/v1`, model: "hosted-2" } },
      parseUnits("0.002", 18),
      1000,
    ),
    externalSlow: await build(
      { kind: "external", name: "Slow hosted model", datanets: A, parameters: { baseUrl: `${endpoint.url}/slow/v1`, model: "hosted-3" } },
      parseUnits("0.002", 18) + 3n,
      1000,
    ),
    externalDown: await build(
      { kind: "external", name: "Unreachable hosted model", datanets: A, parameters: { baseUrl: "http://127.0.0.1:9/v1", model: "hosted-4" } },
      parseUnits("0.002", 18) + 5n,
      1000,
    ),
  };
  await index();

  const catalog = new ModelCatalog({ db: database.db, artifactDir, chainId: d.chainId });
  const ctx: ServeContext = { db: database.db, publicClient: client, operator, deployment: d, models: catalog, timeoutMs: opts.timeoutMs ?? 5_000,
    // The local test endpoint (and the closed port the "down" model names) are opted in, as EXTERNAL_MODEL_ALLOW_HOSTS does.
    allowHosts: [new URL(endpoint.url).host, "127.0.0.1:9"], log: process.env.SERVE_LOG ? (msg) => console.log(msg) : undefined };
  let nonce = 0;
  const pay = async (userIndex: number, modelId: number, prompt: string, params: Record<string, unknown> = {}): Promise<PaidRequest> => {
    const w = wallet(userIndex);
    const requestHash = keccak256(toHex(`${kind}|${modelId}|${prompt}|${JSON.stringify(params)}|${nonce++}|${Math.random()}`));
    // Explicit gas (no estimate) and sends in nonce order: concurrent payments from one account only wait for receipts.
    const tx = await sendInOrder(sendQueueKey(w), () =>
      w.writeContract({ address: d.inferenceMarket, abi: inferenceMarketAbi, functionName: "pay", args: [BigInt(modelId), requestHash, maxUint256], gas: 400_000n }),
    );
    const receipt = await send(tx);
    const [ev] = parseEventLogs({ abi: inferenceMarketAbi, logs: receipt.logs, eventName: "InferencePaid" });
    return { requestId: ev.args.requestId, requestHash, modelId, payer: w.account.address, prompt, params, via: "transaction", paidTx: tx };
  };
  const balance = (i: number) => client.readContract({ address: d.token, abi: openTokenAbi, functionName: "balanceOf", args: [wallet(i).account.address] });

  return {
    anvil,
    database,
    client,
    d,
    artifactDir,
    wallets,
    operator,
    catalog,
    ctx,
    glosses,
    models,
    endpoint,
    index,
    build,
    pay,
    balance,
    close: async () => {
      await endpoint.close();
      await database.close();
      await anvil.stop();
      fs.rmSync(artifactDir, { recursive: true, force: true });
    },
  };
}

/** The serving context's singleton slot (lib/singleton.ts keys it by name). */
const SERVE_CONTEXT = Symbol.for("ledgerline.serveContext");

/**
 * Points the HTTP routes at this market: the serving context, the database and the artifact directory they read
 * from. Returns what undoes it (call before `close`).
 */
export function serveRoutesFrom(m: Market): () => void {
  (globalThis as Record<symbol, unknown>)[SERVE_CONTEXT] = Promise.resolve(m.ctx);
  setDatabaseForTests(m.database);
  process.env.ARTIFACT_DIR = m.artifactDir;
  return () => {
    delete (globalThis as Record<symbol, unknown>)[SERVE_CONTEXT];
    setDatabaseForTests(undefined);
    delete process.env.ARTIFACT_DIR;
  };
}
