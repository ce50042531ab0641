/**
 * The watcher's only two sources: a node's public HTTP API (what was served) and the chain (what was committed).
 * No database. Everything the node says is checked against the chain before it counts: the contract addresses
 * (the market links to the others), each record (its on-chain attributionHash), each artifact (its on-chain
 * sha-256), the leaves of a root (they must rebuild the posted root).
 */
import { createHash } from "node:crypto";
import { getAddress, type Address, type Hex, type PublicClient } from "viem";
import type { z } from "zod";
import { datanetRegistryAbi, inferenceMarketAbi, modelRegistryAbi } from "@/contracts-abi";
import { epochBalances, settledInferences } from "@/lib/api/endpoints/settlement";
import { deployment as deploymentSpec } from "@/lib/api/endpoints/system";
import { inSpans } from "@/lib/chain/log-spans";
import { epochStatusName, type EpochStatusName } from "@/lib/chain/market-status";
import { MODEL_KINDS, type ModelKind } from "@/lib/metadata";

/** The node did not serve something a root's check needs (absent, refused, wrong bytes): the root is disputable. */
export class InputsUnavailable extends Error {}

export type SettledInput = z.output<typeof settledInferences.response>["items"][number];
export type NodeDeployment = z.output<typeof deploymentSpec.response>;

export interface NodeApiOptions {
  /** Largest artifact accepted (bytes); a bigger one is refused before it is read. */
  maxArtifactBytes?: number;
  /** Per request (ms); artifacts get ten times this. */
  timeoutMs?: number;
  /** Attempts for a request that fails with a network error or a 5xx (404s are answers). */
  attempts?: number;
}

export const DEFAULT_MAX_ARTIFACT_BYTES = 2 * 1024 ** 3;

/** A node's public API, read with the same zod schemas the node answers with. */
export class NodeApi {
  readonly base: string;
  private readonly maxArtifactBytes: number;
  private readonly timeoutMs: number;
  private readonly attempts: number;

  constructor(base: string, opts: NodeApiOptions = {}) {
    this.base = base.replace(/\/+$/, "");
    this.maxArtifactBytes = opts.maxArtifactBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.attempts = opts.attempts ?? 3;
  }

