/** The resources' response shapes, named as OpenAPI components (`#/components/schemas/<id>`). */
import { z } from "zod";
import { EARNING_ROLES, EARNINGS_GROUPS } from "@/lib/queries";
import { addressOut, countOut, hashOut, idOut, named, timestamp, wei } from "../spec";
import { contributionStatus, inferenceStatus, modelKind, rangeOut } from "./shared";
import { TOKENIZER_NAMES } from "@/lib/attribution/tokenizer-names";

export const DatanetSummary = named(
  "DatanetSummary",
  z.object({
    id: idOut,
    name: z.string(),
    summary: z.string(),
    tags: z.array(z.string()),
    license: z.string(),
    owner: addressOut,
    curated: z.boolean(),
    bond: wei,
    contributionCount: countOut,
    acceptedCount: countOut,
    versionCount: countOut,
    contributors: countOut.meta({ description: "Distinct addresses that submitted at least one contribution." }),
    acceptedRecords: countOut.meta({ description: "Records in accepted contributions." }),
    models: countOut.meta({ description: "Models built from a version of this Datanet." }),
    inferences: countOut.meta({ description: "Settled inferences that credited its contributors." }),
    contributorEarnings: wei.meta({ description: "Σ paid to its contributors through attribution." }),
    createdAt: timestamp,
  }),
);

const DatanetVersion = named(
  "DatanetVersion",
  z.object({
    version: countOut,
    root: hashOut,
    count: countOut,
    rootVerified: z.boolean().meta({ description: "The on-chain root equals the root recomputed from the indexed contributions." }),
    tx: hashOut,
    publishedAt: timestamp,
  }),
);

const DatanetModel = named(
  "DatanetModel",
  z.object({
    id: idOut,
    name: z.string(),
    kind: modelKind,
    builder: addressOut,
    price: wei,
    active: z.boolean(),
    inferenceCount: countOut,
    version: countOut.meta({ description: "The Datanet version the model was built from." }),
    createdAt: timestamp,
  }),
);

export const DatanetDetail = named(
  "DatanetDetail",
  z.object({
    id: idOut,
    owner: addressOut,
    treasury: addressOut,
    metadataHash: hashOut,
    metadataUri: z.string(),
    name: z.string(),
    summary: z.string(),
    description: z.string(),
    tags: z.array(z.string()),
    license: z.string(),
    bond: wei,
    curated: z.boolean(),
    contributionCount: countOut,
    acceptedCount: countOut,
    versionCount: countOut,
    createdBlock: countOut,
    createdTx: hashOut,
    createdAt: timestamp,
    statusCounts: z.object({ pending: countOut, accepted: countOut, rejected: countOut }),
    contributors: countOut,
    acceptedRecords: countOut,
    contributorEarnings: wei.meta({ description: "Σ contributor earnings credited through this Datanet." }),
    versions: z.array(DatanetVersion).meta({ description: "Newest first." }),
    models: z.array(DatanetModel).meta({ description: "Models built from a version of this Datanet, newest first." }),
  }),
);

export const Contribution = named(
  "Contribution",
  z.object({
    id: idOut,
    contributor: addressOut,
    contentHash: hashOut,
    records: countOut,
    bytes: countOut,
    bond: wei,
    status: contributionStatus,
    acceptedSeq: countOut.nullable().meta({ description: "Position in the Datanet's acceptance order (null unless accepted)." }),
    submittedAt: timestamp,
    submittedTx: hashOut,
    reviewedAt: timestamp.nullable(),
    withdrawnBy: addressOut.nullable().meta({ description: "Takedown: the contributor (withdrew it) or the Datanet owner (removed it); null while it is not withdrawn. Models skip a withdrawn contribution from the next inference on." }),
    withdrawnReason: z.string().nullable().meta({ description: "The owner's stated reason for a removal; empty for the contributor's own withdrawal." }),
    withdrawnAt: timestamp.nullable(),
    withdrawnTx: hashOut.nullable(),
    termsKind: z.union([z.literal(0), z.literal(1), z.literal(2)]).meta({ description: "The contributor's terms for model outputs (fixed at registration): 0 open, 1 attribution required, 2 no verbatim over maxVerbatimTokens." }),
    maxVerbatimTokens: countOut.nullable().meta({ description: "For terms 2: the longest run of its tokens an answer may copy." }),
  }),
);

