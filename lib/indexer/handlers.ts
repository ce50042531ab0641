/** How each contract event changes the read model. Handlers change the range's store in memory. */
import type { Address, Hex } from "viem";
import { attributionHash, splitPool, type AttributionRecord } from "@/lib/attribution/record";
import { batchRecordRequestId, bookedRequestId, bookedRows, bookingResultHash, type BookedRow, type InferencesBookedArgs } from "@/lib/chain/bookings";
import { versionRoot } from "@/lib/chain/merkle";
import { datanetMetadataSchema, MODEL_KINDS, modelMetadataSchema } from "@/lib/metadata";
import { DATANET_TREASURY_ROLE } from "@/lib/settlement/roles";
import type { DecodedEvent } from "./decode";
import * as governance from "./handlers-governance";
import * as operators from "./handlers-operators";
import type { Preload, RangeStore } from "./store";

export interface EventContext {
  block: number;
  tx: Hex;
  logIndex: number;
  at: Date;
  /** The block's hash (a withdrawal names it: records cite the block whose withdrawal set applied). */
  blockHash?: string;
  /** The emitting contract (the market, for unattributed pools). */
  address?: string;
}

const lower = (a: Address | string) => a.toLowerCase();

export function hourOf(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000);
}

/** The ids and metadata a batch of events will read, so the store loads them in one query per table. */
export function collectPreload(events: DecodedEvent[], into: Preload): Preload {
  for (const ev of events) {
    const a = ev.args as Record<string, unknown>;
    if ("datanetId" in a) into.datanetIds.add(Number(a.datanetId));
    if ("contributionId" in a) into.contributionIds.add(Number(a.contributionId));
    if ("modelId" in a) into.modelIds.add(Number(a.modelId));
    if ("requestId" in a) into.requestIds.add(Number(a.requestId));
    if (ev.eventName === "DatanetCreated" || ev.eventName === "DatanetMetadataChanged" || ev.eventName === "ModelRegistered") {
      into.metadataHashes.add(lower(a.metadataHash as string));
    }
    if (ev.eventName === "InferencePaid") into.paidHashes.set(Number(a.requestId), lower(a.requestHash as string));
    if (ev.eventName === "InferenceSettled") into.settledRequestIds.add(Number(a.requestId));
    if (ev.eventName === "EpochDisputed" || ev.eventName === "DisputeResolved" || ev.eventName === "EpochFinalized") {
      into.epochIds.add(Number(a.epoch));
    }
    operators.collectOperatorPreload(ev, into.governance);
    governance.collectGovernancePreload(ev, into.governance);
  }
  return into;
}

/** Credits one role's share: a ledger row and its hourly rollup. */
function credit(
  store: RangeStore,
  ctx: EventContext,
  e: { account: string; role: string; amount: bigint; requestId?: number; modelId?: number; datanetId?: number; key: string },
) {
  if (e.amount === 0n) return;
  const account = lower(e.account);
  store.ledger.push({
    id: e.key,
    account,
    role: e.role,
    amount: e.amount,
    requestId: e.requestId ?? null,
    modelId: e.modelId ?? null,
    datanetId: e.datanetId ?? null,
    contributionId: null,
    block: ctx.block,
    tx: ctx.tx,
    at: ctx.at,
  });
  store.addEarnings({ account, hour: hourOf(ctx.at), role: e.role, datanetId: e.datanetId, modelId: e.modelId, amount: e.amount });
}

/**
 * What the chain holds of a settlement's answer: a settle names the outputHash and attributionHash, a booked record
 * one resultHash of both (lib/chain/bookings.ts `bookingResultHash`).
 */
type Commitment = { outputHash: string; attributionHash: string } | { resultHash: string };

/** The stored record of a settlement if it is the one the chain committed to, with its hashes; else why not. */
type CommittedRecord = { record: AttributionRecord; outputHash: string | null; attributionHash: string } | { record: null; problem: string };

