import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Keccak, keccak_256, keccak_512, sha3_256, shake256 } from "@noble/hashes/sha3";
import { bytesToHex, keccak256, stringToBytes } from "viem";
import { nativeAddon } from "@/lib/attribution/native";
import { nativeKeccak, nativePermutations, nobleKeccak, installNativeKeccak } from "./keccak";

const addon = nativeAddon<{ permute(state: Uint32Array | Uint8Array): void }>("keccak")!;
const js = nobleKeccak();
const native = nativeKeccak(addon, js);
type Hasher = { create(): { update(b: Uint8Array): { digest(): Uint8Array } } };

/** `hash` of `bytes` with the permutation step given: only this instance's step is replaced. */
function digestWith(hash: Hasher, permute: typeof js, bytes: Uint8Array): string {
  const h = hash.create() as unknown as { keccak: typeof js; update(b: Uint8Array): { digest(): Uint8Array } };
  h.keccak = permute;
  return bytesToHex(h.update(bytes).digest());
}

describe("native keccak-f[1600]", () => {
  it("is built (npm ci's postinstall) and gives keccak256's published digests", () => {
    expect(addon).not.toBeNull();
    expect(digestWith(keccak_256 as unknown as Hasher, native, new Uint8Array())).toBe("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    expect(digestWith(keccak_256 as unknown as Hasher, native, stringToBytes("abc"))).toBe("0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  });

  it("digests exactly as noble's JavaScript for any input: keccak256, keccak512, SHA3-256 and SHAKE256, across block boundaries", () => {
    const before = nativePermutations();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 700 }), (bytes) => {
        for (const hash of [keccak_256, keccak_512, sha3_256, shake256] as unknown as Hasher[]) expect(digestWith(hash, native, bytes)).toBe(digestWith(hash, js, bytes));
      }),
      { numRuns: 300 },
    );
    // At least one permutation per digest went through the addon (not the fallback to noble).
    expect(nativePermutations() - before).toBeGreaterThanOrEqual(300 * 4);
  });

  it("permutes any state as noble does, and leaves other round counts to noble", () => {
    const before = nativePermutations();
    fc.assert(
      fc.property(fc.uint32Array({ minLength: 50, maxLength: 50 }), (lanes) => {
        const a = new Keccak(136, 1, 32) as unknown as { state32: Uint32Array; keccak(): void };
        const b = new Keccak(136, 1, 32) as unknown as { state32: Uint32Array; keccak(): void };
        a.state32.set(lanes);
        b.state32.set(lanes);
        native.call(a as never);
        js.call(b as never);
        expect(Array.from(a.state32)).toEqual(Array.from(b.state32));
      }),
      { numRuns: 200 },
    );
    expect(nativePermutations() - before).toBe(200);
    const twelve = new Keccak(168, 0x07, 32, false, 12) as unknown as { state32: Uint32Array; keccak(): void };
    const reference = new Keccak(168, 0x07, 32, false, 12) as unknown as { state32: Uint32Array; keccak(): void };
    twelve.state32.fill(0x01234567);
    reference.state32.fill(0x01234567);
    native.call(twelve as never);
    js.call(reference as never);
    expect(Array.from(twelve.state32)).toEqual(Array.from(reference.state32));
    expect(nativePermutations() - before).toBe(200);
  });

  it("refuses a state that is not 200 bytes rather than read or write past it", () => {
    expect(() => addon.permute(new Uint8Array(199))).toThrow(/200 bytes/);
    expect(() => addon.permute(new Uint32Array(51))).toThrow(/200 bytes/);
    expect(() => addon.permute({} as Uint8Array)).toThrow(/typed array/);
  });

  it("once installed, viem's keccak256 goes through it with the same answers", () => {
    const expected = digestWith(keccak_256 as unknown as Hasher, js, new Uint8Array([0x12, 0x34]));
    expect(installNativeKeccak()).toBe(true);
    expect(installNativeKeccak()).toBe(true);
    const proto = Keccak.prototype as unknown as { keccak: typeof js };
    expect(proto.keccak).not.toBe(js);
    expect(nobleKeccak()).toBe(js);
    let permutations = 0;
    const installed = proto.keccak;
    proto.keccak = function (this: ThisParameterType<typeof js>) {
      permutations++;
      return installed.call(this);
    };
    try {
      expect(keccak256("0x1234")).toBe(expected);
    } finally {
      proto.keccak = installed;
    }
    expect(permutations).toBe(1);
    const native = nativePermutations();
    keccak256("0x1234");
    expect(nativePermutations()).toBe(native + 1);
  });
});
