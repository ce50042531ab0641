import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

/** uint256 amounts: numeric(78,0) in the database, bigint in TypeScript. Never a JS number. */
export const wei = customType<{ data: bigint; driverData: string }>({
  dataType: () => "numeric(78, 0)",
  toDriver: (v) => v.toString(),
  fromDriver: (v) => BigInt(v),
});

/** Binary content as bytea. */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
});

// Ids on-chain are sequential uint256 from 1; they fit a JS number for any realistic chain.
const id = (name: string) => bigint(name, { mode: "number" });
const blockNumber = (name: string) => bigint(name, { mode: "number" });
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** Content-addressed blobs: key is the sha-256 of the bytes (also the on-chain contentHash). */
export const contents = pgTable("contents", {
  hash: text("hash").primaryKey(),
  bytes: integer("bytes").notNull(),
  mediaType: text("media_type").notNull(),
  filename: text("filename"),
  records: integer("records").notNull(),
  body: bytea("body").notNull(),
  /** The account that uploaded these bytes first: the only one the content attester binds them to. */
  uploader: text("uploader"),
  /**
   * sha-256 of the text after the originality shield's normalisation (lib/content/originality.ts: Unicode NFC,
   * every run of whitespace → one space, trimmed): equal here means an exact duplicate of the text. Null for
   * bytes that are not UTF-8, or stored before the column existed (filled in when first needed).
   */
  normalizedHash: text("normalized_hash"),
  createdAt: ts("created_at").notNull().defaultNow(),
}, (t) => [index("contents_normalized_hash_idx").on(t.normalizedHash)]);

