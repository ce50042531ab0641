/**
 * keccak256's permutation in C (native/keccak) under @noble/hashes, which viem and @x402/evm hash with.
 *
 * A batch-settlement call hashes dozens of times: the channel config's EIP-712 id (computed two to four times per call
 * inside @x402/evm), the voucher's typed-data hash, address checksums, the request and answer hashes. noble's
 * Keccak-f[1600] in JavaScript is ≈ 10 µs here, 8 % of the web server's main thread under load; the addon's is
 * well under 1 µs. Only the permutation moves: noble still pads, absorbs and squeezes, so every keccak, SHA-3 and
 * SHAKE of this module graph's noble copy is unchanged but for where its 24 rounds run.
 *
 * Installed per module copy (Next compiles route handlers and instrumentation separately) by `installNativeCrypto()`
 * in ./native-crypto.ts. Left to noble: a state that is not 200 bytes, other round counts (KangarooTwelve's 12), a
 * big-endian machine (noble byte-swaps around its permutation there), or a machine without the built addon.
 */
import os from "node:os";
import { Keccak } from "@noble/hashes/sha3";
import { nativeAddon } from "@/lib/attribution/native";

interface KeccakAddon {
  permute(state: Uint32Array | Uint8Array): void;
}
type NobleKeccak = { state32: Uint32Array; rounds: number; pos: number; posOut: number };
type Permute = (this: NobleKeccak) => void;

const PATCHED = Symbol.for("ledgerline.nativeKeccak");
const proto = Keccak.prototype as unknown as { keccak: Permute; [PATCHED]?: Permute };

/** noble's own permutation step, patched or not. */
export const nobleKeccak = (): Permute => proto[PATCHED] ?? proto.keccak;

let counted = 0;
/** Permutations done natively in this module copy (tests check that a path really goes through it). */
export const nativePermutations = () => counted;

/** noble's `keccak()` step with the 24 rounds done by `addon`; what it does not cover goes to `js`. */
export function nativeKeccak(addon: KeccakAddon, js: Permute): Permute {
  return function (this: NobleKeccak) {
    if (this.rounds !== 24 || this.state32.length !== 50) return js.call(this);
    addon.permute(this.state32);
    counted++;
    this.posOut = 0;
    this.pos = 0;
  };
}

/** Patch this module copy's noble Keccak; true when the native permutation is in use. */
export function installNativeKeccak(): boolean {
  if (proto[PATCHED]) return true;
  if (os.endianness() !== "LE") return false;
  const addon = nativeAddon<KeccakAddon>("keccak");
  if (!addon) return false;
  const js = proto.keccak;
  proto.keccak = nativeKeccak(addon, js);
  proto[PATCHED] = js;
  return true;
}
