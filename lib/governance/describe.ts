/**
 * What a proposal's calls do, in words: voters judge the calldata, not the proposer's description, so every
 * call is decoded against the ABI of the contract it targets and the known setters are spelled out. A call to
 * an address that is not a Ledgerline contract says so even when its selector looks familiar. Browser-safe.
 */
import { decodeFunctionData, formatUnits, getAddress, isAddress, zeroAddress, type Abi, type Hex } from "viem";
import { datanetRegistryAbi } from "@/contracts-abi/DatanetRegistry";
import { inferenceMarketAbi } from "@/contracts-abi/InferenceMarket";
import { ledgerlineGovernorAbi } from "@/contracts-abi/LedgerlineGovernor";
import { ledgerlineTimelockAbi } from "@/contracts-abi/LedgerlineTimelock";
import { modelRegistryAbi } from "@/contracts-abi/ModelRegistry";
import { openTokenAbi } from "@/contracts-abi/OpenToken";
import { openVotesAbi } from "@/contracts-abi/OpenVotes";

/** The deployment's addresses, as far as they are known (a missing one is treated as unknown). */
export interface KnownContracts {
  token?: string;
  datanetRegistry?: string;
  modelRegistry?: string;
  inferenceMarket?: string;
  openVotes?: string;
  timelock?: string;
  governor?: string;
}

type ContractKey = keyof KnownContracts;

const CONTRACTS: Record<ContractKey, { name: string; abi: Abi }> = {
  inferenceMarket: { name: "InferenceMarket", abi: inferenceMarketAbi },
  datanetRegistry: { name: "DatanetRegistry", abi: datanetRegistryAbi },
  modelRegistry: { name: "ModelRegistry", abi: modelRegistryAbi },
  governor: { name: "LedgerlineGovernor", abi: ledgerlineGovernorAbi },
  timelock: { name: "LedgerlineTimelock", abi: ledgerlineTimelockAbi },
  openVotes: { name: "OpenVotes (vOPEN)", abi: openVotesAbi },
  token: { name: "OpenToken (OPEN)", abi: openTokenAbi },
};

export interface DescribedCall {
  target: string;
  /** The Ledgerline contract at `target`, or null for any other address. */
  contract: string | null;
  value: bigint;
  calldata: string;
  /** The decoded function's name (null when the calldata matches no Ledgerline ABI). */
  function: string | null;
  /** Decoded arguments, as display strings (wei as decimal). */
  args: string[];
  /** One sentence a voter can read. */
  summary: string;
}

const OPEN = (wei: bigint) => `${formatUnits(wei, 18).replace(/\.0$/, "")} OPEN`;
const pct = (bps: number) => `${(bps / 100).toFixed(2).replace(/\.?0+$/, "")} %`;

/** 90 → "90 s", 86400 → "1 day", 1209600 → "2 weeks" (exact units only; otherwise seconds). */
export function formatDuration(totalSeconds: bigint | number): string {
  const s = BigInt(totalSeconds);
  const units: [bigint, string][] = [
    [604_800n, "week"],
    [86_400n, "day"],
    [3_600n, "hour"],
    [60n, "minute"],
  ];
  for (const [size, unit] of units) {
    if (s >= size && s % size === 0n) {
      const n = s / size;
      return `${n} ${unit}${n === 1n ? "" : "s"}`;
    }
  }
  return `${s} s`;
}

const shortAddr = (a: string) => (a.length === 42 ? `${a.slice(0, 6)}…${a.slice(-4)}` : a);

function contractAt(contracts: KnownContracts, target: string): ContractKey | null {
  const t = target.toLowerCase();
  for (const key of Object.keys(CONTRACTS) as ContractKey[]) {
    const a = contracts[key];
    if (a && a.toLowerCase() === t) return key;
  }
  return null;
}

