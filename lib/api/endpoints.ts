/**
 * Every HTTP endpoint of app/api: path, summary and zod schemas. Route handlers pass these objects to
 * `route()`; GET /api/openapi.json renders the same objects. Add an endpoint here first, then its route.
 */
import { z } from "zod";
import { DATANET_SORTS, EARNING_ROLES, EARNINGS_GROUPS, INFERENCE_STATUSES, MODEL_API_SORTS, MODEL_KINDS } from "@/lib/queries";
import { BUCKETS } from "@/lib/queries/series";
import { BUILD_PHASES, BUILD_STATUSES, buildRequestSchema } from "@/lib/factory/spec";
import { inferenceParamsSchema, inferenceRequestSchema } from "@/lib/payments/request";
import {
  addressInput,
  addressOut,
  countOut,
  cursorInput,
  endpoint,
  hashOut,
  idInput,
  idOut,
  limitInput,
  named,
  pageOf,
  rangeShape,
  resolveRange,
  searchInput,
  timestamp,
  wei,
  type EndpointSpec,
} from "./spec";

const CONTRIBUTION_STATUSES = ["pending", "accepted", "rejected"] as const;
const enumOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.join(", ")}` });

const idPath = z.object({ id: idInput.meta({ description: "Numeric id." }) });
const addressPath = z.object({ address: addressInput });

// ── Shared response pieces ─────────────────────────────────────────────────────────────────────────────

const contributionStatus = z.enum(CONTRIBUTION_STATUSES);
const modelKind = z.enum(MODEL_KINDS);
const inferenceStatus = z.enum(INFERENCE_STATUSES);

const DatanetSummary = named(
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

const DatanetDetail = named(
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

const Contribution = named(
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
  }),
);

const LeaderboardEntry = named(
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

const ModelSummary = named(
  "ModelSummary",
  z.object({
    id: idOut,
    name: z.string(),
    description: z.string(),
    kind: modelKind,
    builder: addressOut,
    price: wei,
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

const ModelDetail = named(
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
    evaluation: z.record(z.string(), z.unknown()).nullable(),
    price: wei,
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

const rangeOut = {
  bucket: z.enum(BUCKETS),
  from: timestamp.meta({ description: "Effective start (inclusive, a bucket boundary)." }),
  to: timestamp.meta({ description: "Effective end (exclusive, a bucket boundary)." }),
};

const ModelUsage = named(
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

const InferenceItem = named(
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
    contributionId: idOut,
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

const InferenceDetail = named(
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

const Earnings = named(
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

const AttributionFeedItem = named(
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

const Claim = named(
  "ClaimStatus",
  z.object({
    account: addressOut,
    epoch: idOut.nullable().meta({ description: "The latest posted epoch; null before the first one." }),
    root: hashOut.nullable(),
    postedAt: timestamp.nullable(),
    cumulativeAmount: wei.meta({ description: "The account's cumulative amount in the epoch's Merkle tree (0 when absent)." }),
    claimed: wei.meta({ description: "Σ of the account's claims so far." }),
    claimable: wei.meta({ description: "cumulativeAmount − claimed: what claim(account, cumulativeAmount, proof) pays now." }),
    proof: z.array(hashOut).meta({ description: "Merkle proof of (account, cumulativeAmount) against root; empty when nothing to prove." }),
    treeMatchesRoot: z.boolean().nullable().meta({ description: "The tree rebuilt from epoch_balances has the posted root." }),
  }),
);

const statsPoint = z.object({
  hour: timestamp,
  inferences: countOut,
  feesPaid: wei,
  contributorEarnings: wei,
  contributorsEarning: countOut,
});

const Stats = named(
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

export const inferenceVerify = endpoint({
  method: "GET",
  path: "/api/inferences/{id}/verify",
  operationId: "verifyInference",
  tag: "Inferences",
  summary: "Recompute an inference's answer and attribution record from the model artifact and compare with the stored record and the on-chain hashes.",
  params: idPath,
  notFound: true,
  response: named(
    "VerifyReport",
    z.object({
      requestId: idOut,
      modelId: idOut,
      kind: modelKind,
      method: z.string().nullable(),
      recomputedHash: hashOut.nullable(),
      storedHash: hashOut.nullable(),
      onchainHash: hashOut.nullable(),
      onchainOutputHash: hashOut.nullable(),
      checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
      ok: z.boolean().meta({ description: "Every check passed: the attribution is exactly what was settled." }),
    }),
  ),
});

// ── Paid inference ────────────────────────────────────────────────────────────────────────────────────

const hexInput = (bytes: number, what: string) =>
  z
    .string()
    .regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`), `must be ${what} (0x and ${bytes * 2} hex digits)`)
    .transform((s) => s.toLowerCase() as `0x${string}`);

