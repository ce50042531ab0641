import type { Hex } from "viem";
import type { ContractName, DecodedEvent } from "./decode";

/** An event the indexer applied (what it hands to the live stream): its own module so lib/live need not import the indexer. */
export interface IndexedEvent {
  name: DecodedEvent["eventName"];
  contract: ContractName;
  block: number;
  tx: Hex;
  logIndex: number;
  args: Record<string, unknown>;
}