function committedRecord(store: RangeStore, requestHash: string, c: Commitment): CommittedRecord {
  const stored = store.records.get(requestHash);
  if (!stored) return { record: null, problem: "no attribution record was stored for it" };
  if (!stored.record) return { record: null, problem: `its stored attribution record is unreadable (${stored.error})` };
  const hash = attributionHash(stored.record);
  if ("resultHash" in c) {
    // The answer is committed with the record: a record stored beside another answer than the one booked is refused.
    if (stored.outputHash === undefined || bookingResultHash(stored.outputHash as Hex, hash) !== lower(c.resultHash)) {
      return { record: null, problem: "its stored answer and attribution record do not hash to the booked resultHash" };
    }
    return { record: stored.record, outputHash: stored.outputHash, attributionHash: hash };
  }
  if (hash !== lower(c.attributionHash)) return { record: null, problem: "its stored attribution record does not hash to the on-chain attributionHash" };
  return { record: stored.record, outputHash: null, attributionHash: hash };
}

/**
 * The contributor pool of a settlement, by its attribution record: the operator stored the record
 * (inference_results) before settling and the chain holds its hash ({@link committedRecord}). Each contribution
 * gets splitPool's amount (cumulative rounding: Σ == pool exactly): an attribution_entries row, a ledger row
 * (role contributor), the contributor's hourly earnings and its Datanet's. Without a record that hashes to what
 * the chain committed to, the whole pool goes to one `unattributed` ledger row held by the market, so the ledger
 * still sums to what was paid. Returns contributor earnings per Datanet.
 */
function creditContributors(
  store: RangeStore,
  ctx: EventContext,
  s: { requestId: number; modelId: number; pool: bigint; recordRequestId: string },
  committed: CommittedRecord,
): Map<number, bigint> {
  const perDatanet = new Map<number, bigint>();
  let problem: string | null = committed.record ? null : committed.problem;
  if (committed.record && (committed.record.requestId !== s.recordRequestId || committed.record.modelId !== s.modelId)) {
    problem = "its stored attribution record names another request or model";
  }
  let unattributed = s.pool;
  if (!problem) {
    const record = committed.record!;
    const hour = hourOf(ctx.at);
    const byAccount = new Map<string, { account: string; datanetId: number; amount: bigint }>();
    const unknown: number[] = [];
    const unknownDatanets: number[] = [];
    for (const share of splitPool(record, s.pool)) {
      const { amount, weightPpm } = share;
      if (share.datanetId !== undefined) {
        // Nothing in the answer matched: the model's Datanets' treasuries take the pool (record version 2).
        const d = store.datanets.get(share.datanetId);
        if (!d) {
          unknownDatanets.push(share.datanetId);
          continue;
        }
        unattributed -= amount;
        perDatanet.set(d.id, (perDatanet.get(d.id) ?? 0n) + amount);
        credit(store, ctx, { account: d.treasury, role: DATANET_TREASURY_ROLE, amount, requestId: s.requestId, modelId: s.modelId, datanetId: d.id, key: `settle:${s.requestId}:datanet:${d.id}` });
        continue;
      }
      const contributionId = share.contributionId;
      const c = store.contributions.get(contributionId);
      if (!c) {
        unknown.push(contributionId);
        continue;
      }
      unattributed -= amount;
      const account = lower(c.contributor);
      store.attribution.push({
        requestId: s.requestId,
        contributionId,
        datanetId: c.datanetId,
        contributor: account,
        weightPpm,
        amount,
        settledAt: ctx.at,
      });
      perDatanet.set(c.datanetId, (perDatanet.get(c.datanetId) ?? 0n) + amount);
      if (amount === 0n) continue;
      store.ledger.push({
        id: `settle:${s.requestId}:contribution:${contributionId}`,
        account,
        role: "contributor",
        amount,
        requestId: s.requestId,
        modelId: s.modelId,
        datanetId: c.datanetId,
        contributionId,
        block: ctx.block,
        tx: ctx.tx,
        at: ctx.at,
      });
      const key = `${account}|${c.datanetId}`;
      const cur = byAccount.get(key) ?? { account, datanetId: c.datanetId, amount: 0n };
      cur.amount += amount;
      byAccount.set(key, cur);
    }
    // One rollup row per (contributor, Datanet) and inference, however many of their contributions it used.
    for (const e of byAccount.values()) {
      store.addEarnings({ account: e.account, hour, role: "contributor", datanetId: e.datanetId, modelId: s.modelId, amount: e.amount });
    }
    if (unknown.length) problem = `its record names contributions the index does not have (${unknown.join(", ")})`;
    else if (unknownDatanets.length) problem = `its record names Datanets the index does not have (${unknownDatanets.join(", ")})`;
  }
  if (problem) {
    store.warnings.push(`indexer: request ${s.requestId}: ${problem}; ${unattributed} wei of its contributor pool are held as unattributed`);
  }
  if (unattributed > 0n) {
    store.ledger.push({
      id: `settle:${s.requestId}:unattributed`,
      account: lower(ctx.address ?? "unknown"),
      role: "unattributed",
      amount: unattributed,
      requestId: s.requestId,
      modelId: s.modelId,
      datanetId: null,
      contributionId: null,
      block: ctx.block,
      tx: ctx.tx,
      at: ctx.at,
    });
  }
  return perDatanet;
}

