/**
 * Proof of Attribution, checked: recompute an inference's answer and attribution record from the model
 * artifact, prompt, parameters (seed) and output, and compare with what was stored and settled on-chain.
 */
import { and, eq, isNotNull, lte } from "drizzle-orm";
import { keccak256, parseEventLogs, type Hex, type PublicClient } from "viem";
import { batchRecordRequestId, bookingBatchOf, bookingResultHash, decodeBookings } from "@/lib/chain/bookings";
import { inferenceMarketAbi, modelRegistryAbi } from "@/contracts-abi";
import type { Db } from "@/db/client";
import { bookingBatches, contributions, inferenceResults, inferences, modelDatanets, models } from "@/db/schema";
import { attributionHash, decodeRecord, encodeRecord, type WithdrawalsAt } from "@/lib/attribution/record";
import { outputHash, readyModel, runAttribution, type LoadedModel } from "@/lib/attribution/run";
import { withdrawnMembers, withoutWithdrawn } from "@/lib/attribution/withdrawn";
import type { ModelView } from "@/lib/attribution/view";
import { withdrawnAsOf } from "@/lib/chain/withdrawals";
import { verbatimLimitsOnChain } from "@/lib/chain/terms";
import type { VerbatimLimits } from "@/lib/attribution/terms";
import { indexedVerbatimLimits } from "./terms";
import { openModelArtifact, type OnDiskPolicy, type OpenedArtifact } from "./on-disk";

export interface VerifyReport {
  requestId: number;
  modelId: number;
  kind: string;
  method: string | null;
  recomputedHash: `0x${string}` | null;
  storedHash: `0x${string}` | null;
  /** A settle's attributionHash and outputHash (a booked inference has neither on-chain: null). */
  onchainHash: string | null;
  onchainOutputHash: string | null;
  /** A booked inference's resultHash, keccak256(outputHash ‖ attributionHash), from its bookBatch calldata. */
  onchainResultHash: string | null;
  checks: { name: string; ok: boolean; detail: string }[];
  ok: boolean;
}

/**
 * The withdrawal set as of the record's `withdrawalsAt` block: from the chain when a client is at hand (the block's
 * hash checked, then every ContributionWithdrawn up to it), else from the index (whose rows carry the hash of the
 * block each withdrawal is in).
 */
async function readDatanetRegistry(client: PublicClient, market: `0x${string}`): Promise<`0x${string}`> {
  const registry = await client.readContract({ address: market, abi: inferenceMarketAbi, functionName: "models" });
  return client.readContract({ address: registry, abi: modelRegistryAbi, functionName: "datanets" });
}

/** The market's DatanetRegistry, read at most once per client and market while a Verify runs (two calls each time otherwise). */
const registries = new WeakMap<PublicClient, Map<string, Promise<`0x${string}`>>>();
function datanetRegistryOf(client: PublicClient, market: `0x${string}`): Promise<`0x${string}`> {
  let byMarket = registries.get(client);
  if (!byMarket) registries.set(client, (byMarket = new Map()));
  let pending = byMarket.get(market.toLowerCase());
  if (!pending) {
    pending = readDatanetRegistry(client, market);
    byMarket.set(market.toLowerCase(), pending);
    // Forgotten once settled: a later Verify reads the links again (governance may change them).
    const forget = () => byMarket.delete(market.toLowerCase());
    pending.then(() => setTimeout(forget, 5_000).unref(), forget);
  }
  return pending;
}

/** Contributors' verbatim limits: from the chain's ContributionTerms logs when a client is at hand, else as indexed. */
async function verbatimLimits(db: Db, opts: { publicClient?: PublicClient; market?: `0x${string}` }): Promise<{ limits: VerbatimLimits; source: string }> {
  if (opts.publicClient && opts.market) {
    return { limits: await verbatimLimitsOnChain(opts.publicClient, await datanetRegistryOf(opts.publicClient, opts.market)), source: "the chain's ContributionTerms logs" };
  }
  return { limits: await indexedVerbatimLimits(db), source: "the indexed terms (no chain client to read them from)" };
}