export const LeaderboardEntry = named(
  "LeaderboardEntry",
  z.object({
    rank: countOut.meta({ description: "1-based position in the whole leaderboard." }),
    contributor: addressOut,
    earned: wei.meta({ description: "Σ contributor earnings through this Datanet (earnings_hourly, role contributor)." }),
    inferences: countOut,
    contributions: countOut,
    accepted: countOut,
    acceptedRecords: countOut,
  }),
);

const LineageRef = z.object({ datanetId: idOut, datanetName: z.string(), version: countOut });

export const ModelSummary = named(
  "ModelSummary",
  z.object({
    id: idOut,
    name: z.string(),
    description: z.string(),
    kind: modelKind,
    builder: addressOut,
    price: wei.meta({ description: "Wei of OPEN: a flat-price model's price; a per-token model's fixed fee F." }),
    inputRate: wei.meta({ description: "Wei per prompt token (R_in); 0 with outputRate 0 = flat price." }),
    outputRate: wei.meta({ description: "Wei per answer token (R_out)." }),
    builderBps: countOut,
    active: z.boolean(),
    inferenceCount: countOut,
    revenue: wei,
    createdAt: timestamp,
    lineage: z.array(LineageRef),
  }),
);

const ModelLineageItem = named(
  "ModelLineageItem",
  z.object({
    datanetId: idOut,
    datanetName: z.string(),
    datanetSummary: z.string(),
    version: countOut,
    root: hashOut.nullable().meta({ description: "Null while the version is not indexed." }),
    count: countOut.nullable(),
    rootVerified: z.boolean().nullable(),
    publishedAt: timestamp.nullable(),
  }),
);

export const ModelDetail = named(
  "ModelDetail",
  z.object({
    id: idOut,
    builder: addressOut,
    artifactHash: hashOut,
    metadataHash: hashOut,
    metadataUri: z.string(),
    name: z.string(),
    description: z.string(),
    kind: modelKind,
    parameters: z.record(z.string(), z.unknown()),
    tokenizer: z.enum(TOKENIZER_NAMES).meta({
      description:
        "The tokenizer the model's tokens are in: its corpus index's (generation, span tracing, retrieval) and what T_in, T_out and `usage` count. r50k_base (GPT-2) unless its build chose cl100k_base or o200k_base; r50k_base for kNN models.",
    }),
    evaluation: z.record(z.string(), z.unknown()).nullable(),
    price: wei.meta({ description: "Wei of OPEN: a flat-price model's price; a per-token model's fixed fee F." }),
    inputRate: wei.meta({ description: "Wei per prompt token (R_in); 0 with outputRate 0 = flat price. A per-token request costs T_in·R_in + T_out·R_out + F." }),
    outputRate: wei.meta({ description: "Wei per answer token (R_out)." }),
    builderBps: countOut,
    active: z.boolean(),
    inferenceCount: countOut,
    revenue: wei,
    createdBlock: countOut,
    createdTx: hashOut,
    createdAt: timestamp,
    lineage: z.array(ModelLineageItem).meta({ description: "The Datanet versions the model was built from." }),
  }),
);

export const ModelUsage = named(
  "ModelUsage",
  z.object({
    modelId: idOut,
    ...rangeOut,
    inferences: countOut,
    revenue: wei,
    points: z
      .array(z.object({ t: timestamp, inferences: countOut, revenue: wei }))
      .meta({ description: "Buckets with settled inferences, oldest first; empty buckets are omitted." }),
  }),
);

export const InferenceItem = named(
  "InferenceItem",
  z.object({
    requestId: idOut,
    modelId: idOut,
    modelName: z.string().nullable(),
    payer: addressOut,
    price: wei,
    status: inferenceStatus,
    viaAuthorization: z.boolean(),
    contributorPool: wei.nullable(),
    paidAt: timestamp,
    paidTx: hashOut,
    settledAt: timestamp.nullable(),
    refundedAt: timestamp.nullable(),
  }),
);