function missing(what: string, id: number): never {
  throw new Error(`indexer: ${what} ${id} is not in the database; the event log is out of order or incomplete`);
}

type InferenceRow = Parameters<RangeStore["putInference"]>[0];

/** A paid inference's row, before its settlement or refund (InferencePaid, or one booked record). */
function paidInference(
  ctx: EventContext,
  p: Pick<InferenceRow, "requestId" | "modelId" | "price" | "builderBps" | "viaAuthorization" | "bookingBatch"> & { payer: string; requestHash: string; builder: string },
): InferenceRow {
  return {
    ...p,
    payer: lower(p.payer),
    requestHash: lower(p.requestHash),
    builder: lower(p.builder),
    status: "paid",
    paidBlock: ctx.block,
    paidTx: ctx.tx,
    paidAt: ctx.at,
    operator: null,
    outputHash: null,
    attributionHash: null,
    protocolFee: null,
    operatorFee: null,
    builderFee: null,
    contributorPool: null,
    settledBlock: null,
    settledTx: null,
    settledAt: null,
    refundedBlock: null,
    refundedTx: null,
    refundedAt: null,
  };
}

/** What a settlement (InferenceSettled, or one booked record) fixes: its split and hashes. */
type Settlement = Commitment & {
  operator: string;
  protocolTreasury: string;
  builder: string;
  price: bigint;
  protocolFee: bigint;
  operatorFee: bigint;
  builderFee: bigint;
  contributorPool: bigint;
  /** The request id its attribution record names (the on-chain id; a booked inference's request hash as a decimal). */
  recordRequestId: string;
};

/** Settles a paid inference: its row, the four roles' credits, model and Datanet usage, the operator's stats. */
function settleInference(store: RangeStore, ctx: EventContext, inf: InferenceRow, a: Settlement) {
  const { requestId, modelId } = inf;
  const committed = committedRecord(store, inf.requestHash, a);
  // A booked inference's two hashes are not on-chain: they are the stored answer's and record's when those hash to
  // its resultHash, else unknown.
  const hashes =
    "resultHash" in a
      ? committed.record
        ? { outputHash: committed.outputHash, attributionHash: committed.attributionHash }
        : { outputHash: null, attributionHash: null }
      : { outputHash: lower(a.outputHash), attributionHash: lower(a.attributionHash) };
  store.putInference({
    ...inf,
    status: "settled",
    // What was charged: a per-token request escrowed its ceiling and the rest went back (UnusedCeilingReturned).
    price: a.price,
    operator: lower(a.operator),
    ...hashes,
    protocolFee: a.protocolFee,
    operatorFee: a.operatorFee,
    builderFee: a.builderFee,
    contributorPool: a.contributorPool,
    settledBlock: ctx.block,
    settledTx: ctx.tx,
    settledAt: ctx.at,
  });
  const base = { requestId, modelId };
  credit(store, ctx, { ...base, account: a.protocolTreasury, role: "protocol", amount: a.protocolFee, key: `settle:${requestId}:protocol` });
  credit(store, ctx, { ...base, account: a.operator, role: "operator", amount: a.operatorFee, key: `settle:${requestId}:operator` });
  credit(store, ctx, { ...base, account: a.builder, role: "builder", amount: a.builderFee, key: `settle:${requestId}:builder` });
  const m = store.models.get(modelId) ?? missing("model", modelId);
  store.putModel({ ...m, inferenceCount: m.inferenceCount + 1, revenue: m.revenue + a.price });
  store.addModelUsage(modelId, hourOf(ctx.at), a.price);
  const perDatanet = creditContributors(store, ctx, { requestId, modelId, pool: a.contributorPool, recordRequestId: a.recordRequestId }, committed);
  // Usage of each Datanet the model was built from (and any other its record credited), with its earnings.
  const datanetIds = new Set([...(store.lineage.get(modelId) ?? []), ...perDatanet.keys()]);
  for (const datanetId of datanetIds) store.addDatanetUsage(datanetId, hourOf(ctx.at), perDatanet.get(datanetId) ?? 0n);
  operators.onOperatorSettled(store, a, ctx);
}