export async function withdrawalSet(db: Db, at: WithdrawalsAt, opts: { publicClient?: PublicClient; market?: `0x${string}` }): Promise<{ ids: Set<number>; source: string }> {
  if (opts.publicClient && opts.market) {
    const datanetRegistry = await datanetRegistryOf(opts.publicClient, opts.market);
    return { ids: await withdrawnAsOf(opts.publicClient, datanetRegistry, at), source: "the chain's ContributionWithdrawn logs" };
  }
  const rows = await db
    .select({ id: contributions.id, block: contributions.withdrawnBlock, hash: contributions.withdrawnBlockHash })
    .from(contributions)
    .where(and(isNotNull(contributions.withdrawnBlock), lte(contributions.withdrawnBlock, at.block)));
  // The record names the block of its newest withdrawal: the index must hold one there, in a block with that hash.
  const atBlock = rows.filter((r) => r.block === at.block);
  if (atBlock.length === 0) throw new Error(`the index holds no withdrawal in block ${at.block}, which the record names`);
  if (atBlock.some((r) => r.hash?.toLowerCase() !== at.hash.toLowerCase())) {
    throw new Error(`the indexed block ${at.block} has another hash than the ${at.hash} the record names for its withdrawals`);
  }
  return { ids: new Set(rows.map((r) => r.id)), source: "the indexed withdrawals (no chain client to read them from)" };
}

/** The resultHash `batch` booked for `requestHash` on `modelId`, if it holds that record. */
function resultHashIn(batch: Hex, requestHash: string, modelId: number): Hex | null {
  for (const g of decodeBookings(batch)) {
    for (const r of g.records) if (r.requestHash === requestHash.toLowerCase() && r.modelId === BigInt(modelId)) return r.resultHash;
  }
  return null;
}

/** The resultHash a bookBatch transaction booked for `requestHash` on `modelId`, if its calldata matches its event. */
async function bookedResultHash(client: PublicClient, txHash: Hex, batchId: number, requestHash: string, modelId: number): Promise<Hex | null> {
  const [tx, receipt] = await Promise.all([client.getTransaction({ hash: txHash }), client.getTransactionReceipt({ hash: txHash })]);
  const [booked] = parseEventLogs({ abi: inferenceMarketAbi, eventName: "InferencesBooked", logs: receipt.logs }).filter((l) => l.args.batchId === BigInt(batchId));
  if (!booked) return null;
  const batch = bookingBatchOf(tx.input);
  if (keccak256(batch) !== booked.args.batchHash) return null;
  return resultHashIn(batch, requestHash, modelId);
}

/** The same from the index: the batch the indexer read from the transaction and checked against its event then. */
async function indexedResultHash(db: Db, txHash: string, requestHash: string, modelId: number): Promise<Hex | null> {
  const [row] = await db.select({ batch: bookingBatches.batch }).from(bookingBatches).where(eq(bookingBatches.txHash, txHash.toLowerCase())).limit(1);
  return row ? resultHashIn(row.batch as Hex, requestHash, modelId) : null;
}

