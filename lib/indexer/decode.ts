import { decodeEventLog, type Address, type DecodeEventLogReturnType, type Log } from "viem";
import { datanetRegistryAbi, inferenceMarketAbi, modelRegistryAbi } from "@/contracts-abi";
import type { Deployment } from "@/lib/chain/deploy";

export const indexedAbi = [...datanetRegistryAbi, ...modelRegistryAbi, ...inferenceMarketAbi] as const;
export type DecodedEvent = DecodeEventLogReturnType<typeof indexedAbi>;

export type ContractName = "DatanetRegistry" | "ModelRegistry" | "InferenceMarket";

/** The contracts the indexer follows, by address. */
export function indexedContracts(d: Deployment): Record<Address, { name: ContractName; abi: readonly unknown[] }> {
  return {
    [d.datanetRegistry.toLowerCase()]: { name: "DatanetRegistry", abi: datanetRegistryAbi },
    [d.modelRegistry.toLowerCase()]: { name: "ModelRegistry", abi: modelRegistryAbi },
    [d.inferenceMarket.toLowerCase()]: { name: "InferenceMarket", abi: inferenceMarketAbi },
  } as Record<Address, { name: ContractName; abi: readonly unknown[] }>;
}

/** Decodes a log with its contract's ABI; null for logs the ABIs do not describe. */
export function decodeLog(
  contracts: ReturnType<typeof indexedContracts>,
  log: Log,
): { contract: ContractName; event: DecodedEvent } | null {
  const source = contracts[log.address.toLowerCase() as Address];
  if (!source) return null;
  try {
    const event = decodeEventLog({ abi: source.abi as typeof indexedAbi, data: log.data, topics: log.topics, strict: true });
    return { contract: source.name, event };
  } catch {
    return null;
  }
}

/** JSON-safe copy of event args (bigint → decimal string) for the raw chain_events log. */
export function jsonArgs(args: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(args ?? {}, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}