const SplitOut = z.object({ protocol: z.string(), operator: z.string(), builder: z.string(), contributorPool: z.string() });
const AttributionOut = z.object({
  method: z.string(),
  attributionHash: z.string(),
  entries: z.array(z.object({ contributionId: z.number(), weightPpm: z.number(), amount: z.string(), contributor: z.string(), datanetId: z.number() })),
});

export const modelInferenceQuote = endpoint({
  method: "GET",
  path: "/api/models/{id}/inference",
  operationId: "quoteInference",
  tag: "Inference",
  summary: "The current price of one inference (wei of OPEN) and the x402 payment requirements, before anything is signed.",
  params: idPath,
  notFound: true,
  response: named(
    "InferenceQuote",
    z.object({
      modelId: idOut,
      price: z.string().meta({ description: "Wei of OPEN, decimal string." }),
      priceOpen: z.string().meta({ description: "The same price in OPEN, for people." }),
      active: z.boolean(),
      kind: modelKind,
      token: z.string(),
      market: z.string(),
      chainId: z.number().int(),
      x402: z.record(z.string(), z.unknown()).meta({ description: "The x402 v2 PaymentRequired object a client signs against." }),
    }),
  ),
});

export const modelInference = endpoint({
  method: "POST",
  path: "/api/models/{id}/inference",
  operationId: "runInference",
  tag: "Inference",
  summary: "Pay for and run one inference: with an x402 payment header (gasless, EIP-3009), or with the hash of your own `pay` transaction and the nonce its request hash used. Without either: 402 with the payment requirements.",
  description:
    "With `Accept: text/event-stream` the answer streams as server-sent events once the payment is in escrow: `payment` (accepted, requestId, txHash), `token` ({text}, in order), `answer` (output, method, traced spans), `settlement` ({status: pending}, then {status: confirmed, tx, result} with result = the JSON below, or {status: pending, reason: settlement_pending} when recovery will settle), or `error` ({error, reason, refunded, refundTx}). Refusals before the payment is taken (402, 409 replay, 422) stay plain HTTP errors.",
  params: idPath,
  notFound: true,
  unprocessable: true,
  paid: true,
  body: inferenceRequestSchema.extend({
    payment: z
      .object({ txHash: hexInput(32, "a transaction hash"), nonce: hexInput(32, "the 32-byte nonce of your request hash") })
      .optional()
      .meta({ description: "Paid with a wallet transaction: `pay(modelId, requestHash, maxPrice)` where requestHash = keccak256 of the canonical request with this nonce." }),
  }),
  response: named(
    "InferenceResult",
    z.object({
      requestId: z.string(),
      modelId: idOut,
      output: z.string(),
      price: z.string(),
      split: SplitOut,
      attribution: AttributionOut,
      outputHash: z.string(),
      settleTx: z.string(),
      paymentTx: z.string(),
      payer: z.string(),
      via: z.enum(["x402", "transaction"]),
      params: z.record(z.string(), z.unknown()),
      usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }),
    }),
  ),
});

const chatContent = z.union([
  z.string(),
  z.array(z.object({ type: z.string(), text: z.string().optional() })).transform((parts) => parts.map((p) => p.text ?? "").join("")),
]);

