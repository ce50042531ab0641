/**
 * Checking an "exact" payment against the offer and the chain before anything is sent: scheme,
 * network, asset, recipient, price, validity window, signature (EOA or EIP-1271), nonce unused, funds.
 */
import { encodeAbiParameters, getAddress, isAddress, isAddressEqual, keccak256, recoverTypedDataAddress, serializeSignature, zeroHash, type Address, type Hex, type PublicClient } from "viem";
import { inferenceMarketAbi, openTokenAbi } from "@/contracts-abi";
import { TRANSFER_WITH_AUTHORIZATION_TYPES, type Eip3009Authorization } from "@/lib/chain/eip3009";
import { PaymentError, type PaymentErrorCode } from "../errors";
import { formatOpen } from "../revert";
import { X402_VERSION, type PaymentRequired } from "../x402";
import type { ExactPaymentPayload } from "./payload";
import { EXACT_SCHEME, exactRequirementOf, type ExactPaymentRequirements } from "./requirements";

/** An authorization must stay valid at least this long past the latest block, so it is still valid when mined. */
export const VALIDITY_MARGIN_SECONDS = 5n;

export interface VerifiedAuthorization extends Eip3009Authorization {
  /** As sent by the client, normalized to bytes (r‖s‖v for EOAs). */
  signature: Hex;
}

export { TRANSFER_WITH_AUTHORIZATION_TYPES };

function signatureBytes(sig: ExactPaymentPayload["payload"]["signature"]): Hex {
  if (typeof sig === "string") return sig as Hex;
  const raw = sig.yParity ?? sig.v;
  const n = raw === undefined ? NaN : Number(raw);
  const yParity = n === 0 || n === 27 ? 0 : n === 1 || n === 28 ? 1 : -1;
  if (yParity < 0) throw new PaymentError("malformed_payment", "The signature's v (or yParity) must be 27/28 or 0/1.");
  return serializeSignature({ r: sig.r as Hex, s: sig.s as Hex, yParity });
}

export interface VerifyAuthorizationOptions {
  payload: ExactPaymentPayload;
  /** The current offer (the model's current price), as built by paymentRequirements, or its "exact" entry. */
  requirements: PaymentRequired | ExactPaymentRequirements;
  publicClient: PublicClient;
  chainId: number;
  /** Seconds; default: the latest block's timestamp. */
  now?: bigint;
}

/**
 * Checks an x402 payment against the current requirements and the chain, without sending anything.
 * Every refusal is a PaymentError with status 402 (pay again): unsupported_x402_version,
 * unsupported_scheme, wrong_network, wrong_asset, wrong_recipient, price_changed,
 * authorization_expired, authorization_not_yet_valid, invalid_signature, authorization_used,
 * insufficient_funds.
 */