/**
 * A bookBatch transaction: every record of its batch (from calldata, checked against the event's batchHash and
 * totals by bookedRows) becomes a settled inference exactly as a single settle would make it. If the batch cannot be
 * read (the call came through another contract, or the calldata is missing), the totals are still credited: protocol
 * and operator to their accounts, builder fees and contributor pools held as unattributed by the market, so the
 * ledger sums to what the market booked.
 */
function onInferencesBooked(store: RangeStore, a: InferencesBookedArgs, ctx: EventContext) {
  const models = store.bookedModels.filter((m) => m.batchId === a.batchId);
  const data = store.bookings.get(lower(ctx.tx));
  let rows: BookedRow[];
  try {
    if (!data) throw new Error("its transaction's bookBatch calldata was not read");
    rows = bookedRows(a, models, data as Hex);
  } catch (err) {
    const key = `book:${a.batchId}`;
    store.warnings.push(`indexer: booking batch ${a.batchId} (${ctx.tx}): ${(err as Error).message}; ${a.builderFee + a.contributorPool} wei of builder fees and pools are held as unattributed`);
    credit(store, ctx, { account: a.protocolTreasury, role: "protocol", amount: a.protocolFee, key: `${key}:protocol` });
    credit(store, ctx, { account: a.operator, role: "operator", amount: a.operatorFee, key: `${key}:operator` });
    credit(store, ctx, { account: ctx.address ?? "unknown", role: "unattributed", amount: a.builderFee + a.contributorPool, key: `${key}:unattributed` });
    return;
  }
  for (const r of rows) {
    const requestId = bookedRequestId(a.batchId, r.index);
    const modelId = Number(r.modelId);
    const inf = paidInference(ctx, {
      requestId,
      modelId,
      payer: r.payer,
      requestHash: r.requestHash,
      price: r.price,
      builder: r.builder,
      builderBps: r.builderBps,
      viaAuthorization: false,
      bookingBatch: Number(a.batchId),
    });
    settleInference(store, ctx, inf, { ...r, recordRequestId: batchRecordRequestId(r.requestHash).toString() });
  }
}

