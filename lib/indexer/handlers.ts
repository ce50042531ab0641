import { and, asc, eq, lte, sql } from "drizzle-orm";
import type { Address, Hex } from "viem";
import type { Db } from "@/db/client";
import {
  claims,
  contents,
  contributions,
  datanets,
  datanetVersions,
  earningsHourly,
  epochs,
  inferences,
  ledgerEntries,
  modelDatanets,
  models,
  modelUsageHourly,
} from "@/db/schema";
import { versionRoot } from "@/lib/chain/merkle";
import { datanetMetadataSchema, modelMetadataSchema } from "@/lib/metadata";
import type { DecodedEvent } from "./decode";

/** The transaction handle drizzle passes to `db.transaction` callbacks. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

export interface EventContext {
  block: number;
  tx: Hex;
  logIndex: number;
  at: Date;
}

const lower = (a: Address | string) => a.toLowerCase();
const MODEL_KINDS = ["infinigram", "knn", "external"] as const;

export function hourOf(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000);
}

async function metadataJson(tx: Tx, hash: Hex): Promise<unknown> {
  const [row] = await tx.select({ body: contents.body }).from(contents).where(eq(contents.hash, lower(hash))).limit(1);
  if (!row) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(row.body));
  } catch {
    return undefined;
  }
}

/** Credits one role's share: a ledger row and the hourly rollup, in the caller's transaction. */
async function credit(
  tx: Tx,
  ctx: EventContext,
  e: { account: string; role: string; amount: bigint; requestId?: number; modelId?: number; datanetId?: number; key: string },
) {
  if (e.amount === 0n) return;
  await tx.insert(ledgerEntries).values({
    id: e.key,
    account: lower(e.account),
    role: e.role,
    amount: e.amount,
    requestId: e.requestId ?? null,
    modelId: e.modelId ?? null,
    datanetId: e.datanetId ?? null,
    block: ctx.block,
    tx: ctx.tx,
    at: ctx.at,
  });
  await tx
    .insert(earningsHourly)
    .values({
      account: lower(e.account),
      hour: hourOf(ctx.at),
      role: e.role,
      datanetId: e.datanetId ?? 0,
      modelId: e.modelId ?? 0,
      amount: e.amount,
      inferences: 1,
    })
    .onConflictDoUpdate({
      target: [earningsHourly.account, earningsHourly.hour, earningsHourly.role, earningsHourly.datanetId, earningsHourly.modelId],
      set: {
        amount: sql`${earningsHourly.amount} + excluded.amount`,
        inferences: sql`${earningsHourly.inferences} + excluded.inferences`,
      },
    });
}