export const openaiModels = endpoint({
  method: "GET",
  path: "/v1/models",
  operationId: "listOpenAiModels",
  tag: "OpenAI-compatible",
  summary: "Active models, as OpenAI's `GET /v1/models` lists them (id `model-<id>`).",
  errorFormat: "openai",
  response: named(
    "OpenAiModelList",
    z.object({ object: z.literal("list"), data: z.array(z.object({ id: z.string(), object: z.literal("model"), created: z.number(), owned_by: z.string() }).passthrough()) }),
  ),
});

export const openaiChatCompletions = endpoint({
  method: "POST",
  path: "/v1/chat/completions",
  operationId: "createChatCompletion",
  tag: "OpenAI-compatible",
  summary: "OpenAI-compatible chat completion, paid with x402 (the `openai` client with a paying fetch). The answer continues (∞-gram) or classifies (kNN) the last user message; `ledgerline` carries the request id, cost and attribution. `stream: true` answers Server-Sent Events like OpenAI.",
  errorFormat: "openai",
  paid: true,
  unprocessable: true,
  notFound: true,
  body: z.object({
    model: z.string().min(1, "name a model: GET /v1/models lists them").max(100),
    messages: z
      .array(z.object({ role: z.enum(["system", "developer", "user", "assistant", "tool"]), content: chatContent.nullable().optional() }))
      .min(1, "messages must hold at least one message"),
    max_tokens: inferenceParamsSchema.shape.maxTokens.nullable(),
    max_completion_tokens: inferenceParamsSchema.shape.maxTokens.nullable(),
    temperature: inferenceParamsSchema.shape.temperature.nullable(),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
    n: z.literal(1, { error: "n must be 1: one payment buys one answer" }).nullable().optional(),
    stream: z.boolean().nullable().optional(),
    top_k: inferenceParamsSchema.shape.topK.nullable(),
  }),
  response: { contentType: "application/json", description: "An OpenAI chat.completion (or text/event-stream of chat.completion.chunk when stream is true), plus `ledgerline: { request_id, cost, attribution, settle_tx }`." },
});

export const settlementEpoch = endpoint({
  method: "POST",
  path: "/api/settlement/epoch",
  operationId: "postEpoch",
  tag: "Settlement",
  summary: "Operator: post a Merkle root of cumulative contributor earnings now (the job also runs every EPOCH_INTERVAL_MINUTES). Needs `Authorization: Bearer <EPOCH_TRIGGER_TOKEN>`, or the local chain.",
  unprocessable: true,
  response: named(
    "EpochRun",
    z.object({
      posted: z.boolean(),
      epoch: z.number().int().optional(),
      root: z.string().optional(),
      cumulativeTotal: z.string().optional(),
      accounts: z.number().int().optional(),
      tx: z.string().optional(),
      gasUsed: z.string().optional(),
      reason: z.string().optional(),
      error: z.string().optional(),
      durationMs: z.number(),
    }),
  ),
});

// ── Model Factory ─────────────────────────────────────────────────────────────────────────────────────

const buildIdPath = z.object({
  id: z.uuid({ error: "must be a build id (a UUID)" }).transform((s) => s.toLowerCase()).meta({ description: "Build id." }),
});

const ModelBuild = named(
  "ModelBuild",
  z.object({
    id: z.string(),
    kind: modelKind,
    name: z.string(),
    builder: addressOut.nullable(),
    status: z.enum(BUILD_STATUSES),
    phase: z.enum(BUILD_PHASES),
    progress: z.number().min(0).max(1).meta({ description: "Share of the whole build done, 0..1." }),
    error: z.string().nullable().meta({ description: "Why the build failed, for a person to read." }),
    datanets: z.array(z.object({ id: idOut, version: countOut })),
    parameters: z.record(z.string(), z.unknown()),
    artifactHash: hashOut.nullable().meta({ description: "sha-256 of the artifact: the on-chain artifactHash." }),
    artifactBytes: countOut.nullable(),
    contributions: countOut.nullable(),
    tokens: countOut.nullable().meta({ description: "Corpus tokens (∞-gram, external) or labelled records (kNN)." }),
    evaluation: z.record(z.string(), z.unknown()).nullable(),
    registration: z
      .object({
        metadataURI: z.string(),
        metadataHash: hashOut,
        artifactHash: hashOut,
        datanetIds: z.array(z.string()),
        versions: z.array(z.number().int()),
        kind: z.number().int(),
      })
      .nullable()
      .meta({ description: "ModelRegistry.registerModel arguments once the build succeeded; the builder adds price and builderBps." }),
    modelId: idOut.nullable().meta({ description: "The registered model, once the indexer has seen its registration." }),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
  }),
);