  /** GET with retries on network errors and 5xx; null on 404. */
  private async get(path: string, timeoutMs = this.timeoutMs): Promise<Response | null> {
    let last = "";
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        const res = await fetch(`${this.base}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
        if (res.status === 404) return null;
        if (res.ok) return res;
        last = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
        if (res.status < 500) break;
      } catch (err) {
        last = (err as Error).message;
      }
      if (attempt < this.attempts) await new Promise((r) => setTimeout(r, 500 * attempt));
    }
    throw new InputsUnavailable(`${this.base}${path} did not answer: ${last}`);
  }

  private async json<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S> | null> {
    const res = await this.get(path);
    if (!res) return null;
    const parsed = schema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw new InputsUnavailable(`${this.base}${path} answered something else than its documented shape: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  async deployment(): Promise<NodeDeployment> {
    const d = await this.json("/api/deployment", deploymentSpec.response);
    if (!d) throw new Error(`${this.base} has no GET /api/deployment: is it a Ledgerline node?`);
    return d;
  }

  /** Every settled inference the node serves in [fromBlock, throughBlock], by request id. */
  async settledInferences(fromBlock: number, throughBlock: number): Promise<Map<number, SettledInput>> {
    const out = new Map<number, SettledInput>();
    let cursor: string | null = null;
    do {
      const q: string = `fromBlock=${fromBlock}&throughBlock=${throughBlock}&limit=100${cursor ? `&cursor=${cursor}` : ""}`;
      const page: z.output<typeof settledInferences.response> | null = await this.json(`/api/settlements?${q}`, settledInferences.response);
      if (!page) throw new InputsUnavailable(`${this.base} does not serve GET /api/settlements`);
      for (const item of page.items) out.set(item.requestId, item);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /** The leaves the node stored for an epoch (lower-case account → amount), or null when it serves none. */
  async epochBalances(epoch: number): Promise<Map<string, bigint> | null> {
    const out = new Map<string, bigint>();
    let cursor: string | null = null;
    do {
      const page: z.output<typeof epochBalances.response> | null = await this.json(`/api/epochs/${epoch}/balances${cursor ? `?cursor=${cursor}` : ""}`, epochBalances.response);
      if (!page) return null;
      for (const b of page.items) out.set(b.account.toLowerCase(), b.cumulativeAmount);
      cursor = page.nextCursor;
    } while (cursor);
    return out.size > 0 ? out : null;
  }

  /** A model's artifact, streamed under the size limit; throws InputsUnavailable unless its sha-256 is `expected`. */
  async artifact(modelId: number, expected: Hex): Promise<Uint8Array> {
    const path = `/api/models/${modelId}/artifact`;
    const res = await this.get(path, this.timeoutMs * 10);
    if (!res?.body) throw new InputsUnavailable(`the node does not serve model ${modelId}'s artifact (${path})`);
    const declared = Number(res.headers.get("content-length") ?? NaN);
    if (declared > this.maxArtifactBytes) {
      await res.body.cancel();
      throw new InputsUnavailable(`model ${modelId}'s artifact is ${declared} bytes, above this watcher's limit of ${this.maxArtifactBytes} (--max-artifact-mb)`);
    }
    const hash = createHash("sha256");
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > this.maxArtifactBytes) throw new InputsUnavailable(`model ${modelId}'s artifact is larger than this watcher's limit of ${this.maxArtifactBytes} bytes`);
      hash.update(chunk);
      chunks.push(chunk);
    }
    const got = `0x${hash.digest("hex")}`;
    if (got !== expected.toLowerCase()) {
      throw new InputsUnavailable(`model ${modelId}'s artifact from the node hashes to ${got}, not the on-chain artifactHash ${expected}`);
    }
    return Buffer.concat(chunks);
  }
}

/** The contracts, as the chain links them: only the market's address comes from the node. */
export interface Contracts {
  market: Address;
  token: Address;
  modelRegistry: Address;
  datanetRegistry: Address;
}

/** Checks the node's deployment against the chain: same chain, code at the market, the links it names. */
export async function resolveContracts(client: PublicClient, d: NodeDeployment): Promise<{ contracts: Contracts; warnings: string[] }> {
  const chainId = await client.getChainId();
  if (chainId !== d.chainId) throw new Error(`the node serves chain ${d.chainId} but the RPC is chain ${chainId}`);
  const market = getAddress(d.inferenceMarket);
  const code = await client.getCode({ address: market });
  if (!code || code === "0x") throw new Error(`there is no contract at the market address ${market} the node names (chain ${chainId})`);
  const read = { address: market, abi: inferenceMarketAbi } as const;
  const [token, modelRegistry] = await Promise.all([client.readContract({ ...read, functionName: "token" }), client.readContract({ ...read, functionName: "models" })]);
  const datanetRegistry = await client.readContract({ address: modelRegistry, abi: modelRegistryAbi, functionName: "datanets" });
  const warnings: string[] = [];
  const check = (what: string, node: string, chain: Address) => {
    if (node.toLowerCase() !== chain.toLowerCase()) warnings.push(`the node names ${what} ${node}, the market links to ${chain}: using the chain's`);
  };
  check("the token", d.token, token);
  check("the model registry", d.modelRegistry, modelRegistry);
  check("the Datanet registry", d.datanetRegistry, datanetRegistry);
  return { contracts: { market, token, modelRegistry, datanetRegistry }, warnings };
}

/** An epoch as the market holds it. */
export interface ChainEpoch {
  epoch: number;
  root: Hex;
  cumulativeTotal: bigint;
  throughBlock: number;
  /** The cumulative contributor pool the poster declared for the settlements through throughBlock. */
  poolThrough: bigint;
  postedAt: number;
  /** End of its challenge window (fixed at posting). */
  finalizesAt: number;
  prev: number;
  status: EpochStatusName;
  poster: Address;
  challenger: Address;
}

export async function readEpoch(client: PublicClient, c: Contracts, epoch: number): Promise<ChainEpoch> {
  const e = await client.readContract({ address: c.market, abi: inferenceMarketAbi, functionName: "getEpoch", args: [BigInt(epoch)] });
  return {
    epoch,
    root: e.root,
    cumulativeTotal: e.cumulativeTotal,
    throughBlock: Number(e.throughBlock),
    poolThrough: e.poolThrough,
    postedAt: Number(e.postedAt),
    finalizesAt: Number(e.finalizesAt),
    prev: e.prev,
    status: epochStatusName(e.status),
    poster: e.poster,
    challenger: e.challenger,
  };
}

/** A settlement as the chain recorded it: the hashes and pool come from here, never from the node. */
export interface ChainSettlement {
  requestId: number;
  modelId: number;
  block: number;
  logIndex: number;
  tx: Hex;
  outputHash: Hex;
  attributionHash: Hex;
  contributorPool: bigint;
}

/** A contribution as registered: who gets its share, and where in the chain (credit only after it exists). */
export interface ChainContribution {
  contributor: Address;
  datanetId: number;
  block: number;
  logIndex: number;
}

export async function settlementsThrough(client: PublicClient, c: Contracts, fromBlock: number, throughBlock: number): Promise<ChainSettlement[]> {
  const logs = await inSpans(fromBlock, throughBlock, (from, to) =>
    client.getContractEvents({ address: c.market, abi: inferenceMarketAbi, eventName: "InferenceSettled", fromBlock: from, toBlock: to, strict: true }),
  );
  return logs
    .map((l) => ({
      requestId: Number(l.args.requestId),
      modelId: Number(l.args.modelId),
      block: Number(l.blockNumber),
      logIndex: l.logIndex,
      tx: l.transactionHash,
      outputHash: l.args.outputHash.toLowerCase() as Hex,
      attributionHash: l.args.attributionHash.toLowerCase() as Hex,
      contributorPool: l.args.contributorPool,
    }))
    .sort((a, b) => a.block - b.block || a.logIndex - b.logIndex);
}

export async function contributionsThrough(client: PublicClient, c: Contracts, fromBlock: number, throughBlock: number): Promise<Map<number, ChainContribution>> {
  const logs = await inSpans(fromBlock, throughBlock, (from, to) =>
    client.getContractEvents({ address: c.datanetRegistry, abi: datanetRegistryAbi, eventName: "ContributionSubmitted", fromBlock: from, toBlock: to, strict: true }),
  );
  return new Map(
    logs.map((l) => [
      Number(l.args.contributionId),
      { contributor: l.args.contributor, datanetId: Number(l.args.datanetId), block: Number(l.blockNumber), logIndex: l.logIndex },
    ]),
  );
}

const treasuries = new WeakMap<Contracts, Map<number, Promise<Address>>>();

/** A Datanet's treasury (set at creation, never changed), read once per watcher. */
export function readDatanetTreasury(client: PublicClient, c: Contracts, datanetId: number): Promise<Address> {
  let m = treasuries.get(c);
  if (!m) treasuries.set(c, (m = new Map()));
  let p = m.get(datanetId);
  if (!p) {
    p = client.readContract({ address: c.datanetRegistry, abi: datanetRegistryAbi, functionName: "getDatanet", args: [BigInt(datanetId)] }).then((d) => d.treasury);
    m.set(datanetId, p);
  }
  return p;
}

/** A model's kind, artifact hash and Datanets (whose treasuries take an unmatched answer's pool), from ModelRegistry. */
export async function readModel(client: PublicClient, c: Contracts, modelId: number): Promise<{ kind: ModelKind; artifactHash: Hex; datanetIds: number[] }> {
  const m = await client.readContract({ address: c.modelRegistry, abi: modelRegistryAbi, functionName: "getModel", args: [BigInt(modelId)] });
  const kind = MODEL_KINDS[m.kind];
  if (!kind) throw new Error(`model ${modelId} has kind ${m.kind}, which this watcher does not know`);
  const datanetIds = [...new Set(m.datanetIds.map(Number))].sort((a, b) => a - b);
  return { kind, artifactHash: m.artifactHash.toLowerCase() as Hex, datanetIds };
}
