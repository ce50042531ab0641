/**
 * The shapes of serving a paid inference, shared by serve.ts, jobs.ts, run-model.ts, onchain.ts and
 * recovery.ts, and how their hooks are called (so none of them imports another just for a type).
 */
import type { Account, Chain, PublicClient, Transport, WalletClient } from "viem";
import type { Db } from "@/db/client";
import type { inferenceJobs } from "@/db/schema";
import type { GeneratedToken } from "@/lib/attribution/infinigram";
import type { AttributionRecord, RecordVersion } from "@/lib/attribution/record";
import type { Deployment } from "@/lib/chain/deploy";
import type { ModelCatalog } from "./models";
import type { Cost } from "./pricing";
import type { InferenceParams } from "./params";

export type Hex = `0x${string}`;

export interface PaidRequest {
  requestId: bigint;
  requestHash: Hex;
  modelId: number;
  payer: Hex;
  prompt: string;
  /** As the request gave them (resolved against the model when it runs). */
  params: Record<string, unknown>;
  via: "x402" | "transaction";
  paidTx: Hex;
}

export interface ServeContext {
  db: Db;
  /** Blocks a payment must be under before it is served (FINALITY_DEPTH; 0/absent: at once, the local chain). */
  finalityDepth?: number;
  publicClient: PublicClient;
  /** The operator (OPERATOR_ROLE): settles and refunds. Give its account a nonce manager (operatorWallet does). */
  operator: WalletClient<Transport, Chain, Account>;
  deployment: Deployment;
  models: ModelCatalog;
  /** For external models: how long the endpoint may take (default 60 s). */
  timeoutMs?: number;
  /**
   * For external models: non-public host:port pairs their endpoints may reach (EXTERNAL_MODEL_ALLOW_HOSTS;
   * tests name their local endpoint). Every other endpoint must resolve to public addresses only.
   */
  allowHosts?: readonly string[];
  /** The attribution record version new inferences get (default CURRENT_RECORD_VERSION); takedowns apply from version 2. */
  recordVersion?: RecordVersion;
  log?: (msg: string) => void;
}

/** How a settled price was split (InferenceSettled). */
export interface Split {
  protocol: bigint;
  operator: bigint;
  builder: bigint;
  contributorPool: bigint;
}

export interface ServedEntry {
  /** null: the Datanet's treasury's share (nothing in the answer matched; record version 2). */
  contributionId: number | null;
  weightPpm: number;
  amount: bigint;
  /** Lower-case address paid (the contributor, or the Datanet's treasury); "" when not indexed yet. */
  contributor: string;
  datanetId: number;
}

export interface ServedInference {
  /** The on-chain request id; 0 for a batch-settled inference (no on-chain request: see requestHash). */
  requestId: bigint;
  /** Batch-settled inferences: the request hash, their stable id until booked on-chain. */
  requestHash?: Hex;
  /**
   * "pending": charged in a batch-settlement channel, not yet booked on-chain (no settle transaction yet; the split
   * and the contributors' amounts are set when the batch is booked).
   */
  settlement?: "pending";
  modelId: number;
  output: string;
  record: AttributionRecord;
  attributionHash: Hex;
  outputHash: Hex;
  settleTx: Hex;
  price: bigint;
  split: Split;
  entries: ServedEntry[];
  usage: { promptTokens: number; completionTokens: number };
  /**
   * Wei: the ceiling paid (escrowed, or signed in a voucher), the charge (`price`) and what went back to the payer
   * (per-token models: ceiling − charge; flat-price models: 0).
   */
  cost: Cost;
  /** The parameters actually used (with the seed), as stored for verification. */
  params: InferenceParams;
}

/** What the model produced, before settlement. */
export interface Produced {
  output: string;
  record: AttributionRecord;
  params: InferenceParams;
  /** ∞-gram: the generated tokens with their credit. */
  tokens?: GeneratedToken[];
  /** Prompt and answer tokens in the model's own tokenizer (what a per-token price charges); absent for a stored answer re-settled. */
  usage?: { promptTokens: number; completionTokens: number };
}

/** The answer and its record as stored (before settling); `tokens` null for kinds other than ∞-gram. */
export interface StoredAnswer {
  requestId: bigint;
  output: string;
  record: AttributionRecord;
  params: InferenceParams;
  tokens: GeneratedToken[] | null;
}

/** What a caller may watch while a request is served; listeners only observe (their errors are ignored). */
export interface ServeHooks {
  /** This request owns the job (the claim row is inserted): from here on it is served or refunded, never refused. */
  onClaimed?: () => void;
  /**
   * The answer's text as it is produced: ∞-gram models token by token while generating; other kinds in
   * pieces once the model answered. The pieces concatenate to the answer.
   */
  onText?: (chunk: string) => void;
  /** The answer and its record are stored (before settling). */
  onStored?: (stored: StoredAnswer) => void;
}

export type JobRow = typeof inferenceJobs.$inferSelect;
export type JobStatus = JobRow["status"];

/** Calls a listener; its failure (e.g. a closed connection) is not the inference's problem. */
export function observe<A>(fn: ((arg: A) => void) | undefined, arg: A) {
  if (!fn) return;
  try {
    fn(arg);
  } catch {
    /* ignored */
  }
}
