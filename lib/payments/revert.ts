/**
 * Names the custom error behind a failed contract call or simulation, including errors that bubble up
 * from a nested call (e.g. OpenToken's EIP-3009 errors inside InferenceMarket.payWithAuthorization,
 * which the market's own ABI cannot decode), and says what a payment's revert means to the payer.
 */
import { decodeErrorResult, formatUnits, type BaseError, type Hex } from "viem";
import { ledgerlineErrorsAbi } from "@/contracts-abi";
import { PaymentError } from "./errors";

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

/**
 * The custom error in a viem error's chain. Duck-typed, not `instanceof`: a bundled server can hold more than
 * one copy of viem's error classes (a dependency's own), and an unrecognised revert would answer 500.
 */
export function decodeRevert(e: unknown): DecodedRevert | null {
  if (!e || typeof (e as Partial<BaseError>).walk !== "function") return null;
  let found: DecodedRevert | null = null;
  (e as BaseError).walk((x) => {
    const err = x as { data?: unknown; raw?: unknown } | null;
    const data = err?.data as { errorName?: unknown; args?: unknown; data?: unknown } | string | undefined;
    if (data && typeof data === "object" && typeof data.errorName === "string") {
      found = { name: data.errorName, args: (Array.isArray(data.args) ? data.args : []) as readonly unknown[] };
    } else {
      // Gas estimation and raw RPC errors carry the revert bytes (`raw`, or `data` / `data.data`).
      found = decodeRaw(err?.raw) ?? decodeRaw(data && typeof data === "object" ? data.data : data);
    }
    return found !== null;
  });
  return found;
}

/** "1.5 OPEN" (OPEN has 18 decimals). */
export function formatOpen(amount: bigint): string {
  return `${formatUnits(amount, 18)} OPEN`;
}

/** Maps a revert of pay / payWithAuthorization to a PaymentError; null for anything else (a server fault). */
export function paymentErrorFromRevert(revert: DecodedRevert | null): PaymentError | null {
  if (!revert) return null;
  const a = revert.args;
  switch (revert.name) {
    case "RequestHashUsed":
      return new PaymentError("request_replayed", "This request was already paid for (its request hash is used). Send a new request.");
    case "ZeroRequestHash":
      return new PaymentError("invalid_request_hash", "The request hash is zero.");
    case "UnknownModel":
      return new PaymentError("unknown_model", `There is no model ${String(a[0])}.`);
    case "ModelInactive":
      return new PaymentError("model_inactive", `Model ${String(a[0])} is not taking requests (inactive).`);
    case "PriceMismatch":
      return new PaymentError(
        "price_changed",
        `The price changed: the model now costs ${formatOpen(a[0] as bigint)} and the payment authorizes ${formatOpen(a[1] as bigint)}. Sign a new authorization for the current price.`,
      );
    case "PriceAboveMax":
      return new PaymentError(
        "price_changed",
        `The price changed: the model now costs ${formatOpen(a[0] as bigint)}, above the ${formatOpen(a[1] as bigint)} you allowed.`,
      );
    case "AuthorizationExpired":
      return new PaymentError("authorization_expired", "The payment authorization expired before it could be submitted. Sign a new one.");
    case "AuthorizationNotYetValid":
      return new PaymentError("authorization_not_yet_valid", "The payment authorization is not valid yet.");
    case "AuthorizationUsedAlready":
    case "AuthorizationAlreadyOpened":
    case "AuthorizationNotToMarket":
      return new PaymentError("authorization_used", "This payment authorization was already used or canceled. Sign a new one.");
    case "InvalidAuthorization":
      return new PaymentError("invalid_signature", "The payment signature is invalid.");
    case "NotOperator":
      return new PaymentError("payment_failed", "This node's operator is not staked, so it cannot take payments right now. Nothing was charged; try another node or later.");
    case "InvalidSignature":
    case "ECDSAInvalidSignature":
    case "ECDSAInvalidSignatureLength":
    case "ECDSAInvalidSignatureS":
      return new PaymentError("invalid_signature", "The payment signature is invalid.");
    case "ERC20InsufficientBalance":
      return new PaymentError(
        "insufficient_funds",
        `${String(a[0])} holds ${formatOpen(a[1] as bigint)} but this request costs ${formatOpen(a[2] as bigint)}.`,
      );
    case "ERC20InsufficientAllowance":
      return new PaymentError(
        "insufficient_allowance",
        `The market may spend ${formatOpen(a[1] as bigint)} of your OPEN but the request costs ${formatOpen(a[2] as bigint)}: approve the market first.`,
      );
    default:
      return null;
  }
}