export const factoryBuildCreate = endpoint({
  method: "POST",
  path: "/api/factory/builds",
  operationId: "createModelBuild",
  tag: "Model Factory",
  summary: "Start a model build from Datanet versions; answers 202 with the queued build. Poll it for progress.",
  body: buildRequestSchema,
  status: 202,
  notFound: true,
  unprocessable: true,
  response: ModelBuild,
});

export const factoryBuildsList = endpoint({
  method: "GET",
  path: "/api/factory/builds",
  operationId: "listModelBuilds",
  tag: "Model Factory",
  summary: "Recent builds, newest first.",
  query: z.object({ builder: addressInput.optional(), limit: limitInput }),
  response: named("ModelBuildList", z.object({ items: z.array(ModelBuild) })),
});

export const factoryBuildGet = endpoint({
  method: "GET",
  path: "/api/factory/builds/{id}",
  operationId: "getModelBuild",
  tag: "Model Factory",
  summary: "One build: status, phase and progress, evaluation, and the registration arguments when done.",
  params: buildIdPath,
  notFound: true,
  response: ModelBuild,
});

// ── Endpoints ──────────────────────────────────────────────────────────────────────────────────────────

export const datanetsList = endpoint({
  method: "GET",
  path: "/api/datanets",
  operationId: "listDatanets",
  tag: "Datanets",
  summary: "Datanets: search, tag filter, sort; cursor-paginated.",
  query: z.object({
    q: searchInput,
    tag: z.string().trim().toLowerCase().max(50, "must be at most 50 characters").optional().meta({ description: "Only Datanets with this tag." }),
    sort: enumOf(DATANET_SORTS).default("newest").meta({ description: "newest, most used (inferences that credited it), most contributors, or most accepted records." }),
    limit: limitInput,
    cursor: cursorInput,
  }),
  response: named("DatanetPage", pageOf(DatanetSummary)),
});

export const datanetGet = endpoint({
  method: "GET",
  path: "/api/datanets/{id}",
  operationId: "getDatanet",
  tag: "Datanets",
  summary: "One Datanet with its versions, counts and the models built from it.",
  params: idPath,
  notFound: true,
  response: DatanetDetail,
});

export const datanetContributions = endpoint({
  method: "GET",
  path: "/api/datanets/{id}/contributions",
  operationId: "listDatanetContributions",
  tag: "Datanets",
  summary: "A Datanet's contributions, newest first; cursor-paginated.",
  params: idPath,
  notFound: true,
  query: z.object({
    status: enumOf(CONTRIBUTION_STATUSES).optional().meta({ description: "Only contributions with this review status." }),
    limit: limitInput,
    cursor: cursorInput,
  }),
  response: named("ContributionPage", pageOf(Contribution)),
});

export const datanetLeaderboard = endpoint({
  method: "GET",
  path: "/api/datanets/{id}/leaderboard",
  operationId: "getDatanetLeaderboard",
  tag: "Datanets",
  summary: "A Datanet's contributors ranked by earnings through it, with accepted contributions and records; cursor-paginated.",
  params: idPath,
  notFound: true,
  query: z.object({ limit: limitInput, cursor: cursorInput }),
  response: named("LeaderboardPage", pageOf(LeaderboardEntry)),
});