/** Applies one decoded event to the read model. Called once per (chainId, txHash, logIndex). */
export async function applyEvent(tx: Tx, ev: DecodedEvent, ctx: EventContext): Promise<void> {
  switch (ev.eventName) {
    case "DatanetCreated": {
      const a = ev.args;
      const meta = datanetMetadataSchema.safeParse(await metadataJson(tx, a.metadataHash));
      const id = Number(a.datanetId);
      await tx.insert(datanets).values({
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
        createdBlock: ctx.block,
        createdTx: ctx.tx,
        createdAt: ctx.at,
      });
      return;
    }
    case "DatanetBondChanged":
      await tx.update(datanets).set({ bond: ev.args.bond }).where(eq(datanets.id, Number(ev.args.datanetId)));
      return;
    case "ContributionSubmitted": {
      const a = ev.args;
      await tx.insert(contributions).values({
        id: Number(a.contributionId),
        datanetId: Number(a.datanetId),
        contributor: lower(a.contributor),
        contentHash: lower(a.contentHash),
        bytes: Number(a.bytes_),
        records: Number(a.records),
        bond: a.bond,
        status: "pending",
        submittedBlock: ctx.block,
        submittedTx: ctx.tx,
        submittedAt: ctx.at,
      });
      await tx
        .update(datanets)
        .set({ contributionCount: sql`${datanets.contributionCount} + 1` })
        .where(eq(datanets.id, Number(a.datanetId)));
      return;
    }
    case "ContributionReviewed": {
      const a = ev.args;
      const datanetId = Number(a.datanetId);
      let acceptedSeq: number | null = null;
      if (a.accepted) {
        const [d] = await tx
          .update(datanets)
          .set({ acceptedCount: sql`${datanets.acceptedCount} + 1` })
          .where(eq(datanets.id, datanetId))
          .returning({ acceptedCount: datanets.acceptedCount });
        acceptedSeq = d?.acceptedCount ?? null;
      }
      await tx
        .update(contributions)
        .set({ status: a.accepted ? "accepted" : "rejected", acceptedSeq, reviewedBlock: ctx.block, reviewedTx: ctx.tx, reviewedAt: ctx.at })
        .where(eq(contributions.id, Number(a.contributionId)));
      return;
    }
    case "VersionPublished": {
      const a = ev.args;
      const datanetId = Number(a.datanetId);
      const members = await tx
        .select({ id: contributions.id, contentHash: contributions.contentHash })
        .from(contributions)
        .where(and(eq(contributions.datanetId, datanetId), lte(contributions.acceptedSeq, Number(a.count))))
        .orderBy(asc(contributions.acceptedSeq));
      const expected =
        members.length === Number(a.count)
          ? versionRoot(members.map((m) => ({ id: BigInt(m.id), contentHash: m.contentHash as Hex })))
          : null;
      await tx.insert(datanetVersions).values({
        datanetId,
        version: Number(a.version),
        root: lower(a.root),
        count: Number(a.count),
        rootVerified: expected !== null && lower(expected) === lower(a.root),
        block: ctx.block,
        tx: ctx.tx,
        publishedAt: ctx.at,
      });
      await tx.update(datanets).set({ versionCount: Number(a.version) }).where(eq(datanets.id, datanetId));
      return;
    }
    case "ModelRegistered": {
      const a = ev.args;
      const id = Number(a.modelId);
      const meta = modelMetadataSchema.safeParse(await metadataJson(tx, a.metadataHash));
      await tx.insert(models).values({
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
        builderBps: a.builderBps,
        createdBlock: ctx.block,
        createdTx: ctx.tx,
        createdAt: ctx.at,
      });
      if (a.datanetIds.length > 0) {
        await tx.insert(modelDatanets).values(
          a.datanetIds.map((d, i) => ({ modelId: id, datanetId: Number(d), version: Number(a.versions[i]) })),
        );
      }
      return;
    }
    case "ModelPriceChanged":
      await tx.update(models).set({ price: ev.args.newPrice }).where(eq(models.id, Number(ev.args.modelId)));
      return;
    case "ModelActiveChanged":
      await tx.update(models).set({ active: ev.args.active }).where(eq(models.id, Number(ev.args.modelId)));
      return;
    case "InferencePaid": {
      const a = ev.args;
      await tx.insert(inferences).values({
        requestId: Number(a.requestId),
        modelId: Number(a.modelId),
        payer: lower(a.payer),
        requestHash: lower(a.requestHash),
        price: a.price,
        builder: lower(a.builder),
        builderBps: a.builderBps,
        viaAuthorization: a.viaAuthorization,
        status: "paid",
        paidBlock: ctx.block,
        paidTx: ctx.tx,
        paidAt: ctx.at,
      });
      return;
    }
    case "InferenceSettled": {
      const a = ev.args;
      const requestId = Number(a.requestId);
      const modelId = Number(a.modelId);
      await tx
        .update(inferences)
        .set({
          status: "settled",
          operator: lower(a.operator),
          outputHash: lower(a.outputHash),
          attributionHash: lower(a.attributionHash),
          protocolFee: a.protocolFee,
          operatorFee: a.operatorFee,
          builderFee: a.builderFee,
          contributorPool: a.contributorPool,
          settledBlock: ctx.block,
          settledTx: ctx.tx,
          settledAt: ctx.at,
        })
        .where(eq(inferences.requestId, requestId));
      const base = { requestId, modelId };
      await credit(tx, ctx, { ...base, account: a.protocolTreasury, role: "protocol", amount: a.protocolFee, key: `settle:${requestId}:protocol` });
      await credit(tx, ctx, { ...base, account: a.operator, role: "operator", amount: a.operatorFee, key: `settle:${requestId}:operator` });
      await credit(tx, ctx, { ...base, account: a.builder, role: "builder", amount: a.builderFee, key: `settle:${requestId}:builder` });
      await tx
        .update(models)
        .set({ inferenceCount: sql`${models.inferenceCount} + 1`, revenue: sql`${models.revenue} + ${a.price.toString()}::numeric` })
        .where(eq(models.id, modelId));
      await tx
        .insert(modelUsageHourly)
        .values({ modelId, hour: hourOf(ctx.at), inferences: 1, revenue: a.price })
        .onConflictDoUpdate({
          target: [modelUsageHourly.modelId, modelUsageHourly.hour],
          set: {
            inferences: sql`${modelUsageHourly.inferences} + 1`,
            revenue: sql`${modelUsageHourly.revenue} + excluded.revenue`,
          },
        });
      return;
    }
    case "InferenceRefunded": {
      const a = ev.args;
      const requestId = Number(a.requestId);
      await tx
        .update(inferences)
        .set({ status: "refunded", refundedBlock: ctx.block, refundedTx: ctx.tx, refundedAt: ctx.at })
        .where(eq(inferences.requestId, requestId));
      await tx.insert(ledgerEntries).values({
        id: `refund:${requestId}`,
        account: lower(a.payer),
        role: "refund",
        amount: a.amount,
        requestId,
        block: ctx.block,
        tx: ctx.tx,
        at: ctx.at,
      });
      return;
    }
    case "EpochPosted":
      await tx.insert(epochs).values({
        epoch: Number(ev.args.epoch),
        root: lower(ev.args.root),
        cumulativeTotal: ev.args.cumulativeTotal,
        block: ctx.block,
        tx: ctx.tx,
        postedAt: ctx.at,
      });
      return;
    case "Claimed": {
      const a = ev.args;
      await tx.insert(claims).values({
        tx: ctx.tx,
        logIndex: ctx.logIndex,
        account: lower(a.account),
        epoch: Number(a.epoch),
        amount: a.amount,
        cumulativeAmount: a.cumulativeAmount,
        block: ctx.block,
        claimedAt: ctx.at,
      });
      await tx.insert(ledgerEntries).values({
        id: `claim:${ctx.tx}:${ctx.logIndex}`,
        account: lower(a.account),
        role: "claim",
        amount: a.amount,
        block: ctx.block,
        tx: ctx.tx,
        at: ctx.at,
      });
      return;
    }
    case "Withdrawn":
      await tx.insert(ledgerEntries).values({
        id: `withdraw:${ctx.tx}:${ctx.logIndex}`,
        account: lower(ev.args.account),
        role: "withdraw",
        amount: ev.args.amount,
        block: ctx.block,
        tx: ctx.tx,
        at: ctx.at,
      });
      return;
    default:
      // Events the read model does not need (roles, params) are still kept in chain_events.
      return;
  }
}