/** Applies one decoded event. Called once per (chainId, txHash, logIndex), in chain order. */
export async function applyEvent(store: RangeStore, ev: DecodedEvent, ctx: EventContext): Promise<void> {
  switch (ev.eventName) {
    case "DatanetCreated": {
      const a = ev.args;
      const id = Number(a.datanetId);
      const meta = datanetMetadataSchema.safeParse(store.metadata.get(lower(a.metadataHash)));
      store.putDatanet({
        id,
        owner: lower(a.owner),
        treasury: lower(a.treasury),
        metadataHash: lower(a.metadataHash),
        metadataUri: a.metadataURI,
        name: meta.success ? meta.data.name : `Datanet #${id}`,
        summary: meta.success ? meta.data.summary : "",
        description: meta.success ? meta.data.description : "",
        tags: meta.success ? meta.data.tags : [],
        license: meta.success ? meta.data.license : "",
        bond: a.bond,
        curated: a.curated,
        contributionCount: 0,
        acceptedCount: 0,
        versionCount: 0,
        createdBlock: ctx.block,
        createdTx: ctx.tx,
        createdAt: ctx.at,
      });
      return;
    }
    case "DatanetMetadataChanged": {
      // The owner replaced the metadata (setMetadata). The chain's hash and URI are recorded whatever they point
      // at; the shown fields change only when the new JSON is stored here and valid, so metadata that is missing,
      // not JSON, oversized or of the wrong shape keeps the last good name, summary, description and tags.
      const a = ev.args;
      const id = Number(a.datanetId);
      const d = store.datanets.get(id) ?? missing("Datanet", id);
      const meta = datanetMetadataSchema.safeParse(store.metadata.get(lower(a.metadataHash)));
      store.putDatanet({
        ...d,
        metadataHash: lower(a.metadataHash),
        metadataUri: a.metadataURI,
        ...(meta.success
          ? { name: meta.data.name, summary: meta.data.summary, description: meta.data.description, tags: meta.data.tags, license: meta.data.license }
          : {}),
      });
      return;
    }
    case "DatanetBondChanged": {
      const d = store.datanets.get(Number(ev.args.datanetId)) ?? missing("Datanet", Number(ev.args.datanetId));
      store.putDatanet({ ...d, bond: ev.args.bond });
      return;
    }
    case "ContributionSubmitted": {
      const a = ev.args;
      const datanetId = Number(a.datanetId);
      const d = store.datanets.get(datanetId) ?? missing("Datanet", datanetId);
      store.putContribution({
        id: Number(a.contributionId),
        datanetId,
        contributor: lower(a.contributor),
        contentHash: lower(a.contentHash),
        bytes: Number(a.bytes_),
        records: Number(a.records),
        bond: a.bond,
        status: "pending",
        acceptedSeq: null,
        submittedBlock: ctx.block,
        submittedTx: ctx.tx,
        submittedAt: ctx.at,
        reviewedBlock: null,
        reviewedTx: null,
        reviewedAt: null,
        termsKind: 0,
        maxVerbatimTokens: null,
        withdrawnBy: null,
        withdrawnReason: null,
        withdrawnBlock: null,
        withdrawnBlockHash: null,
        withdrawnTx: null,
        withdrawnAt: null,
      });
      store.putDatanet({ ...d, contributionCount: d.contributionCount + 1 });
      return;
    }
    case "ContributionTerms": {
      // Emitted right after ContributionSubmitted in the same transaction; the terms never change.
      const id = Number(ev.args.contributionId);
      const c = store.contributions.get(id) ?? missing("contribution", id);
      const kind = ev.args.kind as 0 | 1 | 2;
      store.putContribution({ ...c, termsKind: kind, maxVerbatimTokens: kind === 2 ? ev.args.maxVerbatimTokens : null });
      return;
    }
    case "ContributionReviewed": {
      const a = ev.args;
      const datanetId = Number(a.datanetId);
      const id = Number(a.contributionId);
      const c = store.contributions.get(id) ?? missing("contribution", id);
      let acceptedSeq: number | null = null;
      if (a.accepted) {
        const d = store.datanets.get(datanetId) ?? missing("Datanet", datanetId);
        acceptedSeq = d.acceptedCount + 1;
        store.putDatanet({ ...d, acceptedCount: acceptedSeq });
      }
      store.putContribution({
        ...c,
        status: a.accepted ? "accepted" : "rejected",
        acceptedSeq,
        reviewedBlock: ctx.block,
        reviewedTx: ctx.tx,
        reviewedAt: ctx.at,
      });
      return;
    }
    case "ContributionWithdrawn": {
      // A takedown changes one row; a reorg that drops it replays the remaining events, restoring the row.
      const a = ev.args;
      const id = Number(a.contributionId);
      const c = store.contributions.get(id) ?? missing("contribution", id);
      if (!ctx.blockHash) throw new Error(`indexer: the withdrawal of contribution ${id} came without its block hash`);
      store.putContribution({
        ...c,
        withdrawnBy: lower(a.by),
        withdrawnReason: a.reason,
        withdrawnBlock: ctx.block,
        withdrawnBlockHash: lower(ctx.blockHash),
        withdrawnTx: ctx.tx,
        withdrawnAt: ctx.at,
      });
      return;
    }
    case "VersionPublished": {
      const a = ev.args;
      const datanetId = Number(a.datanetId);
      const count = Number(a.count);
      const members = (await store.acceptedContributions(datanetId)).slice(0, count);
      const expected =
        members.length === count ? versionRoot(members.map((m) => ({ id: BigInt(m.id), contentHash: m.contentHash as Hex }))) : null;
      store.versions.push({
        datanetId,
        version: Number(a.version),
        root: lower(a.root),
        count,
        rootVerified: expected !== null && lower(expected) === lower(a.root),
        block: ctx.block,
        tx: ctx.tx,
        publishedAt: ctx.at,
      });
      const d = store.datanets.get(datanetId) ?? missing("Datanet", datanetId);
      store.putDatanet({ ...d, versionCount: Number(a.version) });
      return;
    }
    case "ModelRegistered": {
      const a = ev.args;
      const id = Number(a.modelId);
      const meta = modelMetadataSchema.safeParse(store.metadata.get(lower(a.metadataHash)));
      store.putModel({
        id,
        builder: lower(a.builder),
        artifactHash: lower(a.artifactHash),
        metadataHash: lower(a.metadataHash),
        metadataUri: a.metadataURI,
        name: meta.success ? meta.data.name : `Model #${id}`,
        description: meta.success ? meta.data.description : "",
        kind: MODEL_KINDS[a.kind] ?? "external",
        parameters: meta.success ? meta.data.parameters : {},
        evaluation: meta.success ? (meta.data.evaluation ?? null) : null,
        price: a.price,
        // A model registers flat-priced; per-token rates come with ModelTokenRatesChanged.
        inputRate: 0n,
        outputRate: 0n,
        builderBps: a.builderBps,
        active: true,
        inferenceCount: 0,
        revenue: 0n,
        createdBlock: ctx.block,
        createdTx: ctx.tx,
        createdAt: ctx.at,
      });
      a.datanetIds.forEach((d, i) => store.modelDatanets.push({ modelId: id, datanetId: Number(d), version: Number(a.versions[i]) }));
      store.lineage.set(id, a.datanetIds.map(Number));
      return;
    }
    case "ModelPriceChanged": {
      const m = store.models.get(Number(ev.args.modelId)) ?? missing("model", Number(ev.args.modelId));
      store.putModel({ ...m, price: ev.args.newPrice });
      return;
    }
    case "ModelTokenRatesChanged": {
      const m = store.models.get(Number(ev.args.modelId)) ?? missing("model", Number(ev.args.modelId));
      store.putModel({ ...m, inputRate: ev.args.inputRate, outputRate: ev.args.outputRate });
      return;
    }
    case "ModelActiveChanged": {
      const m = store.models.get(Number(ev.args.modelId)) ?? missing("model", Number(ev.args.modelId));
      store.putModel({ ...m, active: ev.args.active });
      return;
    }
    case "InferencePaid": {
      const a = ev.args;
      store.putInference(
        paidInference(ctx, {
          requestId: Number(a.requestId),
          modelId: Number(a.modelId),
          payer: a.payer,
          requestHash: a.requestHash,
          price: a.price,
          builder: a.builder,
          builderBps: a.builderBps,
          viaAuthorization: a.viaAuthorization,
          bookingBatch: null,
        }),
      );
      return;
    }
    case "InferenceSettled": {
      const a = ev.args;
      const requestId = Number(a.requestId);
      const inf = store.inferences.get(requestId) ?? missing("inference", requestId);
      settleInference(store, ctx, inf, { ...a, recordRequestId: String(requestId) });
      return;
    }
    case "BookedModel":
      // Emitted before its batch's InferencesBooked, in the same transaction.
      store.bookedModels.push(ev.args);
      return;
    case "InferencesBooked":
      return onInferencesBooked(store, ev.args, ctx);
    case "UnusedCeilingReturned": {
      // A per-token request's escrow above its charge, back to the payer at settle.
      const a = ev.args;
      const requestId = Number(a.requestId);
      const inf = store.inferences.get(requestId) ?? missing("inference", requestId);
      store.ledger.push({
        id: `return:${requestId}`,
        account: lower(a.payer),
        role: "refund",
        amount: a.amount,
        requestId,
        modelId: inf.modelId,
        datanetId: null,
        contributionId: null,
        block: ctx.block,
        tx: ctx.tx,
        at: ctx.at,
      });
      return;
    }
    case "InferenceRefunded": {
      const a = ev.args;
      const requestId = Number(a.requestId);
      const inf = store.inferences.get(requestId) ?? missing("inference", requestId);
      store.putInference({ ...inf, status: "refunded", refundedBlock: ctx.block, refundedTx: ctx.tx, refundedAt: ctx.at });
      store.ledger.push({
        id: `refund:${requestId}`,
        account: lower(a.payer),
        role: "refund",
        amount: a.amount,
        requestId,
        modelId: inf.modelId,
        datanetId: null,
        contributionId: null,
        block: ctx.block,
        tx: ctx.tx,
        at: ctx.at,
      });
      return;
    }
    case "EpochPosted": {
      const a = ev.args;
      store.putEpoch({
        epoch: Number(a.epoch),
        prev: Number(a.prev),
        root: lower(a.root),
        cumulativeTotal: a.cumulativeTotal,
        throughBlock: Number(a.throughBlock),
        poster: lower(a.poster),
        status: "pending",
        finalizesAt: new Date(Number(a.finalizesAt) * 1000),
        block: ctx.block,
        tx: ctx.tx,
        postedAt: ctx.at,
        challenger: null,
        disputeBond: null,
        disputedAt: null,
        disputeTx: null,
        upheld: null,
        resolvedAt: null,
        resolveTx: null,
        finalizedAt: null,
        finalizeTx: null,
      });
      return;
    }
    case "EpochDisputed": {
      const e = store.epochs.get(Number(ev.args.epoch)) ?? missing("epoch", Number(ev.args.epoch));
      store.putEpoch({ ...e, status: "disputed", challenger: lower(ev.args.challenger), disputeBond: ev.args.bond, disputedAt: ctx.at, disputeTx: ctx.tx });
      return;
    }
    case "DisputeResolved": {
      const e = store.epochs.get(Number(ev.args.epoch)) ?? missing("epoch", Number(ev.args.epoch));
      const upheld = ev.args.upheld;
      store.putEpoch({ ...e, status: upheld ? "discarded" : "pending", upheld, resolvedAt: ctx.at, resolveTx: ctx.tx });
      return;
    }
    case "EpochFinalized": {
      const e = store.epochs.get(Number(ev.args.epoch)) ?? missing("epoch", Number(ev.args.epoch));
      store.putEpoch({ ...e, status: "final", finalizedAt: ctx.at, finalizeTx: ctx.tx });
      return;
    }
    case "Claimed": {
      const a = ev.args;
      store.claims.push({
        tx: ctx.tx,
        logIndex: ctx.logIndex,
        account: lower(a.account),
        epoch: Number(a.epoch),
        amount: a.amount,
        cumulativeAmount: a.cumulativeAmount,
        block: ctx.block,
        claimedAt: ctx.at,
      });
      store.ledger.push({
        id: `claim:${ctx.tx}:${ctx.logIndex}`,
        account: lower(a.account),
        role: "claim",
        amount: a.amount,
        requestId: null,
        modelId: null,
        datanetId: null,
        contributionId: null,
        block: ctx.block,
        tx: ctx.tx,
        at: ctx.at,
      });
      return;
    }
    case "Withdrawn":
      store.ledger.push({
        id: `withdraw:${ctx.tx}:${ctx.logIndex}`,
        account: lower(ev.args.account),
        role: "withdraw",
        amount: ev.args.amount,
        requestId: null,
        modelId: null,
        datanetId: null,
        contributionId: null,
        block: ctx.block,
        tx: ctx.tx,
        at: ctx.at,
      });
      return;
    // Staked operators and the market's governed parameters (handlers-operators.ts).
    case "Staked":
      return operators.onStaked(store, ev, ctx);
    case "UnstakeRequested":
      return operators.onUnstakeRequested(store, ev, ctx);
    case "StakeWithdrawn":
      return operators.onStakeWithdrawn(store, ev, ctx);
    case "Slashed":
      return operators.onSlashed(store, ev, ctx);
    case "FeesChanged":
      return operators.onFeesChanged(store, ev, ctx);
    case "ParamsChanged":
      return operators.onParamsChanged(store, ev, ctx);
    // The Governor and vOPEN (handlers-governance.ts).
    case "ProposalCreated":
      return governance.onProposalCreated(store, ev, ctx);
    case "VoteCast":
    case "VoteCastWithParams":
      return governance.onVoteCast(store, ev, ctx);
    case "ProposalQueued":
      return governance.onProposalQueued(store, ev, ctx);
    case "ProposalExecuted":
      return governance.onProposalExecuted(store, ev, ctx);
    case "ProposalCanceled":
      return governance.onProposalCanceled(store, ev, ctx);
    case "VotingDelaySet":
    case "VotingPeriodSet":
    case "ProposalThresholdSet":
    case "QuorumNumeratorUpdated":
    case "TimelockChange":
      return governance.onGovernorSetting(store, ev, ctx);
    case "Transfer":
      return governance.onVoteTransfer(store, ev, ctx);
    case "DelegateChanged":
      return governance.onDelegateChanged(store, ev, ctx);
    case "DelegateVotesChanged":
      return governance.onDelegateVotesChanged(store, ev, ctx);
    default:
      // Events the read model does not need (roles, approvals) are still kept in chain_events.
      return;
  }
}