const RecordItem = named(
  "DatanetRecord",
  z.object({
    contributionId: idOut,
    index: countOut.meta({ description: "0-based position of the record in its contribution's content." }),
    text: z.string(),
    contributor: addressOut,
    status: contributionStatus,
    version: countOut.nullable().meta({ description: "The first published version that contains the contribution." }),
  }),
);

export const datanetRecords = endpoint({
  method: "GET",
  path: "/api/datanets/{id}/records",
  operationId: "listDatanetRecords",
  tag: "Datanets",
  summary: "Browse and search a Datanet's records (contributions' content split into records), in contribution order; cursor-paginated.",
  description: "Without `status`, accepted and pending contributions are listed (rejected content is not part of the Datanet). An unknown version or a contribution of another Datanet is a 404.",
  params: idPath,
  notFound: true,
  query: z.object({
    q: searchInput,
    version: z.coerce
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .positive("must be a version number (1 or more)")
      .max(1_000_000, "is too large")
      .optional()
      .meta({ description: "Only the contributions in this published version." }),
    contribution: idInput.optional().meta({ description: "Only this contribution's records." }),
    status: enumOf(CONTRIBUTION_STATUSES).optional().meta({ description: "Only contributions with this review status." }),
    limit: limitInput,
    cursor: cursorInput,
  }),
  response: named(
    "DatanetRecordPage",
    pageOf(RecordItem).extend({
      total: countOut.meta({ description: "Records that match, across all pages." }),
      unavailable: countOut.meta({ description: "Contributions in the filter whose content this server does not hold." }),
    }),
  ),
});

export const datanetUsage = endpoint({
  method: "GET",
  path: "/api/datanets/{id}/usage",
  operationId: "getDatanetUsage",
  tag: "Datanets",
  summary: "Inferences that used a Datanet and what its contributors earned, per hour or day (datanet_usage_hourly).",
  description: "Range at most 31 days with bucket=hour and 1096 days with bucket=day. Buckets without usage are omitted.",
  params: idPath,
  notFound: true,
  query: z.object(rangeShape).transform(resolveRange),
  response: named(
    "DatanetUsage",
    z.object({
      datanetId: idOut,
      ...rangeOut,
      inferences: countOut,
      contributorEarnings: wei,
      points: z
        .array(z.object({ t: timestamp, inferences: countOut, contributorEarnings: wei }))
        .meta({ description: "Buckets with usage, oldest first; empty buckets are omitted." }),
    }),
  ),
});

export const modelsList = endpoint({
  method: "GET",
  path: "/api/models",
  operationId: "listModels",
  tag: "Models",
  summary: "Models: search, kind and Datanet filters, sort; cursor-paginated.",
  query: z.object({
    q: searchInput,
    kind: enumOf(MODEL_KINDS).optional(),
    datanet: idInput.optional().meta({ description: "Only models built from a version of this Datanet." }),
    sort: enumOf(MODEL_API_SORTS).default("new").meta({ description: "new (newest first), usage (most inferences first) or price (cheapest first)." }),
    limit: limitInput,
    cursor: cursorInput,
  }),
  response: named("ModelPage", pageOf(ModelSummary)),
});

export const modelGet = endpoint({
  method: "GET",
  path: "/api/models/{id}",
  operationId: "getModel",
  tag: "Models",
  summary: "One model with its lineage (the Datanet versions it was built from).",
  params: idPath,
  notFound: true,
  response: ModelDetail,
});

export const modelUsage = endpoint({
  method: "GET",
  path: "/api/models/{id}/usage",
  operationId: "getModelUsage",
  tag: "Models",
  summary: "A model's settled inferences and revenue per hour or day (model_usage_hourly).",
  description: "Range at most 31 days with bucket=hour and 1096 days with bucket=day. Buckets without inferences are omitted.",
  params: idPath,
  notFound: true,
  query: z.object(rangeShape).transform(resolveRange),
  response: ModelUsage,
});