/** The sentences for the setters voters meet most; others fall back to `name(args)`. */
function sentence(fn: string, a: readonly unknown[], contracts: KnownContracts): string | null {
  const addr = (x: unknown) => {
    const s = String(x);
    const known = contractAt(contracts, s);
    return known ? `${CONTRACTS[known].name} (${shortAddr(s)})` : s;
  };
  switch (fn) {
    case "setFees":
      return `Set the fees of payments made after execution to protocol ${pct(Number(a[0]))} (${a[0]} bps) and operator ${pct(Number(a[1]))} (${a[1]} bps); requests paid before keep the fees they were paid under.`;
    case "resolveDispute":
      return a[1]
        ? `Uphold the dispute of epoch #${a[0]}: discard its root, slash the operator that posted it (part to the challenger, the rest to the treasury) and return the challenger's bond.`
        : `Reject the dispute of epoch #${a[0]}: the root may finalize and the challenger's bond goes to the treasury.`;
    case "setEpochParams":
      return `Set the challenge window to ${formatDuration(a[0] as bigint)}, the dispute bond to ${OPEN(a[1] as bigint)}, the challenger's share of a slash to ${pct(Number(a[2]))} and the root poster to ${addr(a[3])}.`;
    case "setStakeParams":
      return `Set the minimum operator stake to ${OPEN(a[0] as bigint)} and the unbonding delay to ${formatDuration(a[1] as bigint)}.`;
    case "setRefundTimeout":
      return `Let anyone refund an unsettled request ${formatDuration(a[0] as bigint)} after payment.`;
    case "setProtocolTreasury":
      return `Send protocol fees and slashed stakes to ${addr(a[0])}.`;
    case "sweepSurplus":
      return `Send the market's unaccounted surplus OPEN to ${addr(a[0])}.`;
    case "setAttester":
      return String(a[0]).toLowerCase() === zeroAddress
        ? "Remove the content attester: contributions need no attestation."
        : `Trust ${addr(a[0])} to attest content uploads (uploader, content hash).`;
    case "updateQuorumNumerator":
      return `Set the quorum to ${a[0]} % of the vOPEN supply.`;
    case "setVotingDelay":
      return `Set the voting delay to ${formatDuration(a[0] as bigint)}.`;
    case "setVotingPeriod":
      return `Set the voting period to ${formatDuration(a[0] as bigint)}.`;
    case "setProposalThreshold":
      return `Require ${OPEN(a[0] as bigint).replace(" OPEN", " vOPEN")} of votes to propose.`;
    case "updateDelay":
      return `Set the timelock delay to ${formatDuration(a[0] as bigint)}.`;
    case "transfer":
      return `Transfer ${OPEN(a[1] as bigint)} from the timelock to ${addr(a[0])}.`;
    default:
      return null;
  }
}

function display(v: unknown): string {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return `[${v.map(display).join(", ")}]`;
  return String(v);
}

/** Decodes one call of a proposal and says what it does. Never throws: undecodable calls are described as such. */
export function describeCall(contracts: KnownContracts, target: string, value: bigint, calldata: string): DescribedCall {
  const key = isAddress(target, { strict: false }) ? contractAt(contracts, target) : null;
  const base = { target: target.toLowerCase(), contract: key ? CONTRACTS[key].name : null, value, calldata };
  const sends = value > 0n ? ` It also sends ${formatUnits(value, 18)} of the native currency.` : "";
  const abis = key ? [CONTRACTS[key].abi] : Object.values(CONTRACTS).map((c) => c.abi);
  for (const abi of abis) {
    let decoded: { functionName: string; args?: readonly unknown[] };
    try {
      decoded = decodeFunctionData({ abi, data: calldata as Hex }) as typeof decoded;
    } catch {
      continue;
    }
    const args = decoded.args ?? [];
    const call = `${decoded.functionName}(${args.map(display).join(", ")})`;
    if (!key) {
      // A familiar selector on a stranger's contract does something else entirely: say where it goes.
      return { ...base, function: decoded.functionName, args: args.map(display), summary: `Calls ${call} on ${target}, which is not a Ledgerline contract.${sends}` };
    }
    const text = sentence(decoded.functionName, args, contracts) ?? `Calls ${call}.`;
    return { ...base, function: decoded.functionName, args: args.map(display), summary: `${CONTRACTS[key].name}: ${text}${sends}` };
  }
  const where = key ? CONTRACTS[key].name : `${target} (not a Ledgerline contract)`;
  const what = calldata === "0x" || calldata === "" ? "Sends no calldata" : `Calls selector ${calldata.slice(0, 10)} (${Math.max(0, (calldata.length - 2) / 2)} bytes)`;
  return { ...base, function: null, args: [], summary: `${what} to ${where}.${sends}` };
}

/** The deployment's addresses as KnownContracts (checksummed input accepted). */
export function knownContractsOf(d: Partial<Record<ContractKey, string>>): KnownContracts {
  const out: KnownContracts = {};
  for (const key of Object.keys(CONTRACTS) as ContractKey[]) {
    const a = d[key];
    if (a && isAddress(a, { strict: false })) out[key] = getAddress(a);
  }
  return out;
}