export async function verifyAuthorization(opts: VerifyAuthorizationOptions): Promise<VerifiedAuthorization> {
  const { payload, publicClient, chainId } = opts;
  const req = exactRequirementOf(opts.requirements);
  const refuse = (reason: PaymentErrorCode, message: string) => new PaymentError(reason, message);

  if (payload.x402Version !== X402_VERSION) {
    throw refuse("unsupported_x402_version", `This API speaks x402 version ${X402_VERSION}; the payment is for version ${String(payload.x402Version)}.`);
  }
  const accepted = payload.accepted;
  if (accepted.scheme !== EXACT_SCHEME) {
    throw refuse("unsupported_scheme", `Only the "exact" scheme is accepted; the payment uses "${accepted.scheme}".`);
  }
  const network = `eip155:${chainId}`;
  if (req.network !== network) throw new Error(`verifyAuthorization: requirements are for ${req.network} but chainId is ${chainId}`);
  if (accepted.network !== network) {
    throw refuse("wrong_network", `Payments here are on ${network} (chain id ${chainId}); this payment is for ${accepted.network}.`);
  }
  if (!isAddress(accepted.asset, { strict: false }) || !isAddressEqual(accepted.asset, req.asset)) {
    throw refuse("wrong_asset", `Payments here are in OPEN (${req.asset}); this payment is in ${accepted.asset}.`);
  }
  const auth = payload.payload.authorization;
  const from = getAddress(auth.from);
  const to = getAddress(auth.to);
  if (!isAddress(accepted.payTo, { strict: false }) || !isAddressEqual(accepted.payTo, req.payTo) || !isAddressEqual(to, req.payTo)) {
    throw refuse("wrong_recipient", `Payments here go to the InferenceMarket ${req.payTo}; this authorization pays ${to}.`);
  }
  const value = BigInt(auth.value);
  const price = BigInt(req.amount);
  if (value !== price || accepted.amount !== req.amount) {
    throw refuse(
      "price_changed",
      `The price changed: this request now costs ${formatOpen(price)} (${price} wei), and the payment authorizes ${formatOpen(value)}. Sign a new authorization for the current price.`,
    );
  }
  const validAfter = BigInt(auth.validAfter);
  const validBefore = BigInt(auth.validBefore);
  const nonce = auth.nonce.toLowerCase() as Hex;
  const signature = signatureBytes(payload.payload.signature);

  const [now, use, opened, balance, code] = await Promise.all([
    opts.now ?? publicClient.getBlock({ blockTag: "latest" }).then((b) => b.timestamp),
    publicClient.readContract({ address: req.asset, abi: openTokenAbi, functionName: "authorizationUse", args: [from, nonce] }),
    publicClient.readContract({
      address: to,
      abi: inferenceMarketAbi,
      functionName: "openedAuthorizations",
      args: [keccak256(encodeAbiParameters([{ type: "address" }, { type: "bytes32" }], [from, nonce]))],
    }),
    publicClient.readContract({ address: req.asset, abi: openTokenAbi, functionName: "balanceOf", args: [from] }),
    publicClient.getCode({ address: from }),
  ]);
  // Someone submitted this authorization to the token directly (front-running the operator): the payer's
  // money is already in the market, and the market opens the request from it (InferenceMarket adopts it).
  const frontRun = use === keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [to, value])) && !opened;
  const used = use !== zeroHash && !frontRun;

  if (!frontRun && validBefore <= now + VALIDITY_MARGIN_SECONDS) {
    throw refuse(
      "authorization_expired",
      `The payment authorization expired (valid before ${isoTime(validBefore)}, chain time ${isoTime(now)}). Sign a new one.`,
    );
  }
  if (validAfter >= now) {
    throw refuse(
      "authorization_not_yet_valid",
      `The payment authorization is not valid yet (valid after ${isoTime(validAfter)}, chain time ${isoTime(now)}).`,
    );
  }

  const typedData = {
    domain: { name: req.extra.name, version: req.extra.version, chainId, verifyingContract: req.asset },
    types: TRANSFER_WITH_AUTHORIZATION_TYPES,
    primaryType: "TransferWithAuthorization",
    message: { from, to, value, validAfter, validBefore, nonce },
  } as const;
  let signer: Address | null = null;
  try {
    signer = await recoverTypedDataAddress({ ...typedData, signature });
  } catch {
    signer = null;
  }
  let signed = signer !== null && isAddressEqual(signer, from);
  if (!signed && code && code !== "0x") {
    // A smart-contract wallet (EIP-1271): OpenToken checks with SignatureChecker, so ask the wallet.
    signed = await publicClient.verifyTypedData({ address: from, ...typedData, signature }).catch(() => false);
  }
  if (!signed) {
    throw refuse(
      "invalid_signature",
      `The payment signature is not ${from}'s EIP-712 TransferWithAuthorization for ${req.extra.name} v${req.extra.version} on chain ${chainId}.`,
    );
  }
  if (used) {
    throw refuse("authorization_used", `This payment authorization (nonce ${nonce}) was already used or canceled. Sign a new one.`);
  }
  if (!frontRun && balance < value) {
    const hint =
      chainId === 31337
        ? "On the local chain, mint test OPEN with the token's faucet(address, amount)."
        : "Transfer OPEN to this address first.";
    throw refuse("insufficient_funds", `${from} holds ${formatOpen(balance)} but this request costs ${formatOpen(value)}. ${hint}`);
  }
  return { from, to, value, validAfter, validBefore, nonce, signature };
}

function isoTime(seconds: bigint): string {
  const ms = Number(seconds) * 1000;
  return Number.isFinite(ms) && ms < 8.64e15 ? new Date(ms).toISOString() : `${seconds}s`;
}