export const inferencesList = endpoint({
  method: "GET",
  path: "/api/inferences",
  operationId: "listInferences",
  tag: "Inferences",
  summary: "Inferences, newest payment first, by model, payer or status; cursor-paginated.",
  query: z.object({
    modelId: idInput.optional().meta({ description: "Only inferences of this model." }),
    payer: addressInput.optional(),
    status: enumOf(INFERENCE_STATUSES).optional(),
    limit: limitInput,
    cursor: cursorInput,
  }),
  response: named("InferencePage", pageOf(InferenceItem)),
});

export const inferenceGet = endpoint({
  method: "GET",
  path: "/api/inferences/{id}",
  operationId: "getInference",
  tag: "Inferences",
  summary: "One inference: payment, settlement split, served result and attribution joined to contributions and Datanets.",
  params: idPath,
  notFound: true,
  response: InferenceDetail,
});

export const accountEarnings = endpoint({
  method: "GET",
  path: "/api/accounts/{address}/earnings",
  operationId: "getAccountEarnings",
  tag: "Accounts",
  summary: "An account's earnings per hour or UTC day from the hourly rollup, optionally filtered and grouped.",
  description:
    "Reads earnings_hourly only (primary key (account, hour, …)). Range at most 31 days with bucket=hour and 1096 days with bucket=day, else 400 \"range too large\". Buckets without earnings are omitted.",
  params: addressPath,
  invalidParams: 400,
  query: z
    .object({
      ...rangeShape,
      role: enumOf(EARNING_ROLES).optional(),
      datanetId: idInput.optional().meta({ description: "Only earnings credited through this Datanet." }),
      modelId: idInput.optional().meta({ description: "Only earnings from this model's inferences." }),
      groupBy: enumOf(EARNINGS_GROUPS).default("none").meta({ description: "One series per role, Datanet or model; none: one series." }),
    })
    .transform(resolveRange),
  response: Earnings,
});

export const accountAttribution = endpoint({
  method: "GET",
  path: "/api/accounts/{address}/attribution",
  operationId: "getAccountAttribution",
  tag: "Accounts",
  summary: "The attribution feed: a contributor's newest credits, with inference, model, Datanet, weight and amount; cursor-paginated.",
  params: addressPath,
  invalidParams: 400,
  query: z.object({ limit: limitInput, cursor: cursorInput }),
  response: named("AttributionFeedPage", pageOf(AttributionFeedItem)),
});

export const accountClaim = endpoint({
  method: "GET",
  path: "/api/accounts/{address}/claim",
  operationId: "getAccountClaim",
  tag: "Accounts",
  summary: "Claimable balance against the latest epoch, with the Merkle proof for InferenceMarket.claim.",
  description: 'Before the first epoch: 200 with epoch null and claimable "0".',
  params: addressPath,
  invalidParams: 400,
  response: Claim,
});

const ClaimHistoryItem = named(
  "ClaimHistoryItem",
  z.object({
    epoch: idOut,
    amount: wei.meta({ description: "What this claim paid." }),
    cumulativeAmount: wei.meta({ description: "The cumulative amount the Merkle proof was for." }),
    tx: hashOut,
    logIndex: countOut,
    block: countOut,
    claimedAt: timestamp,
    status: z.enum(["confirmed"]).meta({ description: "Claims are indexed from mined Claimed events, so always confirmed." }),
  }),
);

export const accountClaims = endpoint({
  method: "GET",
  path: "/api/accounts/{address}/claims",
  operationId: "listAccountClaims",
  tag: "Accounts",
  summary: "An account's claim history (InferenceMarket.claim), newest first; cursor-paginated.",
  params: addressPath,
  invalidParams: 400,
  query: z.object({ limit: limitInput, cursor: cursorInput }),
  response: named("ClaimHistoryPage", pageOf(ClaimHistoryItem)),
});

const AccountContribution = named(
  "AccountContribution",
  z.object({
    id: idOut,
    datanetId: idOut,
    datanetName: z.string().nullable(),
    contentHash: hashOut,
    records: countOut,
    bytes: countOut,
    bond: wei,
    status: contributionStatus,
    submittedAt: timestamp,
    submittedTx: hashOut,
    reviewedAt: timestamp.nullable(),
  }),
);

