/**
 * Names the custom error behind a failed contract call or simulation, including errors that bubble up
 * from a nested call (e.g. OpenToken's EIP-3009 errors inside InferenceMarket.payWithAuthorization,
 * which the market's own ABI cannot decode).
 */
import { BaseError, ContractFunctionRevertedError, decodeErrorResult, formatUnits, type Hex } from "viem";
import { ledgerlineErrorsAbi } from "@/contracts-abi";

export interface DecodedRevert {
  name: string;
  args: readonly unknown[];
}

function decodeRaw(data: unknown): DecodedRevert | null {
  if (typeof data !== "string" || !/^0x[0-9a-fA-F]{8,}$/.test(data)) return null;
  try {
    const r = decodeErrorResult({ abi: ledgerlineErrorsAbi, data: data as Hex });
    return { name: r.errorName, args: (r.args ?? []) as readonly unknown[] };
  } catch {
    return null;
  }
}

export function decodeRevert(e: unknown): DecodedRevert | null {
  if (!(e instanceof BaseError)) return null;
  const reverted = e.walk((x) => x instanceof ContractFunctionRevertedError);
  if (reverted instanceof ContractFunctionRevertedError) {
    if (reverted.data?.errorName) {
      return { name: reverted.data.errorName, args: (reverted.data.args ?? []) as readonly unknown[] };
    }
    const decoded = decodeRaw(reverted.raw);
    if (decoded) return decoded;
  }
  // Some paths (gas estimation, raw RPC errors) carry the revert data on an inner error's `data`.
  let found: DecodedRevert | null = null;
  e.walk((x) => {
    const data = (x as { data?: unknown } | null)?.data;
    const d = decodeRaw(typeof data === "object" && data !== null ? (data as { data?: unknown }).data : data);
    if (d) found = d;
    return d !== null;
  });
  return found;
}

/** "1.5 OPEN" (OPEN has 18 decimals). */
export function formatOpen(amount: bigint): string {
  return `${formatUnits(amount, 18)} OPEN`;
}
