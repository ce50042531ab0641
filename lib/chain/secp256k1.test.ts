import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { secp256k1 } from "@noble/curves/secp256k1";
import binding from "secp256k1/bindings";
import { bytesToHex, verifyTypedData } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { BATCH_SETTLEMENT_ADDRESS, BATCH_SETTLEMENT_EIP712 } from "./batch-settlement";
import { nativeRecover, nativeRecoveries, nobleRecover, installNativeRecovery } from "./secp256k1";

const N = secp256k1.CURVE.n;
type Sig = InstanceType<typeof secp256k1.Signature>;
const js = nobleRecover();
const native = nativeRecover(binding, js);

/** The recovered key as hex, or "throws": what a caller can observe. */
function outcome(recover: typeof js, sig: Sig, hash: string | Uint8Array): string {
  try {
    return recover.call(sig, hash).toHex(false);
  } catch {
    return "throws";
  }
}

const scalar = fc.bigInt({ min: 1n, max: N - 1n });
const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("native secp256k1 recovery", () => {
  it("recovers the signer's key exactly as noble does, for real, high-s and wrong-parity signatures", () => {
    const before = nativeRecoveries();
    fc.assert(
      fc.property(scalar, hash32, (key, hash) => {
        const priv = key.toString(16).padStart(64, "0");
        const sig = secp256k1.sign(hash, priv);
        const pub = secp256k1.getPublicKey(priv, false);
        expect(outcome(native, sig, hash)).toBe(bytesToHex(pub).slice(2));
        expect(outcome(native, sig, bytesToHex(hash).slice(2))).toBe(outcome(js, sig, hash));
        // The malleated twin (n − s, other parity) recovers the same key on both; a flipped parity alone another key.
        const twin = new secp256k1.Signature(sig.r, N - sig.s).addRecoveryBit(1 - sig.recovery!);
        expect(outcome(native, twin, hash)).toBe(outcome(js, twin, hash));
        const flipped = sig.addRecoveryBit(1 - sig.recovery!);
        expect(outcome(native, flipped, hash)).toBe(outcome(js, flipped, hash));
      }),
      { numRuns: 200 },
    );
    // Every signature but the wrong-parity ones recovered natively (those may name no point and throw there).
    expect(nativeRecoveries() - before).toBeGreaterThanOrEqual(200 * 3);
  });

  it("agrees with noble on forged signatures: arbitrary r and s (about half name no point), either parity", () => {
    let threw = 0;
    const before = nativeRecoveries();
    fc.assert(
      fc.property(scalar, scalar, fc.integer({ min: 0, max: 1 }), hash32, (r, s, bit, hash) => {
        const sig = new secp256k1.Signature(r, s).addRecoveryBit(bit);
        const expected = outcome(js, sig, hash);
        if (expected === "throws") threw++;
        expect(outcome(native, sig, hash)).toBe(expected);
      }),
      { numRuns: 300 },
    );
    expect(threw).toBeGreaterThan(0);
    expect(nativeRecoveries() - before).toBeGreaterThanOrEqual(300 - threw);
  });

  it("leaves what viem never produces to noble: recovery 2 or 3, hashes that are not 32 bytes", () => {
    const sig = secp256k1.sign(new Uint8Array(32).fill(7), generatePrivateKey().slice(2));
    const before = nativeRecoveries();
    for (const odd of [sig.addRecoveryBit(2), sig.addRecoveryBit(3)]) expect(outcome(native, odd, new Uint8Array(32).fill(7))).toBe(outcome(js, odd, new Uint8Array(32).fill(7)));
    for (const hash of [new Uint8Array(31).fill(7), new Uint8Array(48).fill(7), "07".repeat(20), "zz".repeat(32)]) expect(outcome(native, sig, hash)).toBe(outcome(js, sig, hash));
    expect(nativeRecoveries()).toBe(before);
  });

  it("once installed, viem's verifyTypedData goes through it and still tells the signer from anyone else", async () => {
    expect(await installNativeRecovery()).toBe(true);
    expect(await installNativeRecovery()).toBe(true);
    const payer = privateKeyToAccount(generatePrivateKey());
    const typed = {
      domain: { ...BATCH_SETTLEMENT_EIP712, chainId: 31337, verifyingContract: BATCH_SETTLEMENT_ADDRESS },
      types: { Voucher: [{ name: "channelId", type: "bytes32" }, { name: "maxClaimableAmount", type: "uint128" }] },
      primaryType: "Voucher",
      message: { channelId: `0x${"ab".repeat(32)}`, maxClaimableAmount: 1_000n },
    } as const;
    const signature = await payer.signTypedData(typed);
    const before = nativeRecoveries();
    expect(await verifyTypedData({ ...typed, address: payer.address, signature })).toBe(true);
    expect(await verifyTypedData({ ...typed, address: privateKeyToAccount(generatePrivateKey()).address, signature })).toBe(false);
    expect(await verifyTypedData({ ...typed, message: { ...typed.message, maxClaimableAmount: 1_001n }, address: payer.address, signature })).toBe(false);
    expect(nativeRecoveries()).toBe(before + 3);
  });
});