export const accountContributions = endpoint({
  method: "GET",
  path: "/api/accounts/{address}/contributions",
  operationId: "listAccountContributions",
  tag: "Accounts",
  summary: "An account's contributions to every Datanet with their review status, newest first; cursor-paginated.",
  params: addressPath,
  invalidParams: 400,
  query: z.object({
    status: enumOf(CONTRIBUTION_STATUSES).optional().meta({ description: "Only contributions with this review status." }),
    limit: limitInput,
    cursor: cursorInput,
  }),
  response: named("AccountContributionPage", pageOf(AccountContribution)),
});

export const accountEarningsCsv = endpoint({
  method: "GET",
  path: "/api/accounts/{address}/earnings.csv",
  operationId: "exportAccountEarnings",
  tag: "Accounts",
  summary: "Every earning of an account as CSV (one row per ledger credit), oldest first, streamed.",
  description:
    "Columns: time_utc, role, amount_open, amount_wei, model_id, model_name, datanet_id, datanet_name, contribution_id, inference_id, tx. amount_open is the exact decimal of amount_wei (18 decimals); the rows sum to the account's total earnings. An address without earnings gets the header row only.",
  params: addressPath,
  invalidParams: 400,
  response: { contentType: "text/csv", description: "CSV (RFC 4180) with a header row, as an attachment." },
});

export const stats = endpoint({
  method: "GET",
  path: "/api/stats",
  operationId: "getStats",
  tag: "Marketplace",
  summary: "Marketplace activity in the last 24 hours, with an hourly series (from the hourly rollups).",
  response: Stats,
});

const SettlementItem = named(
  "SettlementItem",
  z.object({
    requestId: idOut,
    modelId: idOut,
    modelName: z.string().nullable(),
    price: wei,
    contributorPool: wei,
    contributorsPaid: countOut.meta({ description: "Distinct contributor accounts the settlement credited." }),
    settledAt: timestamp,
    settledTx: hashOut,
  }),
);

export const settlementsFeed = endpoint({
  method: "GET",
  path: "/api/stats/settlements",
  operationId: "listSettlements",
  tag: "Marketplace",
  summary: "The network's settled inferences, newest settlement first, with how many contributors each paid; cursor-paginated.",
  query: z.object({ limit: limitInput, cursor: cursorInput }),
  response: named("SettlementPage", pageOf(SettlementItem)),
});

export const health = endpoint({
  method: "GET",
  path: "/api/health",
  operationId: "getHealth",
  tag: "System",
  summary: "Liveness and how far the indexer is behind the chain head.",
  response: named(
    "Health",
    z.object({ ok: z.boolean(), chainId: z.number().int(), head: z.number().int(), indexed: z.number().int().nullable(), lag: z.number().int().nullable() }),
  ),
});

export const contentUpload = endpoint({
  method: "POST",
  path: "/api/content",
  operationId: "uploadContent",
  tag: "Content",
  summary: "Upload content (a contribution's file, or Datanet/model metadata JSON) before registering its hash on-chain.",
  description: "Needs a signed-in session (Sign-In with Ethereum): without one the answer is 401 and nothing is stored.",
  session: true,
  status: 201,
  query: z.object({
    filename: z.string().max(255, "must be at most 255 characters").optional().meta({ description: "Tells the format by extension: .txt, .md, .jsonl, .csv or .json." }),
  }),
  body: { contentType: "application/octet-stream", description: "The raw file bytes (at most 4 MiB); content-type may tell the format." },
  response: named(
    "StoredContent",
    z.object({ hash: hashOut, bytes: countOut, records: countOut, format: z.enum(["text", "markdown", "jsonl", "csv", "json"]), mediaType: z.string() }),
  ),
});

// ── Sign-In with Ethereum ────────────────────────────────────────────────────────────────────────────

const SessionView = named(
  "Session",
  z.object({
    address: addressOut.nullable().meta({ description: "The signed-in address; null when not signed in." }),
    chainId: z.number().int().nullable(),
    expiresAt: timestamp.nullable(),
  }),
);