const AttributionItem = named(
  "InferenceAttribution",
  z.object({
    contributionId: idOut.nullable().meta({ description: "null: a Datanet treasury's share (nothing in the answer matched; `contributor` is the treasury)." }),
    datanetId: idOut,
    datanetName: z.string().nullable(),
    contributor: addressOut,
    contentHash: hashOut.nullable(),
    records: countOut.nullable(),
    weightPpm: countOut.meta({ description: "Attribution weight in parts per million." }),
    amount: wei,
  }),
);

const TracedSpan = named(
  "TracedSpan",
  z.object({
    start: z.number().int().meta({ description: "Offset of the span in the output (UTF-16 code units)." }),
    end: z.number().int().meta({ description: "End offset (exclusive)." }),
    strength: z.number().meta({ description: "0..1: how strongly the span is traced (∞-gram: its main contribution's share of the tokens' credit; span tracing: rarity)." }),
    sources: z.array(
      z.object({
        contributionId: idOut,
        sharePpm: z.number().int().meta({ description: "This contribution's share of the span's credit, parts per million." }),
        contributor: z.string(),
        datanetId: z.number().int(),
        datanetName: z.string().nullable(),
      }),
    ),
  }),
);

export const InferenceDetail = named(
  "InferenceDetail",
  z.object({
    requestId: idOut,
    modelId: idOut,
    modelName: z.string().nullable(),
    payer: addressOut,
    requestHash: hashOut,
    price: wei,
    builder: addressOut,
    builderBps: countOut,
    viaAuthorization: z.boolean(),
    status: inferenceStatus,
    paidBlock: countOut,
    paidTx: hashOut,
    paidAt: timestamp,
    operator: addressOut.nullable(),
    outputHash: hashOut.nullable(),
    attributionHash: hashOut.nullable(),
    protocolFee: wei.nullable(),
    operatorFee: wei.nullable(),
    builderFee: wei.nullable(),
    contributorPool: wei.nullable(),
    settledBlock: countOut.nullable(),
    settledTx: hashOut.nullable(),
    settledAt: timestamp.nullable(),
    refundedBlock: countOut.nullable(),
    refundedTx: hashOut.nullable(),
    refundedAt: timestamp.nullable(),
    result: z
      .object({
        prompt: z.string(),
        output: z.string(),
        params: z.record(z.string(), z.unknown()),
        attributionMethod: z.string(),
        attributionRecord: z.string().meta({ description: "The canonical attribution record; its keccak-256 is attributionHash." }),
        createdAt: timestamp,
      })
      .nullable()
      .meta({ description: "What the operator served (null until served)." }),
    attribution: z.array(AttributionItem).meta({ description: "Credited contributions, largest amount first (at most 500)." }),
    attributionCount: countOut.meta({ description: "How many contributions the attribution credits in all." }),
    terms: z
      .array(
        z.object({
          contributionId: idOut,
          contributor: addressOut.nullable(),
          maxVerbatimTokens: countOut,
          effect: z.enum(["enforced", "exceeded"]).meta({ description: "enforced: the model held back a continuation that would have copied more; exceeded: the traced external answer copies more than allowed." }),
        }),
      )
      .meta({ description: "Contributors' 'no verbatim over N tokens' terms the record names (version 2)." }),
    spans: z
      .array(TracedSpan)
      .nullable()
      .optional()
      .meta({ description: "Traced spans of the output, recomputed from the model artifact (none for a kNN label; null when not served or the artifact is not on this server)." }),
  }),
);

const EarningsSeries = named(
  "EarningsSeries",
  z.object({
    key: z.string().meta({ description: 'The group: a role, a Datanet or model id ("0" = not tied to one), or "all" with groupBy=none.' }),
    amount: wei,
    inferences: countOut,
    points: z
      .array(z.object({ t: timestamp, amount: wei, inferences: countOut }))
      .meta({ description: "Buckets with earnings, oldest first; buckets without rows are omitted (not zero-filled)." }),
  }),
);