export const datanets = pgTable(
  "datanets",
  {
    id: id("id").primaryKey(),
    owner: text("owner").notNull(),
    treasury: text("treasury").notNull(),
    metadataHash: text("metadata_hash").notNull(),
    metadataUri: text("metadata_uri").notNull(),
    name: text("name").notNull(),
    summary: text("summary").notNull().default(""),
    description: text("description").notNull().default(""),
    tags: jsonb("tags").$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    license: text("license").notNull().default(""),
    bond: wei("bond").notNull(),
    curated: boolean("curated").notNull(),
    contributionCount: integer("contribution_count").notNull().default(0),
    acceptedCount: integer("accepted_count").notNull().default(0),
    versionCount: integer("version_count").notNull().default(0),
    createdBlock: blockNumber("created_block").notNull(),
    createdTx: text("created_tx").notNull(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [index("datanets_owner_idx").on(t.owner), index("datanets_created_idx").on(t.createdAt)],
);

export const contributions = pgTable(
  "contributions",
  {
    id: id("id").primaryKey(),
    datanetId: id("datanet_id").notNull(),
    contributor: text("contributor").notNull(),
    contentHash: text("content_hash").notNull(),
    bytes: bigint("bytes", { mode: "number" }).notNull(),
    records: integer("records").notNull(),
    bond: wei("bond").notNull(),
    /** pending | accepted | rejected */
    status: text("status").$type<"pending" | "accepted" | "rejected">().notNull(),
    submittedBlock: blockNumber("submitted_block").notNull(),
    submittedTx: text("submitted_tx").notNull(),
    submittedAt: ts("submitted_at").notNull(),
    /** Position in the Datanet's acceptance order (1-based); version N holds seq 1..count. */
    acceptedSeq: integer("accepted_seq"),
    reviewedBlock: blockNumber("reviewed_block"),
    reviewedTx: text("reviewed_tx"),
    reviewedAt: ts("reviewed_at"),
    /** The contributor's terms for model outputs (fixed at registration): 0 open, 1 attribution required, 2 no verbatim over N. */
    termsKind: smallint("terms_kind").$type<0 | 1 | 2>().notNull().default(0),
    /** N for terms kind 2: the longest run of its tokens an answer may copy. */
    maxVerbatimTokens: integer("max_verbatim_tokens"),
    /**
     * Takedown (ContributionWithdrawn): who withdrew it (the contributor) or removed it (the Datanet owner), why
     * (empty for the contributor's own withdrawal), and where in the chain. Null while it is not withdrawn.
     * Served models skip a withdrawn contribution from the next inference on; its status stays what it was.
     */
    withdrawnBy: text("withdrawn_by"),
    withdrawnReason: text("withdrawn_reason"),
    withdrawnBlock: blockNumber("withdrawn_block"),
    withdrawnBlockHash: text("withdrawn_block_hash"),
    withdrawnTx: text("withdrawn_tx"),
    withdrawnAt: ts("withdrawn_at"),
  },
  (t) => [
    index("contributions_datanet_idx").on(t.datanetId, t.status),
    index("contributions_contributor_idx").on(t.contributor),
    index("contributions_content_idx").on(t.contentHash),
    // A Datanet's contributions newest first (the API's keyset pages).
    index("contributions_datanet_submitted_idx").on(t.datanetId, t.submittedAt, t.id),
    // Serving reads every verbatim limit per request: only the few limited rows are in this index.
    index("contributions_verbatim_idx").on(t.id).where(sql`${t.maxVerbatimTokens} is not null`),
  ],
);

export const datanetVersions = pgTable(
  "datanet_versions",
  {
    datanetId: id("datanet_id").notNull(),
    version: integer("version").notNull(),
    root: text("root").notNull(),
    count: integer("count").notNull(),
    /** Whether the on-chain root equals the root recomputed from the indexed contributions. */
    rootVerified: boolean("root_verified").notNull(),
    block: blockNumber("block").notNull(),
    tx: text("tx").notNull(),
    publishedAt: ts("published_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.datanetId, t.version] })],
);

export const models = pgTable(
  "models",
  {
    id: id("id").primaryKey(),
    builder: text("builder").notNull(),
    artifactHash: text("artifact_hash").notNull(),
    metadataHash: text("metadata_hash").notNull(),
    metadataUri: text("metadata_uri").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    /** infinigram | knn | external | rag */
    kind: text("kind").$type<"infinigram" | "knn" | "external" | "rag">().notNull(),
    parameters: jsonb("parameters").$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    evaluation: jsonb("evaluation").$type<Record<string, unknown>>(),
    /** The fixed fee F of a per-token model, the whole price of a flat-price one. */
    price: wei("price").notNull(),
    /** Wei per prompt token (R_in) and per answer token (R_out), ModelTokenRatesChanged; both 0 = flat price. */
    inputRate: wei("input_rate").notNull().default(sql`0`),
    outputRate: wei("output_rate").notNull().default(sql`0`),
    builderBps: integer("builder_bps").notNull(),
    active: boolean("active").notNull().default(true),
    inferenceCount: integer("inference_count").notNull().default(0),
    revenue: wei("revenue").notNull().default(sql`0`),
    createdBlock: blockNumber("created_block").notNull(),
    createdTx: text("created_tx").notNull(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [index("models_builder_idx").on(t.builder)],
);

/** A model's lineage: the Datanet versions it was built from. */
export const modelDatanets = pgTable(
  "model_datanets",
  {
    modelId: id("model_id").notNull(),
    datanetId: id("datanet_id").notNull(),
    version: integer("version").notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.datanetId] }), index("model_datanets_datanet_idx").on(t.datanetId)],
);

export const inferences = pgTable(
  "inferences",
  {
    requestId: id("request_id").primaryKey(),
    modelId: id("model_id").notNull(),
    payer: text("payer").notNull(),
    // Not unique: requests are keyed by (payer, hash) on-chain, so two payers may use one hash.
    requestHash: text("request_hash").notNull(),
    price: wei("price").notNull(),
    builder: text("builder").notNull(),
    builderBps: integer("builder_bps").notNull(),
    viaAuthorization: boolean("via_authorization").notNull(),
    /** paid | settled | refunded */
    status: text("status").$type<"paid" | "settled" | "refunded">().notNull(),
    paidBlock: blockNumber("paid_block").notNull(),
    paidTx: text("paid_tx").notNull(),
    paidAt: ts("paid_at").notNull(),
    operator: text("operator"),
    outputHash: text("output_hash"),
    attributionHash: text("attribution_hash"),
    protocolFee: wei("protocol_fee"),
    operatorFee: wei("operator_fee"),
    builderFee: wei("builder_fee"),
    contributorPool: wei("contributor_pool"),
    settledBlock: blockNumber("settled_block"),
    settledTx: text("settled_tx"),
    settledAt: ts("settled_at"),
    refundedBlock: blockNumber("refunded_block"),
    refundedTx: text("refunded_tx"),
    refundedAt: ts("refunded_at"),
    /**
     * Set for an inference paid through an x402 batch-settlement channel and booked by InferenceMarket.bookBatch:
     * the batch id. Such an inference has no on-chain request id; its `request_id` is bookedRequestId(batch, index).
     */
    bookingBatch: id("booking_batch"),
  },
  (t) => [
    index("inferences_model_idx").on(t.modelId, t.paidAt),
    index("inferences_request_hash_idx").on(t.requestHash),
    index("inferences_payer_idx").on(t.payer, t.paidAt, t.requestId),
    index("inferences_status_idx").on(t.status),
    // The inference feed newest first (keyset on paid_at, request_id).
    index("inferences_paid_idx").on(t.paidAt, t.requestId),
  ],
);

/**
 * What the operator served for a paid request (off-chain; keyed by the request hash so it survives a
 * replay of the chain-derived tables).
 */
export const inferenceResults = pgTable("inference_results", {
  requestHash: text("request_hash").primaryKey(),
  prompt: text("prompt").notNull(),
  output: text("output").notNull(),
  params: jsonb("params").$type<Record<string, unknown>>().notNull(),
  attributionMethod: text("attribution_method").notNull(),
  attributionRecord: text("attribution_record").notNull(),
  createdAt: ts("created_at").notNull().defaultNow(),
});

/** The canonical attribution record of an inference, one row per contribution credited. */
export const attributionEntries = pgTable(
  "attribution_entries",
  {
    requestId: id("request_id").notNull(),
    contributionId: id("contribution_id").notNull(),
    datanetId: id("datanet_id").notNull(),
    contributor: text("contributor").notNull(),
    weightPpm: integer("weight_ppm").notNull(),
    amount: wei("amount").notNull(),
    settledAt: ts("settled_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.requestId, t.contributionId] }),
    index("attribution_contributor_idx").on(t.contributor, t.settledAt),
    index("attribution_datanet_idx").on(t.datanetId, t.settledAt),
  ],
);

/** Double-entry-style credits: every wei a settlement, refund, claim or withdrawal moves. */
export const ledgerEntries = pgTable(
  "ledger_entries",
  {
    // Deterministic key, e.g. "settle:12:builder:0xabc…", so re-indexing the same event is a no-op.
    id: text("id").primaryKey(),
    account: text("account").notNull(),
    /** protocol | operator | builder | contributor | refund | claim | withdraw */
    role: text("role").notNull(),
    amount: wei("amount").notNull(),
    requestId: id("request_id"),
    modelId: id("model_id"),
    datanetId: id("datanet_id"),
    contributionId: id("contribution_id"),
    block: blockNumber("block").notNull(),
    tx: text("tx").notNull(),
    at: ts("at").notNull(),
  },
  (t) => [index("ledger_account_idx").on(t.account, t.at), index("ledger_request_idx").on(t.requestId)],
);

/** Earnings per account per hour, by role, Datanet and model (0 where not applicable). */
export const earningsHourly = pgTable(
  "earnings_hourly",
  {
    account: text("account").notNull(),
    hour: ts("hour").notNull(),
    role: text("role").notNull(),
    datanetId: id("datanet_id").notNull().default(0),
    modelId: id("model_id").notNull().default(0),
    amount: wei("amount").notNull(),
    inferences: integer("inferences").notNull(),
  },
  (t) => [
    // Account charts read the primary key's (account, hour) prefix.
    primaryKey({ columns: [t.account, t.hour, t.role, t.datanetId, t.modelId] }),
    // A Datanet's contributor leaderboard.
    index("earnings_hourly_datanet_idx").on(t.datanetId, t.role, t.account),
    // Marketplace-wide stats over recent hours.
    index("earnings_hourly_role_hour_idx").on(t.role, t.hour),
  ],
);

export const modelUsageHourly = pgTable(
  "model_usage_hourly",
  {
    modelId: id("model_id").notNull(),
    hour: ts("hour").notNull(),
    inferences: integer("inferences").notNull(),
    revenue: wei("revenue").notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.hour] }), index("model_usage_hourly_hour_idx").on(t.hour)],
);

export const datanetUsageHourly = pgTable(
  "datanet_usage_hourly",
  {
    datanetId: id("datanet_id").notNull(),
    hour: ts("hour").notNull(),
    inferences: integer("inferences").notNull(),
    contributorEarnings: wei("contributor_earnings").notNull(),
  },
  (t) => [primaryKey({ columns: [t.datanetId, t.hour] })],
);

/**
 * Posted epoch roots and where each stands: pending for the challenge window, disputed, final (claimable) or
 * discarded (an upheld dispute). `prev` is the root it built on; `throughBlock` the settlements it covers.
 */
export const epochs = pgTable("epochs", {
  epoch: id("epoch").primaryKey(),
  prev: id("prev").notNull(),
  root: text("root").notNull(),
  cumulativeTotal: wei("cumulative_total").notNull(),
  throughBlock: blockNumber("through_block").notNull(),
  poster: text("poster").notNull(),
  status: text("status").$type<EpochStatus>().notNull(),
  finalizesAt: ts("finalizes_at").notNull(),
  block: blockNumber("block").notNull(),
  tx: text("tx").notNull(),
  postedAt: ts("posted_at").notNull(),
  challenger: text("challenger"),
  disputeBond: wei("dispute_bond"),
  disputedAt: ts("disputed_at"),
  disputeTx: text("dispute_tx"),
  /** The governance verdict: true = upheld (root discarded, poster slashed). */
  upheld: boolean("upheld"),
  resolvedAt: ts("resolved_at"),
  resolveTx: text("resolve_tx"),
  finalizedAt: ts("finalized_at"),
  finalizeTx: text("finalize_tx"),
});

export const EPOCH_STATUSES = ["pending", "disputed", "final", "discarded"] as const;
export type EpochStatus = (typeof EPOCH_STATUSES)[number];

/** Each account's cumulative amount in an epoch's Merkle tree (what a proof is built from). */
export const epochBalances = pgTable(
  "epoch_balances",
  {
    epoch: id("epoch").notNull(),
    account: text("account").notNull(),
    cumulativeAmount: wei("cumulative_amount").notNull(),
  },
  (t) => [primaryKey({ columns: [t.epoch, t.account] })],
);

export const claims = pgTable(
  "claims",
  {
    tx: text("tx").notNull(),
    logIndex: integer("log_index").notNull(),
    account: text("account").notNull(),
    epoch: id("epoch").notNull(),
    amount: wei("amount").notNull(),
    cumulativeAmount: wei("cumulative_amount").notNull(),
    block: blockNumber("block").notNull(),
    claimedAt: ts("claimed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tx, t.logIndex] }), index("claims_account_idx").on(t.account)],
);

// ── Staked operators and governance (InferenceMarket's stakes and params, the Governor, vOPEN) ──────────────

/** Everyone who ever had stake in the market, with what is staked now and what they did as an operator. */
export const operators = pgTable("operators", {
  address: text("address").primaryKey(),
  /** Active stake (counts towards minStake). */
  active: wei("active").notNull(),
  /** Requested for unstaking, withdrawable at releaseAt (and never while a posted root is disputable). */
  unbonding: wei("unbonding").notNull(),
  releaseAt: ts("release_at"),
  /** Σ ever staked, withdrawn and slashed: active + unbonding = staked - withdrawn - slashed. */
  staked: wei("staked").notNull(),
  withdrawn: wei("withdrawn").notNull(),
  slashed: wei("slashed").notNull(),
  slashCount: integer("slash_count").notNull(),
  /** Settlements this operator made (InferenceSettled.operator) and the operator fees they credited. */
  requestsServed: integer("requests_served").notNull(),
  feesEarned: wei("fees_earned").notNull(),
  firstStakedAt: ts("first_staked_at"),
  updatedBlock: blockNumber("updated_block").notNull(),
  updatedAt: ts("updated_at").notNull(),
});

export const OPERATOR_EVENT_KINDS = ["staked", "unstake_requested", "stake_withdrawn", "slashed"] as const;
export type OperatorEventKind = (typeof OPERATOR_EVENT_KINDS)[number];

/** An operator's stake history: stakes, unstake requests, withdrawals and slashes (with who got what). */
export const operatorEvents = pgTable(
  "operator_events",
  {
    block: blockNumber("block").notNull(),
    logIndex: integer("log_index").notNull(),
    tx: text("tx").notNull(),
    operator: text("operator").notNull(),
    kind: text("kind").$type<OperatorEventKind>().notNull(),
    amount: wei("amount").notNull(),
    /** Active stake after the event (stake and unstake requests). */
    active: wei("active"),
    releaseAt: ts("release_at"),
    /** Slashes: the upheld dispute's challenger and the split of the slashed stake. */
    challenger: text("challenger"),
    toChallenger: wei("to_challenger"),
    toTreasury: wei("to_treasury"),
    at: ts("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.block, t.logIndex] }), index("operator_events_operator_idx").on(t.operator, t.block)],
);

/** The market's numbered fee schedules: a request settles with the schedule in force when it was paid. */
export const feeSchedules = pgTable("fee_schedules", {
  version: integer("version").primaryKey(),
  protocolBps: integer("protocol_bps").notNull(),
  operatorBps: integer("operator_bps").notNull(),
  block: blockNumber("block").notNull(),
  tx: text("tx").notNull(),
  at: ts("at").notNull(),
});

/** Every ParamsChanged of the market (all values each time): the newest row is in force. */
export const marketParams = pgTable(
  "market_params",
  {
    block: blockNumber("block").notNull(),
    logIndex: integer("log_index").notNull(),
    tx: text("tx").notNull(),
    protocolTreasury: text("protocol_treasury").notNull(),
    refundTimeout: bigint("refund_timeout", { mode: "number" }).notNull(),
    challengeWindow: bigint("challenge_window", { mode: "number" }).notNull(),
    unbondingDelay: bigint("unbonding_delay", { mode: "number" }).notNull(),
    minStake: wei("min_stake").notNull(),
    disputeBond: wei("dispute_bond").notNull(),
    challengerRewardBps: integer("challenger_reward_bps").notNull(),
    rootPoster: text("root_poster").notNull(),
    at: ts("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.block, t.logIndex] })],
);

export const GOVERNOR_SETTINGS = ["votingDelay", "votingPeriod", "proposalThreshold", "quorumNumerator", "timelock"] as const;
export type GovernorSetting = (typeof GOVERNOR_SETTINGS)[number];

/** The Governor's settings as they changed (seconds, wei, percent, or the timelock's address): the history gives the quorum numerator at any snapshot. */
export const governorSettings = pgTable(
  "governor_settings",
  {
    block: blockNumber("block").notNull(),
    logIndex: integer("log_index").notNull(),
    tx: text("tx").notNull(),
    name: text("name").$type<GovernorSetting>().notNull(),
    value: text("value").notNull(),
    at: ts("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.block, t.logIndex] }), index("governor_settings_name_idx").on(t.name, t.at)],
);

/** vOPEN total supply after each wrap or unwrap (mint/burn): what a proposal's quorum is a share of. */
export const voteSupply = pgTable(
  "vote_supply",
  {
    block: blockNumber("block").notNull(),
    logIndex: integer("log_index").notNull(),
    totalSupply: wei("total_supply").notNull(),
    at: ts("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.block, t.logIndex] }), index("vote_supply_at_idx").on(t.at)],
);

/** vOPEN holders and delegates: wrapped balance, whom they delegate to, and the votes delegated to them. */
export const voteAccounts = pgTable(
  "vote_accounts",
  {
    account: text("account").primaryKey(),
    balance: wei("balance").notNull(),
    delegate: text("delegate"),
    /** Current voting power (DelegateVotesChanged.newVotes). */
    votes: wei("votes").notNull(),
    updatedBlock: blockNumber("updated_block").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [index("vote_accounts_delegate_idx").on(t.delegate)],
);

/**
 * Governor proposals with their calls, tallies and lifecycle. The state (pending … executed) depends on the
 * clock, so it is computed when read (lib/governance/state.ts), not stored. Ids are uint256: decimal text.
 */
export const proposals = pgTable(
  "proposals",
  {
    id: text("id").primaryKey(),
    proposer: text("proposer").notNull(),
    targets: jsonb("targets").$type<string[]>().notNull(),
    /** Native value per call, wei as decimal strings. */
    values: jsonb("values").$type<string[]>().notNull(),
    calldatas: jsonb("calldatas").$type<string[]>().notNull(),
    description: text("description").notNull(),
    /** keccak256 of the description's bytes (queue/execute take it); null if the text did not hash back to the id. */
    descriptionHash: text("description_hash"),
    voteStart: ts("vote_start").notNull(),
    voteEnd: ts("vote_end").notNull(),
    forVotes: wei("for_votes").notNull(),
    againstVotes: wei("against_votes").notNull(),
    abstainVotes: wei("abstain_votes").notNull(),
    voters: integer("voters").notNull(),
    eta: ts("eta"),
    queuedAt: ts("queued_at"),
    queuedTx: text("queued_tx"),
    executedAt: ts("executed_at"),
    executedTx: text("executed_tx"),
    canceledAt: ts("canceled_at"),
    canceledTx: text("canceled_tx"),
    createdBlock: blockNumber("created_block").notNull(),
    createdLogIndex: integer("created_log_index").notNull(),
    createdTx: text("created_tx").notNull(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [index("proposals_created_idx").on(t.createdBlock, t.createdLogIndex)],
);

/** One vote per (proposal, voter): GovernorCountingSimple refuses a second. support: 0 against, 1 for, 2 abstain. */
export const proposalVotes = pgTable(
  "proposal_votes",
  {
    proposalId: text("proposal_id").notNull(),
    voter: text("voter").notNull(),
    support: integer("support").notNull(),
    weight: wei("weight").notNull(),
    reason: text("reason").notNull(),
    /** VoteCastWithParams' params (hex), else null. */
    params: text("params"),
    block: blockNumber("block").notNull(),
    logIndex: integer("log_index").notNull(),
    tx: text("tx").notNull(),
    at: ts("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.proposalId, t.voter] }), index("proposal_votes_voter_idx").on(t.voter, t.block)],
);

/** Every decoded log the indexer applied; its key makes re-applying an event a no-op. */
export const chainEvents = pgTable(
  "chain_events",
  {
    chainId: integer("chain_id").notNull(),
    txHash: text("tx_hash").notNull(),
    logIndex: integer("log_index").notNull(),
    block: blockNumber("block").notNull(),
    blockHash: text("block_hash").notNull(),
    at: ts("at").notNull(),
    contract: text("contract").notNull(),
    address: text("address").notNull(),
    name: text("name").notNull(),
    // The raw log (decoded on demand), so a rollback can replay the read model without asking the chain again.
    topics: jsonb("topics").$type<string[]>().notNull(),
    data: text("data").notNull(),
  },
  (t) => [primaryKey({ columns: [t.chainId, t.txHash, t.logIndex] }), index("chain_events_block_idx").on(t.block)],
);

/**
 * The batch each InferenceMarket.bookBatch transaction booked (its calldata argument), read once from the chain when
 * its InferencesBooked log is fetched: the records are in calldata, not in the log, and a rollback replays the read
 * model from chain_events and this table without asking the chain again. Rows above a reorg's ancestor go with
 * their chain_events.
 */
export const bookingBatches = pgTable(
  "booking_batches",
  {
    chainId: integer("chain_id").notNull(),
    txHash: text("tx_hash").notNull(),
    block: blockNumber("block").notNull(),
    /** The packed batch (lib/chain/bookings.ts), hex. */
    batch: text("batch").notNull(),
  },
  (t) => [primaryKey({ columns: [t.chainId, t.txHash] }), index("booking_batches_block_idx").on(t.block)],
);

/** Where the indexer is: one row per chain, plus which deployment it indexed. */
export const indexerCheckpoints = pgTable("indexer_checkpoints", {
  chainId: integer("chain_id").primaryKey(),
  deploymentKey: text("deployment_key").notNull(),
  block: blockNumber("block").notNull(),
  blockHash: text("block_hash").notNull(),
  /** The checkpoint block's timestamp: with updatedAt, the chain's clock as of now (governance states depend on it). */
  blockTime: ts("block_time"),
  updatedAt: ts("updated_at").notNull().defaultNow(),
  /**
   * The undo journal (lib/indexer/journal.ts) holds every derived-table write of every range flushed from this block
   * on: a reorg whose common ancestor is at or above journal_from - 1 is undone from it. Null: no journal yet.
   */
  journalFrom: blockNumber("journal_from"),
});

/**
 * The undo journal: the previous image of every derived-table row a recent indexed range inserted (`existed` false,
 * `row` the new row: only its key matters) or updated or deleted (`existed` true, `row` the row before). Written by
 * statement triggers while the indexer sets ledgerline.range; tagged with the flushed range [range_from, range_to].
 */
export const indexerJournal = pgTable(
  "indexer_journal",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    rangeFrom: blockNumber("range_from").notNull(),
    rangeTo: blockNumber("range_to").notNull(),
    tableName: text("table_name").notNull(),
    existed: boolean("existed").notNull(),
    row: jsonb("row").notNull(),
  },
  (t) => [index("indexer_journal_range_to_idx").on(t.rangeTo)],
);

/** Recent, not yet final blocks: what reorg detection compares parent hashes against. */
export const indexerBlocks = pgTable(
  "indexer_blocks",
  {
    chainId: integer("chain_id").notNull(),
    number: blockNumber("number").notNull(),
    hash: text("hash").notNull(),
    parentHash: text("parent_hash").notNull(),
    timestamp: ts("timestamp").notNull(),
  },
  (t) => [primaryKey({ columns: [t.chainId, t.number] })],
);

/**
 * Model Factory builds (off-chain): a background job turns Datanet versions into a model artifact, with
 * its progress, evaluation and the metadata the builder then registers on-chain. The registered model is
 * found by its artifact hash (models.artifact_hash).
 */
export const modelBuilds = pgTable(
  "model_builds",
  {
    id: text("id").primaryKey(),
    kind: text("kind").$type<"infinigram" | "knn" | "external" | "rag">().notNull(),
    builder: text("builder"),
    /** The validated build request: name, description, datanets [{id, version}], parameters. */
    request: jsonb("request").$type<Record<string, unknown>>().notNull(),
    /** queued | running | succeeded | failed */
    status: text("status").$type<"queued" | "running" | "succeeded" | "failed">().notNull(),
    /** loading | tokenizing | indexing | evaluating | storing | done */
    phase: text("phase").notNull(),
    /** 0..1 within the whole build. */
    progress: doublePrecision("progress").notNull().default(0),
    error: text("error"),
    artifactHash: text("artifact_hash"),
    artifactBytes: bigint("artifact_bytes", { mode: "number" }),
    contributions: integer("contributions"),
    tokens: bigint("tokens", { mode: "number" }),
    evaluation: jsonb("evaluation").$type<Record<string, unknown>>(),
    metadataHash: text("metadata_hash"),
    attempts: integer("attempts").notNull().default(0),
    createdAt: ts("created_at").notNull().defaultNow(),
    startedAt: ts("started_at"),
    finishedAt: ts("finished_at"),
  },
  (t) => [index("model_builds_created_idx").on(t.createdAt), index("model_builds_artifact_idx").on(t.artifactHash)],
);

/**
 * Paid inferences being served (off-chain; keyed by the paid request hash). Inserting the row is the claim
 * that makes serving exactly-once: a second request with the same payment finds it. Status:
 * queued (claimed, payment checked) → serving (model running) → served (answer and record stored in
 * inference_results) → settled (on-chain); or → refunded (payment returned on-chain); failed: serving
 * failed and the refund has not gone through yet (recovery retries it).
 */
export const inferenceJobs = pgTable(
  "inference_jobs",
  {
    requestHash: text("request_hash").primaryKey(),
    requestId: id("request_id").notNull(),
    modelId: id("model_id").notNull(),
    payer: text("payer").notNull(),
    /** x402 | transaction | recovery (an abandoned payment found by recovery) */
    via: text("via").$type<"x402" | "transaction" | "recovery">().notNull(),
    paidTx: text("paid_tx"),
    status: text("status").$type<"queued" | "serving" | "served" | "settled" | "refunded" | "failed">().notNull(),
    prompt: text("prompt").notNull(),
    /** The parameters as requested (the ones actually used, with the seed, are in inference_results). */
    params: jsonb("params").$type<Record<string, unknown>>().notNull(),
    output: text("output"),
    /** The canonical attribution record (encodeRecord), once served. */
    record: text("record"),
    error: text("error"),
    attempts: integer("attempts").notNull().default(0),
    /** Who is working on the job: a random token per attempt; every transition checks it. */
    lease: text("lease"),
    price: wei("price"),
    /** The on-chain fee split at settlement: protocol, operator, builder, contributorPool (decimal strings). */
    split: jsonb("split").$type<Record<string, string>>(),
    settleTx: text("settle_tx"),
    refundTx: text("refund_tx"),
    createdAt: ts("created_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
    servedAt: ts("served_at"),
    finishedAt: ts("finished_at"),
  },
  (t) => [index("inference_jobs_status_idx").on(t.status, t.updatedAt), index("inference_jobs_request_idx").on(t.requestId)],
);

/**
 * Sign-In with Ethereum nonces: issued by GET /api/auth/nonce, consumed once by POST /api/auth/session
 * (an UPDATE … WHERE used_at IS NULL, so two processes cannot both accept the same nonce).
 */
export const authNonces = pgTable(
  "auth_nonces",
  {
    nonce: text("nonce").primaryKey(),
    createdAt: ts("created_at").notNull().defaultNow(),
    expiresAt: ts("expires_at").notNull(),
    usedAt: ts("used_at"),
    /** The address that signed in with it. */
    usedBy: text("used_by"),
  },
  (t) => [index("auth_nonces_expires_idx").on(t.expiresAt)],
);

/**
 * Server secrets generated on first use and shared by every process on the same database (the session
 * cookie's HMAC key when SESSION_SECRET is not set), so restarts and other processes keep sessions valid.
 */
export const authSecrets = pgTable("auth_secrets", {
  name: text("name").primaryKey(),
  secret: text("secret").notNull(),
  createdAt: ts("created_at").notNull().defaultNow(),
});

/**
 * Rate-limit token buckets shared by every web instance on the same database (one row per limiter and
 * subject, e.g. "paid-ip:203.0.113.9"); rows idle for 10 minutes are deleted.
 */
export const rateLimits = pgTable(
  "rate_limits",
  {
    key: text("key").primaryKey(),
    tokens: doublePrecision("tokens").notNull(),
    allowed: boolean("allowed").notNull(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [index("rate_limits_updated_idx").on(t.updatedAt)],
);

/**
 * A builder's API key for its external model's endpoint, encrypted at rest (AES-256-GCM under
 * ENDPOINT_KEY_SECRET, bound to its build): never in the build request, the model card or any answer.
 */
export const endpointKeys = pgTable("endpoint_keys", {
  buildId: text("build_id").primaryKey(),
  ciphertext: text("ciphertext").notNull(),
  createdAt: ts("created_at").notNull().defaultNow(),
});

/**
 * x402 `batch-settlement`: the server scheme's state of each payment channel (@x402/evm 2.27 `Channel`, kept by
 * lib/payments/batch-settlement/channel-storage.ts), shared by every web instance and surviving restarts. One
 * row per channel, every field of `Channel` in its own column and kept verbatim: amounts are the decimal
 * strings the scheme wrote (text, never a JS number: some come from the payer's voucher or the facilitator as
 * sent); times are JS epoch numbers (milliseconds, `withdrawRequestedAt` in seconds) as the scheme keeps them.
 */
export const paymentChannels = pgTable(
  "payment_channels",
  {
    /** The channel id (bytes32 hex), lower-case: the key every instance locks on. */
    channelId: text("channel_id").primaryKey(),
    /** `Channel.channelId` when the scheme stored it in another case than the key (else null). */
    sentChannelId: text("sent_channel_id"),
    payer: text("payer").notNull(),
    payerAuthorizer: text("payer_authorizer").notNull(),
    receiver: text("receiver").notNull(),
    receiverAuthorizer: text("receiver_authorizer").notNull(),
    token: text("token").notNull(),
    withdrawDelay: bigint("withdraw_delay", { mode: "number" }).notNull(),
    salt: text("salt").notNull(),
    chargedCumulativeAmount: text("charged_cumulative_amount").notNull(),
    signedMaxClaimable: text("signed_max_claimable").notNull(),
    signature: text("signature").notNull(),
    balance: text("balance").notNull(),
    totalClaimed: text("total_claimed").notNull(),
    withdrawRequestedAt: bigint("withdraw_requested_at", { mode: "number" }).notNull(),
    refundNonce: bigint("refund_nonce", { mode: "number" }).notNull(),
    onchainSyncedAt: bigint("onchain_synced_at", { mode: "number" }),
    lastRequestTimestamp: bigint("last_request_timestamp", { mode: "number" }).notNull(),
    /** The request holding the channel (one at a time per channel), with its voucher cap and expiry (ms). */
    pendingId: text("pending_id"),
    pendingSignedMaxClaimable: text("pending_signed_max_claimable"),
    pendingExpiresAt: bigint("pending_expires_at", { mode: "number" }),
    /** The web instance that made the reservation (web_instances.id): once it stops beating, the reservation is void. */
    pendingInstance: text("pending_instance"),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    index("payment_channels_payer_idx").on(t.payer),
    check("payment_channels_id_lower", sql`${t.channelId} = lower(${t.channelId}) and (${t.sentChannelId} is null or lower(${t.sentChannelId}) = ${t.channelId})`),
    check(
      "payment_channels_pending_whole",
      sql`(${t.pendingId} is null) = (${t.pendingSignedMaxClaimable} is null) and (${t.pendingId} is null) = (${t.pendingExpiresAt} is null)`,
    ),
  ],
);

/**
 * Web instances alive on this database: each beats every few seconds (lib/process/instance.ts), so the others can
 * tell when one was killed and void the payment-channel reservations it held instead of waiting for their expiry.
 */
export const webInstances = pgTable("web_instances", {
  id: text("id").primaryKey(),
  startedAt: ts("started_at").notNull().defaultNow(),
  heartbeatAt: ts("heartbeat_at").notNull().defaultNow(),
});

/**
 * x402 batch-settlement charges served and not yet booked on-chain (issue 16): one row per inference paid with a
 * voucher. Written in the same transaction as the channel update that raises its `chargedCumulativeAmount`
 * (lib/payments/batch-settlement/charges.ts), so a charge taken always has its row and a row always is a charge
 * taken. `pending` until InferenceMarket.bookBatch books it (`markBooked`), then `booked` with that transaction.
 */
export const batchCharges = pgTable(
  "batch_charges",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** The channel id (bytes32 hex), lower-case, as payment_channels keys it. */
    channelId: text("channel_id").notNull(),
    /** Lower-case payer address (the channel config's payer). */
    payer: text("payer").notNull(),
    modelId: id("model_id").notNull(),
    /** The inference's request hash: its stable id until booked, and the key of its answer in inference_results. */
    requestHash: text("request_hash").notNull().unique(),
    /** Wei charged for this inference (≤ the ceiling the voucher signed). */
    charged: wei("charged").notNull(),
    /** The channel's chargedCumulativeAmount after this charge (wei): bookings are contiguous ranges of it. */
    cumulativeAfter: wei("cumulative_after").notNull(),
    outputHash: text("output_hash").notNull(),
    attributionHash: text("attribution_hash").notNull(),
    status: text("status").$type<"pending" | "booked">().notNull().default("pending"),
    bookedTx: text("booked_tx"),
    createdAt: ts("created_at").notNull().defaultNow(),
    bookedAt: ts("booked_at"),
  },
  (t) => [
    foreignKey({ columns: [t.requestHash], foreignColumns: [inferenceResults.requestHash], name: "batch_charges_result_fk" }),
    index("batch_charges_pending_idx").on(t.status, t.id),
    index("batch_charges_payer_idx").on(t.payer),
    check("batch_charges_status", sql`${t.status} in ('pending', 'booked') and (${t.status} = 'booked') = (${t.bookedTx} is not null)`),
    check("batch_charges_lower", sql`${t.channelId} = lower(${t.channelId}) and ${t.payer} = lower(${t.payer}) and ${t.requestHash} = lower(${t.requestHash})`),
  ],
);