export const authNonce = endpoint({
  method: "GET",
  path: "/api/auth/nonce",
  operationId: "getSignInNonce",
  tag: "Auth",
  summary: "A fresh single-use nonce for a Sign-In with Ethereum (EIP-4361) message; it expires after 10 minutes.",
  response: named("SignInNonce", z.object({ nonce: z.string(), expiresAt: timestamp })),
});

export const authSessionGet = endpoint({
  method: "GET",
  path: "/api/auth/session",
  operationId: "getSession",
  tag: "Auth",
  summary: "Who is signed in (from the session cookie).",
  response: SessionView,
});

export const authSessionCreate = endpoint({
  method: "POST",
  path: "/api/auth/session",
  operationId: "signIn",
  tag: "Auth",
  summary: "Sign in: a signed EIP-4361 message naming this site, the configured chain and an unused nonce. Sets the session cookie (httpOnly, SameSite=Lax).",
  description: "401 when the signature, domain, chain, expiry or nonce does not check out (the message says which).",
  status: 201,
  body: named(
    "SignIn",
    z.object({
      message: z.string().min(1, "is empty").max(4000, "is too long for a sign-in message"),
      signature: z.string().regex(/^0x[0-9a-fA-F]+$/, "must be 0x-prefixed hex").max(20_000, "is too long").transform((s) => s as `0x${string}`),
    }),
  ),
  response: SessionView,
});

export const authSessionDelete = endpoint({
  method: "DELETE",
  path: "/api/auth/session",
  operationId: "signOut",
  tag: "Auth",
  summary: "Sign out: clears the session cookie.",
  response: SessionView,
});

export const contentGet = endpoint({
  method: "GET",
  path: "/api/content/{hash}",
  operationId: "getContent",
  tag: "Content",
  summary: "Content by its sha-256: anyone can fetch the bytes and check the hash.",
  params: z.object({ hash: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex hash").transform((s) => s.toLowerCase()) }),
  notFound: true,
  response: { contentType: "application/octet-stream", description: "The stored bytes, with their media type." },
});

export const stream = endpoint({
  method: "GET",
  path: "/api/stream",
  operationId: "streamEvents",
  tag: "System",
  summary: "Server-Sent Events: every change the indexer commits, as small typed events.",
  query: z.object({
    types: z
      .string()
      .regex(/^[a-z.,]+$/, "must be a comma-separated list of event types")
      .max(500)
      .optional()
      .meta({ description: "Only events of these types (comma-separated), e.g. `inference.settled,epoch.posted`." }),
  }),
  response: { contentType: "text/event-stream", description: "An SSE stream; heartbeat comments every 15 s." },
});

export const openapi = endpoint({
  method: "GET",
  path: "/api/openapi.json",
  operationId: "getOpenApi",
  tag: "System",
  summary: "This document: OpenAPI 3.1, generated from the same zod schemas the routes validate with.",
  response: { contentType: "application/json", description: "An OpenAPI 3.1 document." },
});

/** Every endpoint, in the order the document lists them. */
export const endpoints: readonly EndpointSpec[] = [
  datanetsList,
  datanetGet,
  datanetContributions,
  datanetLeaderboard,
  datanetRecords,
  datanetUsage,
  modelsList,
  modelGet,
  modelUsage,
  modelInferenceQuote,
  modelInference,
  inferencesList,
  inferenceGet,
  inferenceVerify,
  accountEarnings,
  accountAttribution,
  accountClaim,
  accountClaims,
  accountContributions,
  accountEarningsCsv,
  stats,
  settlementsFeed,
  health,
  contentUpload,
  contentGet,
  authNonce,
  authSessionGet,
  authSessionCreate,
  authSessionDelete,
  factoryBuildCreate,
  factoryBuildsList,
  factoryBuildGet,
  stream,
  openapi,
  openaiModels,
  openaiChatCompletions,
  settlementEpoch,
];