export const Earnings = named(
  "AccountEarnings",
  z.object({
    account: addressOut,
    ...rangeOut,
    groupBy: z.enum(EARNINGS_GROUPS),
    role: z.enum(EARNING_ROLES).nullable(),
    datanetId: idOut.nullable(),
    modelId: idOut.nullable(),
    amount: wei.meta({ description: "Σ over every series." }),
    inferences: countOut,
    series: z.array(EarningsSeries).meta({ description: "One series per group that has earnings in the range." }),
  }),
);

export const AttributionFeedItem = named(
  "AttributionFeedItem",
  z.object({
    requestId: idOut,
    contributionId: idOut,
    datanetId: idOut,
    datanetName: z.string().nullable(),
    modelId: idOut.nullable(),
    modelName: z.string().nullable(),
    weightPpm: countOut,
    amount: wei,
    settledAt: timestamp,
  }),
);

export const Claim = named(
  "ClaimStatus",
  z.object({
    account: addressOut,
    epoch: idOut.nullable().meta({ description: "The latest FINAL epoch (what claims are checked against); null before the first one." }),
    root: hashOut.nullable(),
    postedAt: timestamp.nullable(),
    cumulativeAmount: wei.meta({ description: "The account's cumulative amount in the epoch's Merkle tree (0 when absent)." }),
    claimed: wei.meta({ description: "Σ of the account's claims so far." }),
    claimable: wei.meta({ description: "cumulativeAmount − claimed: what claim(account, cumulativeAmount, proof) pays now." }),
    proof: z.array(hashOut).meta({ description: "Merkle proof of (account, cumulativeAmount) against root; empty when nothing to prove." }),
    treeMatchesRoot: z.boolean().nullable().meta({ description: "The tree rebuilt from epoch_balances has the posted root." }),
    pending: z
      .object({
        epoch: idOut,
        root: hashOut,
        status: z.enum(["pending", "disputed"]),
        postedAt: timestamp,
        finalizesAt: timestamp.meta({ description: "When its challenge window ends (a disputed root waits for governance)." }),
        cumulativeAmount: wei.meta({ description: "The account's cumulative amount in this root (claimable once it is final)." }),
        proof: z.array(hashOut),
      })
      .nullable()
      .meta({ description: "The newest root still in its challenge window or under dispute: not claimable yet." }),
  }),
);

const statsPoint = z.object({
  hour: timestamp,
  inferences: countOut,
  feesPaid: wei,
  contributorEarnings: wei,
  contributorsEarning: countOut,
});

export const Stats = named(
  "Stats",
  z.object({
    from: timestamp.meta({ description: "Window start: 24 whole hours ending with the current one." }),
    to: timestamp,
    inferences: countOut.meta({ description: "Settled inferences in the window." }),
    feesPaid: wei.meta({ description: "Σ price of the settled inferences." }),
    contributorEarnings: wei,
    contributorsEarning: countOut.meta({ description: "Distinct contributors credited in the window." }),
    series: z.array(statsPoint).meta({ description: "24 hourly points, oldest first, zero-filled." }),
  }),
);

export const VerifyReport = named(
  "VerifyReport",
  z.object({
    requestId: idOut,
    modelId: idOut,
    kind: modelKind,
    method: z.string().nullable(),
    recomputedHash: hashOut.nullable(),
    storedHash: hashOut.nullable(),
    onchainHash: hashOut.nullable().meta({ description: "A settle's attributionHash (null for a booked inference: not on-chain)." }),
    onchainOutputHash: hashOut.nullable().meta({ description: "A settle's outputHash (null for a booked inference: not on-chain)." }),
    onchainResultHash: hashOut
      .nullable()
      .meta({ description: "A booked inference's resultHash, keccak-256(outputHash ‖ attributionHash), from its bookBatch calldata (null for a settle)." }),
    checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
    ok: z.boolean().meta({ description: "Every check passed: the attribution is exactly what was settled." }),
  }),
);
