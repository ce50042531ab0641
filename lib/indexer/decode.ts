import { decodeEventLog, toEventSelector, type AbiEvent, type Address, type DecodeEventLogReturnType, type Hex, type Log } from "viem";
import { datanetRegistryAbi, inferenceMarketAbi, ledgerlineGovernorAbi, modelRegistryAbi, openVotesAbi } from "@/contracts-abi";
import type { Deployment } from "@/lib/chain/deploy";

export const indexedAbi = [...datanetRegistryAbi, ...modelRegistryAbi, ...inferenceMarketAbi, ...ledgerlineGovernorAbi, ...openVotesAbi] as const;
export type DecodedEvent = DecodeEventLogReturnType<typeof indexedAbi>;

export type ContractName = "DatanetRegistry" | "ModelRegistry" | "InferenceMarket" | "LedgerlineGovernor" | "OpenVotes";

interface Source {
  name: ContractName;
  /** topic0 → a one-event ABI: viem otherwise hashes every event signature of the ABI per log. */
  bySelector: Map<Hex, readonly AbiEvent[]>;
}

function selectorIndex(abi: readonly unknown[]): Map<Hex, readonly AbiEvent[]> {
  const events = (abi as readonly { type: string }[]).filter((x): x is AbiEvent => x.type === "event");
  return new Map(events.map((e) => [toEventSelector(e), [e] as const]));
}

/** The contracts the indexer follows, by address. */
export function indexedContracts(d: Deployment): Record<Address, Source> {
  return {
    [d.datanetRegistry.toLowerCase()]: { name: "DatanetRegistry", bySelector: selectorIndex(datanetRegistryAbi) },
    [d.modelRegistry.toLowerCase()]: { name: "ModelRegistry", bySelector: selectorIndex(modelRegistryAbi) },
    [d.inferenceMarket.toLowerCase()]: { name: "InferenceMarket", bySelector: selectorIndex(inferenceMarketAbi) },
    [d.governor.toLowerCase()]: { name: "LedgerlineGovernor", bySelector: selectorIndex(ledgerlineGovernorAbi) },
    [d.openVotes.toLowerCase()]: { name: "OpenVotes", bySelector: selectorIndex(openVotesAbi) },
  } as Record<Address, Source>;
}

/** Decodes a log with its contract's ABI; null for logs the ABIs do not describe. */
export function decodeLog(
  contracts: ReturnType<typeof indexedContracts>,
  log: Pick<Log, "address" | "topics" | "data">,
): { contract: ContractName; event: DecodedEvent } | null {
  const source = contracts[log.address.toLowerCase() as Address];
  const abi = source?.bySelector.get(log.topics[0] as Hex);
  if (!abi) return null;
  try {
    const event = decodeEventLog({ abi, data: log.data, topics: log.topics, strict: true }) as unknown as DecodedEvent;
    return { contract: source.name, event };
  } catch {
    return null;
  }
}

/** JSON-safe copy of event args (bigint → decimal string), for live notifications. */
export function jsonArgs(args: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(args ?? {}, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}
