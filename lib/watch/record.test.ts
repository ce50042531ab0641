/**
 * One inference as the watcher checks it: the committed record (the indexer's rule), its reproduction from the
 * artifact (Verify's engine), and the record version switch. Real artifacts, real records; the "chain" is the
 * hashes a settlement would carry.
 */
import { keccak256, stringToBytes, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { serializeCorpusIndex } from "@/lib/attribution/artifact";
import { buildCorpusIndex } from "@/lib/attribution/corpus";
import { attributionHash, encodeRecord } from "@/lib/attribution/record";
import { loadArtifact, outputHash, runAttribution } from "@/lib/attribution/run";
import { committedRecord, reproduce, UnsupportedRecordVersion, type Committed, type Served } from "./record";

const model = loadArtifact(
  serializeCorpusIndex(
    buildCorpusIndex([
      { id: 4, datanetId: 1, text: "The red fox is a small wild dog with a bushy tail." },
      { id: 9, datanetId: 1, text: "The arctic fox is a small fox with thick white fur." },
      { id: 12, datanetId: 2, text: "A wolf is a wild dog that hunts in packs across the tundra." },
    ]),
  ),
);
const artifactHash = `0x${"cd".repeat(32)}` as Hex;
const params = { seed: "3", maxTokens: 8, temperature: 0.7, topK: 5, maxSupport: 100 };
const honest = runAttribution({ kind: "infinigram", model, modelId: 7, artifactHash, requestId: 42n, prompt: "The fox is a", params });
const served: Served = { prompt: "The fox is a", params, output: honest.output, attributionRecord: encodeRecord(honest.record) };
const committed: Committed = { requestId: 42, modelId: 7, attributionHash: attributionHash(honest.record), outputHash: outputHash(honest.output) };
const input = { kind: "infinigram" as const, model, artifactHash, committed, served, datanetIds: [1, 2] };

describe("the watcher's check of one settled inference", () => {
  it("accepts the settled record and reproduces it byte for byte from the artifact", () => {
    const check = committedRecord(committed, served);
    expect(check).toEqual({ ok: true, version: honest.record.version, record: honest.record });
    expect(reproduce(check as Extract<typeof check, { ok: true }>, input)).toBeNull();
  });

  it("reproduces a version 2 record with version 2's rules", () => {
    const old = runAttribution({ kind: "infinigram", model, modelId: 7, artifactHash, requestId: 42n, prompt: "The fox is a", params, recordVersion: 2 });
    expect(old.record.version).toBe(2);
    const c = { ...committed, attributionHash: attributionHash(old.record), outputHash: outputHash(old.output) };
    const check = committedRecord(c, { ...served, output: old.output, attributionRecord: encodeRecord(old.record) });
    expect(check).toMatchObject({ ok: true, version: 2 });
    expect(reproduce(check as Extract<typeof check, { ok: true }>, { ...input, committed: c, served: { ...served, output: old.output, attributionRecord: encodeRecord(old.record) } })).toBeNull();
  });

  it("takes the treasury fallback's Datanets from the chain, not from the record: a fallback sent to another Datanet is caught", () => {
    const none = runAttribution({ kind: "external", model, modelId: 7, artifactHash, requestId: 42n, prompt: "?", output: "Quantum chromodynamics explains hadrons.", params: { minSpanTokens: 4, maxSupport: 100 }, recordVersion: 2 });
    expect(none.record.method).toBe("fallback-datanet-treasury");
    const forged = { ...none.record, datanets: [{ datanetId: 99, weightPpm: 1_000_000 }] };
    const srv = { ...served, output: none.output, params: { minSpanTokens: 4, maxSupport: 100 }, attributionRecord: encodeRecord(forged) };
    const c = { ...committed, attributionHash: attributionHash(forged), outputHash: outputHash(none.output) };
    const check = committedRecord(c, srv);
    expect(check.ok).toBe(true);
    const ext = { ...input, kind: "external" as const, committed: c, served: srv };
    expect(reproduce(check as Extract<typeof check, { ok: true }>, ext)).toMatch(/another attribution record/);
    const honestCheck = committedRecord({ ...c, attributionHash: attributionHash(none.record) }, { ...srv, attributionRecord: encodeRecord(none.record) });
    expect(reproduce(honestCheck as Extract<typeof honestCheck, { ok: true }>, { ...ext, committed: { ...c, attributionHash: attributionHash(none.record) } })).toBeNull();
  });

  it("counts the pool as unattributed when the record is missing, not the settled one, or names another request — as the indexer does", () => {
    expect(committedRecord(committed, null)).toEqual({ ok: false, why: "the node holds no attribution record for it" });
    const other = encodeRecord({ ...honest.record, entries: [{ contributionId: 12, weightPpm: 1_000_000 }] });
    expect(committedRecord(committed, { ...served, attributionRecord: other })).toEqual({ ok: false, why: "its attribution record does not hash to the on-chain attributionHash" });
    expect(committedRecord(committed, { ...served, attributionRecord: "{not json" })).toMatchObject({ ok: false, why: expect.stringMatching(/does not hash/) });
    const moved = { ...honest.record, requestId: "43" };
    expect(committedRecord({ ...committed, attributionHash: attributionHash(moved) }, { ...served, attributionRecord: encodeRecord(moved) })).toEqual({
      ok: false,
      why: "its attribution record names another request or model",
    });
  });

  it("finds a settled record the model does not reproduce: the operator committed to an attribution it did not compute", () => {
    // All the credit to contribution 12, settled with its own hash: it passes step 1, not step 2.
    const forged = { ...honest.record, entries: [{ contributionId: 12, weightPpm: 1_000_000 }] };
    const c = { ...committed, attributionHash: attributionHash(forged) };
    const check = committedRecord(c, { ...served, attributionRecord: encodeRecord(forged) });
    expect(check.ok).toBe(true);
    expect(reproduce(check as Extract<typeof check, { ok: true }>, { ...input, committed: c })).toBe(
      `re-running the model gives another attribution record (${attributionHash(honest.record)}) than the one settled`,
    );
    // Another answer than the model's, settled with its hash.
    const answer = `${honest.output} and more`;
    const ok = committedRecord(committed, served) as Extract<ReturnType<typeof committedRecord>, { ok: true }>;
    expect(reproduce(ok, { ...input, committed: { ...committed, outputHash: outputHash(answer) }, served: { ...served, output: answer } })).toBe(
      "re-running the model gives another answer than the one served",
    );
    // An answer that is not the one settled.
    expect(reproduce(ok, { ...input, served: { ...served, output: answer } })).toBe("the served output does not hash to the on-chain outputHash");
    // Parameters the model refuses.
    expect(reproduce(ok, { ...input, served: { ...served, params: { ...params, topK: 0 } } })).toMatch(/^re-running the model fails: Bad inference parameters: topK/);
  });

  it("refuses a settled record of a version it does not know, and ignores one that is not the settled record", () => {
    const v2 = JSON.stringify({ version: 3, method: "infinigram", modelId: 7, requestId: "42", entries: [[4, 1_000_000]] });
    const c = { ...committed, attributionHash: keccak256(stringToBytes(v2)) };
    expect(() => committedRecord(c, { ...served, attributionRecord: v2 })).toThrow(UnsupportedRecordVersion);
    expect(() => committedRecord(c, { ...served, attributionRecord: v2 })).toThrow(
      "inference 42: its settled attribution record has version 3, which this watcher does not verify (it knows version 1, 2); update Ledgerline to check it",
    );
    // Not on-chain: not the record, whatever its version says (a node cannot stop a watcher by serving junk).
    expect(committedRecord(committed, { ...served, attributionRecord: v2 })).toEqual({ ok: false, why: "its attribution record does not hash to the on-chain attributionHash" });
  });
});
