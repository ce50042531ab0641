/**
 * keccak-256 of a string's UTF-8 bytes as 0x-hex, the same bytes as viem's `keccak256(stringToBytes(s))`. The engine
 * takes it from @noble/hashes (what viem itself uses) so that a worker process loading the engine does not load all
 * of viem: that alone took ~2.7 s of a forecast worker's ~3.5 s start.
 */
import { keccak_256 } from "@noble/hashes/sha3";
import { bytesToHex } from "@noble/hashes/utils";

export function keccakText(text: string): `0x${string}` {
  return `0x${bytesToHex(keccak_256(new TextEncoder().encode(text)))}`;
}
