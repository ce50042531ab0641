/**
 * Public-key recovery by libsecp256k1 (the `secp256k1` package's N-API addon) for viem's signature checks.
 *
 * Every batch-settlement call checks the payer's voucher signature: @x402/evm's server scheme calls viem's
 * `verifyTypedData`, which recovers the signer with @noble/curves in pure JavaScript (≈ 1.7 ms of the web
 * server's ≈ 8.5 ms per paid call). viem offers no hook, so this replaces `recoverPublicKey` on the prototype of
 * noble's secp256k1 `Signature`, the one object every recovery in this module graph goes through.
 *
 * - Same answers: the native path handles the case viem produces (recovery bit 0 or 1, a 32-byte hash); anything
 *   else (recovery 2/3, a hash of another length) goes to noble's own code. Both throw for signatures that recover
 *   nothing (r not an x coordinate, the point at infinity). `secp256k1.test.ts` compares the two on random and
 *   hostile signatures, high-s included (neither rejects high s in recovery; the contracts do, separately).
 * - Per module copy: Next compiles route handlers and instrumentation as separate module copies, each with its own
 *   noble. `installNativeCrypto()` (./native-crypto.ts) patches that copy's class once, called from each graph that
 *   verifies (instrumentation, the paid routes, the batch-settlement server).
 * - If the addon does not load (another platform, a failed install), noble stays and the log says so.
 */
import { secp256k1 } from "@noble/curves/secp256k1";
import { hexToBytes } from "viem";

type Recover = (msgHash: string | Uint8Array) => InstanceType<typeof secp256k1.ProjectivePoint>;
type Binding = typeof import("secp256k1/bindings").default;

const PATCHED = Symbol.for("ledgerline.nativeRecovery");
type SignatureProto = { recoverPublicKey: Recover; [PATCHED]?: Recover };
const proto = secp256k1.Signature.prototype as unknown as SignatureProto;

/** noble's own recovery, patched or not. */
export const nobleRecover = (): Recover => proto[PATCHED] ?? proto.recoverPublicKey;

let counted = 0;
/** Recoveries done natively in this module copy (tests check that a path really goes through it). */
export const nativeRecoveries = () => counted;

/** 32 big-endian bytes of `n` (0 ≤ n < 2^256) into `out` at `at`. */
function putUint256(out: Uint8Array, at: number, n: bigint) {
  for (let i = at + 31; i >= at; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
}

export function nativeRecover(binding: Binding, js: Recover): Recover {
  return function (this: InstanceType<typeof secp256k1.Signature>, msgHash) {
    const hash = typeof msgHash === "string" ? (/^[0-9a-fA-F]{64}$/.test(msgHash) ? hexToBytes(`0x${msgHash}`) : undefined) : msgHash;
    if (hash?.length !== 32 || (this.recovery !== 0 && this.recovery !== 1)) return js.call(this, msgHash);
    const sig = new Uint8Array(64);
    putUint256(sig, 0, this.r);
    putUint256(sig, 32, this.s);
    const point = secp256k1.ProjectivePoint.fromHex(binding.ecdsaRecover(sig, this.recovery, hash, false));
    counted++;
    return point;
  };
}

let installing: Promise<boolean> | undefined;

/** Patch this module copy's noble to recover with libsecp256k1; true when native recovery is in use. */
export function installNativeRecovery(): Promise<boolean> {
  installing ??= (async () => {
    if (proto[PATCHED]) return true;
    let binding: Binding;
    try {
      binding = (await import("secp256k1/bindings")).default;
    } catch {
      return false;
    }
    // Another module copy sharing this noble may have patched it while the addon loaded.
    if (proto[PATCHED]) return true;
    const js = proto.recoverPublicKey;
    proto.recoverPublicKey = nativeRecover(binding, js);
    proto[PATCHED] = js;
    return true;
  })();
  return installing;
}