export async function verifyInference(
  db: Db,
  requestId: number,
  opts: { publicClient?: PublicClient; market?: `0x${string}`; artifactDir?: string; onDisk?: OnDiskPolicy } = {},
): Promise<VerifyReport | null> {
  const [row] = await db
    .select({ inference: inferences, model: models })
    .from(inferences)
    .innerJoin(models, eq(models.id, inferences.modelId))
    .where(eq(inferences.requestId, requestId))
    .limit(1);
  if (!row) return null;
  const { inference, model } = row;
  const [result] = await db.select().from(inferenceResults).where(eq(inferenceResults.requestHash, inference.requestHash)).limit(1);
  const checks: VerifyReport["checks"] = [];
  const report: VerifyReport = {
    requestId,
    modelId: model.id,
    kind: model.kind,
    method: result?.attributionMethod ?? null,
    recomputedHash: null,
    storedHash: null,
    onchainHash: inference.attributionHash,
    onchainOutputHash: inference.outputHash,
    onchainResultHash: null,
    checks,
    ok: false,
  };
  const booked = inference.bookingBatch !== null;
  let resultSource = "";

  // The chain is the authority: read the settled hashes from it when a client is at hand.
  if (booked) {
    // A booked inference's one hash is in its bookBatch transaction's calldata; the index's two hashes are the
    // stored answer's and record's, not the chain's.
    report.onchainHash = null;
    report.onchainOutputHash = null;
    if (inference.settledTx && opts.publicClient && opts.market) {
      report.onchainResultHash = await bookedResultHash(opts.publicClient, inference.settledTx as Hex, inference.bookingBatch!, inference.requestHash, model.id);
      resultSource = "its bookBatch calldata (checked against the event's batchHash)";
    } else if (inference.settledTx) {
      report.onchainResultHash = await indexedResultHash(db, inference.settledTx, inference.requestHash, model.id);
      resultSource = "the indexed bookBatch calldata (no chain client to read it from)";
    }
  } else if (opts.publicClient && opts.market) {
    // The market keeps the hashes in its InferenceSettled event only (no storage per request).
    const [settled] = await opts.publicClient.getContractEvents({
      address: opts.market,
      abi: inferenceMarketAbi,
      eventName: "InferenceSettled",
      args: { requestId: BigInt(requestId) },
      // The indexed settlement block narrows the query to one block; without it, from genesis.
      ...(inference.settledBlock !== null ? { fromBlock: BigInt(inference.settledBlock), toBlock: BigInt(inference.settledBlock) } : { fromBlock: 0n }),
    });
    report.onchainHash = settled?.args.attributionHash ?? null;
    report.onchainOutputHash = settled?.args.outputHash ?? null;
  }
  if (!result) {
    checks.push({ name: "served", ok: false, detail: "The operator stored no answer for this request." });
    return report;
  }
  const stored = decodeRecord(result.attributionRecord);
  report.storedHash = attributionHash(stored);

  // Opened as the server serves it (on disk or in memory: the same arrays); either way its sha-256 is checked first.
  let opened: OpenedArtifact | null;
  try {
    opened = openModelArtifact(model.artifactHash as `0x${string}`, { modelId: model.id, dir: opts.artifactDir, onDisk: opts.onDisk });
  } catch (err) {
    checks.push({ name: "artifact", ok: false, detail: `The model artifact in this server's store cannot be used: ${(err as Error).message.replace(/\.$/, "")}.` });
    return report;
  }
  if (!opened) {
    checks.push({ name: "artifact", ok: false, detail: `The model artifact ${model.artifactHash} is not in this server's artifact store.` });
    return report;
  }
  checks.push({ name: "artifact", ok: true, detail: `sha-256 ${model.artifactHash} matches the on-chain artifact hash${opened.onDisk ? " (streamed from the file, which is then memory-mapped)" : ""}.` });
  // The artifact names its tokenizer (and the record names the artifact): recompute in that tokenizer's tokens.
  await readyModel(opened.model);
  // Takedowns: a version 2 record names the block whose withdrawal set its model ran without; rebuild that view
  // from public data (later withdrawals do not change it).
  let served: { model: LoadedModel; view?: ModelView } = { model: opened.model };
  if (stored.version === 2 && stored.withdrawalsAt !== null) {
    const at = stored.withdrawalsAt;
    try {
      const { ids, source } = await withdrawalSet(db, at, opts);
      const members = withdrawnMembers(served.model, undefined, ids);
      served = withoutWithdrawn(served.model, undefined, new Set(members));
      checks.push({
        name: "withdrawals",
        ok: true,
        detail: `As of block ${at.block} (${at.hash}), ${members.length} of the model's contributions were withdrawn${members.length ? ` (${members.join(", ")})` : ""}, read from ${source}; recomputed without them.`,
      });
    } catch (err) {
      checks.push({ name: "withdrawals", ok: false, detail: `The withdrawal set the record names cannot be rebuilt: ${(err as Error).message}.` });
      return report;
    }
  }
  // Contributors' "no verbatim over N tokens" terms (version 2): the model ran under them, so does its recomputation.
  let limits: VerbatimLimits | undefined;
  if (stored.version === 2) {
    const read = await verbatimLimits(db, opts);
    limits = read.limits;
    const named = stored.terms.map((t) => `#${t.contributionId} (${t.maxVerbatimTokens} tokens)`).join(", ");
    checks.push({
      name: "terms",
      ok: stored.terms.every((t) => read.limits.get(t.contributionId) === t.maxVerbatimTokens),
      detail: `${read.limits.size} contributions carry a verbatim limit, read from ${read.source}; the record names ${named || "none"} as ${model.kind === "external" || (model.kind === "rag" && result.params.llm === true) ? "exceeded by this answer" : "enforced on this answer"}.`,
    });
  }
  const recomputed = runAttribution({
    kind: model.kind,
    model: served.model,
    view: served.view,
    modelId: model.id,
    artifactHash: model.artifactHash as `0x${string}`,
    // A booked inference's record names its request by the request hash (it has no on-chain id).
    requestId: inference.bookingBatch !== null ? batchRecordRequestId(inference.requestHash) : BigInt(requestId),
    prompt: result.prompt,
    params: result.params,
    output: model.kind === "external" || model.kind === "rag" ? result.output : undefined,
    // The stored record's own rules: version 1 records are checked as they were computed.
    recordVersion: stored.version,
    withdrawalsAt: stored.version === 2 ? stored.withdrawalsAt : null,
    verbatimLimits: limits,
    datanetIds: (await db.select({ id: modelDatanets.datanetId }).from(modelDatanets).where(eq(modelDatanets.modelId, model.id))).map((r) => r.id),
  });
  report.recomputedHash = attributionHash(recomputed.record);

  checks.push({
    name: "output",
    ok: recomputed.output === result.output,
    detail: recomputed.output === result.output ? "Recomputed answer equals the stored answer." : "Recomputing gives a different answer than the one served.",
  });
  const answerHash = outputHash(result.output);
  if (!booked) {
    const onchainOut = report.onchainOutputHash?.toLowerCase();
    checks.push({
      name: "output on-chain",
      ok: onchainOut === answerHash,
      detail: onchainOut ? `outputHash ${onchainOut} ${onchainOut === answerHash ? "matches" : "differs from"} keccak-256 of the answer.` : "Not settled yet.",
    });
  }
  const sameRecord = encodeRecord(recomputed.record) === encodeRecord(stored);
  checks.push({
    name: "record",
    ok: sameRecord,
    detail: sameRecord ? "Recomputed attribution record equals the stored one, byte for byte." : "The stored attribution record differs from the recomputed one.",
  });
  if (booked) {
    // One hash binds the answer and the record: a mismatch says the booked pair is not this answer with this record.
    const onchain = report.onchainResultHash?.toLowerCase();
    const expected = bookingResultHash(answerHash, report.recomputedHash);
    const storedPair = bookingResultHash(answerHash, report.storedHash);
    const of = `keccak-256(outputHash ${answerHash} of the answer ‖ the recomputed attributionHash ${report.recomputedHash})`;
    checks.push({
      name: "result on-chain",
      ok: onchain === expected,
      detail: !onchain
        ? `No booked record of this request is in ${resultSource || "the index (no bookBatch transaction recorded)"}.`
        : onchain === expected
          ? `resultHash ${onchain} from ${resultSource} matches ${of}.`
          : `resultHash ${onchain} from ${resultSource} differs from ${of}${onchain === storedPair ? "; it is the stored record's, which recomputing does not give" : ": the answer or record booked is another"}.`,
    });
  } else {
    const onchain = report.onchainHash?.toLowerCase();
    checks.push({
      name: "record on-chain",
      ok: onchain === report.recomputedHash,
      detail: onchain ? `attributionHash on-chain ${onchain === report.recomputedHash ? "matches" : "differs from"} the recomputed ${report.recomputedHash}.` : "Not settled yet.",
    });
  }
  report.ok = checks.every((c) => c.ok);
  return report;
}
