import fc from "fast-check";
import { decodeEventLog, encodeAbiParameters, encodeEventTopics, toEventSelector, type AbiEvent, type AbiParameter, type Address, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import type { Deployment } from "@/lib/chain/deploy";
import { datanetRegistryAbi, inferenceMarketAbi, ledgerlineGovernorAbi, modelRegistryAbi, openVotesAbi } from "@/contracts-abi";
import { decodeLog, indexedContracts, jsonArgs } from "./decode";

const addresses = {
  DatanetRegistry: "0x00000000000000000000000000000000000000d1",
  ModelRegistry: "0x00000000000000000000000000000000000000d2",
  InferenceMarket: "0x00000000000000000000000000000000000000d3",
  LedgerlineGovernor: "0x00000000000000000000000000000000000000d4",
  OpenVotes: "0x00000000000000000000000000000000000000d5",
} as const;
const contracts = indexedContracts({
  datanetRegistry: addresses.DatanetRegistry,
  modelRegistry: addresses.ModelRegistry,
  inferenceMarket: addresses.InferenceMarket,
  governor: addresses.LedgerlineGovernor,
  openVotes: addresses.OpenVotes,
} as unknown as Deployment);
const abis = {
  DatanetRegistry: datanetRegistryAbi,
  ModelRegistry: modelRegistryAbi,
  InferenceMarket: inferenceMarketAbi,
  LedgerlineGovernor: ledgerlineGovernorAbi,
  OpenVotes: openVotesAbi,
} as const;
const events = Object.entries(abis).flatMap(([name, abi]) =>
  (abi as readonly { type: string }[]).filter((x): x is AbiEvent => x.type === "event").map((event) => ({ address: addresses[name as keyof typeof addresses] as Address, event })),
);

/** A value of an ABI type, drawn from `r` (a 32-bit integer source). */
function valueOf(p: AbiParameter, r: () => number): unknown {
  const t = p.type;
  if (t.endsWith("[]")) return Array.from({ length: r() % 3 }, () => valueOf({ ...p, type: t.slice(0, -2) }, r));
  if (t === "address") return `0x${Array.from({ length: 5 }, () => (r() >>> 0).toString(16).padStart(8, "0")).join("")}`;
  if (t === "bool") return r() % 2 === 0;
  if (t === "string") return `text ${r() % 1000} ✓`;
  if (t === "bytes") return `0x${(r() >>> 0).toString(16).padStart(8, "0")}`;
  if (t === "bytes32") return `0x${Array.from({ length: 8 }, () => (r() >>> 0).toString(16).padStart(8, "0")).join("")}`;
  const bits = Number(t.replace(/^u?int/, "") || 256);
  return BigInt.asUintN(bits, (BigInt(r() >>> 0) << 64n) | BigInt(r() >>> 0));
}

describe("decodeLog (prepared per event)", () => {
  it("decodes every indexed event exactly as viem's decodeEventLog does", () => {
    expect(events.length).toBeGreaterThan(50);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: events.length - 1 }), fc.integer(), (which, seed) => {
        const { address, event } = events[which];
        let x = seed >>> 0;
        const r = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
        const args = Object.fromEntries(event.inputs.map((p) => [p.name!, valueOf(p, r)]));
        const topics = encodeEventTopics({ abi: [event], eventName: event.name, args } as never) as Hex[];
        const inData = event.inputs.filter((p) => !p.indexed);
        const data = inData.length ? encodeAbiParameters(inData, inData.map((p) => args[p.name!])) : "0x";
        const got = decodeLog(contracts, { address, topics: topics as [Hex], data });
        const want = decodeEventLog({ abi: [event], topics: topics as [Hex], data, strict: true });
        expect(got?.event).toEqual(want);
        expect(Object.keys(got?.event.args ?? {})).toEqual(Object.keys(want.args ?? {}));
        expect(jsonArgs(got?.event.args)).toStrictEqual(JSON.parse(JSON.stringify(want.args ?? {}, (_k, v) => (typeof v === "bigint" ? v.toString() : v))));
      }),
      { numRuns: 1000 },
    );
  });

  it("refuses what viem's strict decoding refuses: a missing topic, missing or short data; ignores unknown logs", () => {
    for (const { address, event } of events) {
      const selector = toEventSelector(event);
      const indexed = event.inputs.filter((p) => p.indexed).length;
      const inData = event.inputs.filter((p) => !p.indexed);
      const fullTopics = [selector, ...Array.from({ length: indexed }, () => `0x${"00".repeat(31)}01` as Hex)] as [Hex, ...Hex[]];
      const data = inData.length ? (`0x${"00".repeat(32 * inData.length)}` as Hex) : "0x";
      if (indexed > 0) expect(decodeLog(contracts, { address, topics: fullTopics.slice(0, -1) as [Hex], data })).toBeNull();
      if (inData.length > 0) {
        expect(decodeLog(contracts, { address, topics: fullTopics, data: "0x" })).toBeNull();
        expect(decodeLog(contracts, { address, topics: fullTopics, data: data.slice(0, -2) as Hex })).toBeNull();
      }
      expect(decodeLog(contracts, { address: "0x00000000000000000000000000000000000000ff", topics: fullTopics, data })).toBeNull();
    }
  });
});
