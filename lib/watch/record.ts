/**
 * One settled inference, checked the way the indexer credits it and the way Verify recomputes it:
 *
 * 1. committed record: the record the node serves counts only if it hashes to the on-chain attributionHash and
 *    names this request and model (else its pool is unattributed, exactly as lib/indexer/handlers.ts does);
 * 2. reproduction: re-running the model artifact on the served prompt and parameters (the code Verify runs,
 *    lib/attribution/run.ts) must give that record byte for byte, and the served output must hash to the
 *    on-chain outputHash.
 *
 * Records carry a `version`; each version has its own decoder and its own recomputation below. A record of a
 * version this build does not know is refused with UnsupportedRecordVersion (never guessed at).
 */
import { keccak256, stringToBytes, type Hex } from "viem";
import { attributionHash, decodeRecord, encodeRecord, type AttributionRecord } from "@/lib/attribution/record";
import { outputHash, runAttribution, type LoadedModel } from "@/lib/attribution/run";
import { withdrawnMembers, withoutWithdrawn } from "@/lib/attribution/withdrawn";
import type { VerbatimLimits } from "@/lib/attribution/terms";
import type { ModelKind } from "@/lib/metadata";

/** Versions of the attribution record this watcher verifies (each recomputed with its own rules). */
export const RECORD_VERSIONS = [1, 2] as const;

export class UnsupportedRecordVersion extends Error {
  constructor(requestId: number, version: unknown) {
    super(
      `inference ${requestId}: its settled attribution record has version ${JSON.stringify(version)}, which this watcher does not verify ` +
        `(it knows version ${RECORD_VERSIONS.join(", ")}); update Ledgerline to check it`,
    );
  }
}

/** What the chain committed for the inference. */
export interface Committed {
  requestId: number;
  modelId: number;
  attributionHash: Hex;
  outputHash: Hex;
}

/** What the node served for it. */
export interface Served {
  prompt: string;
  params: Record<string, unknown>;
  output: string;
  attributionRecord: string;
}

export type RecordCheck = { ok: true; version: 1 | 2; record: AttributionRecord } | { ok: false; why: string };

function versionOf(bytes: string): unknown {
  try {
    const v = (JSON.parse(bytes) as { version?: unknown } | null)?.version;
    return v === undefined ? null : v;
  } catch {
    return null;
  }
}

/** Step 1: the record that counts for crediting, or why there is none (then the pool is unattributed). */
export function committedRecord(c: Committed, served: Served | null): RecordCheck {
  if (!served) return { ok: false, why: "the node holds no attribution record for it" };
  const bytes = served.attributionRecord;
  const version = versionOf(bytes);
  const hashesOnChain = keccak256(stringToBytes(bytes)) === c.attributionHash;
  switch (version) {
    case 1:
    case 2: {
      let record: AttributionRecord;
      try {
        record = decodeRecord(bytes);
      } catch (err) {
        return { ok: false, why: `its attribution record is unreadable (${(err as Error).message})` };
      }
      if (attributionHash(record) !== c.attributionHash) return { ok: false, why: "its attribution record does not hash to the on-chain attributionHash" };
      if (record.requestId !== String(c.requestId) || record.modelId !== c.modelId) return { ok: false, why: "its attribution record names another request or model" };
      return { ok: true, version: record.version, record };
    }
    default:
      // Only the committed record matters: one that is not on-chain is simply not the record.
      if (hashesOnChain) throw new UnsupportedRecordVersion(c.requestId, version);
      return { ok: false, why: "its attribution record does not hash to the on-chain attributionHash" };
  }
}

/** Step 2: re-run the inference from the artifact; null when the record and output are reproduced exactly, else why not. */
export function reproduce(
  check: Extract<RecordCheck, { ok: true }>,
  input: {
    kind: ModelKind;
    model: LoadedModel;
    artifactHash: Hex;
    committed: Committed;
    served: Served;
    /** the model's Datanets, from ModelRegistry (never from the record it checks) */
    datanetIds: readonly number[];
    /** version 2: the contributions withdrawn as of the record's `withdrawalsAt` block, from the chain (lib/chain/withdrawals.ts) */
    withdrawn?: ReadonlySet<number>;
    /** version 2: contributors' verbatim limits, from the chain (lib/chain/terms.ts) */
    verbatimLimits?: VerbatimLimits;
  },
): string | null {
  const { committed, served } = input;
  let model = input.model;
  let view: ReturnType<typeof withoutWithdrawn>["view"];
  if (check.record.version === 2 && check.record.withdrawalsAt !== null) {
    // The model ran without the contributions withdrawn as of that block: so does its recomputation.
    if (!input.withdrawn) return `its record names the withdrawals as of block ${check.record.withdrawalsAt.block}, which were not read`;
    try {
      ({ model, view } = withoutWithdrawn(model, undefined, new Set(withdrawnMembers(model, undefined, input.withdrawn))));
    } catch (err) {
      return `re-running the model without its withdrawn contributions fails: ${(err as Error).message}`;
    }
  }
  if (outputHash(served.output) !== committed.outputHash) return "the served output does not hash to the on-chain outputHash";
  switch (check.version) {
    case 1:
    case 2: {
      let recomputed: ReturnType<typeof runAttribution>;
      try {
        recomputed = runAttribution({
          kind: input.kind,
          model,
          view,
          modelId: committed.modelId,
          artifactHash: input.artifactHash,
          requestId: BigInt(committed.requestId),
          prompt: served.prompt,
          params: served.params,
          // An external model's answer came from its endpoint: only its span tracing is recomputed.
          output: input.kind === "external" || input.kind === "rag" ? served.output : undefined,
          recordVersion: check.record.version,
          withdrawalsAt: check.record.version === 2 ? check.record.withdrawalsAt : null,
          datanetIds: input.datanetIds,
          verbatimLimits: check.record.version === 2 ? input.verbatimLimits : undefined,
        });
      } catch (err) {
        return `re-running the model fails: ${(err as Error).message}`;
      }
      if (recomputed.output !== served.output) return "re-running the model gives another answer than the one served";
      const expected = encodeRecord(recomputed.record);
      if (expected !== encodeRecord(check.record)) return `re-running the model gives another attribution record (${attributionHash(recomputed.record)}) than the one settled`;
      return null;
    }
  }
}
