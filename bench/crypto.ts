/**
 * `npm run bench -- crypto` (a few seconds): what a batch-settlement call hashes and recovers, with noble's JavaScript
 * and with the native paths of lib/chain/native-crypto.ts, side by side in one process. The variants alternate
 * round by round (the machine is shared), every answer is compared (the bench throws on a difference), and the
 * median per operation and the ratio are printed.
 */
import { Keccak, keccak_256 } from "@noble/hashes/sha3";
import { secp256k1 } from "@noble/curves/secp256k1";
import { hashTypedData, keccak256 } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { BATCH_SETTLEMENT_ADDRESS, BATCH_SETTLEMENT_EIP712 } from "@/lib/chain/batch-settlement";
import { nobleKeccak, installNativeKeccak } from "@/lib/chain/keccak";
import { nobleRecover, installNativeRecovery } from "@/lib/chain/secp256k1";

const ROUNDS = 9;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchCrypto() {
  console.log("== keccak256 and signature recovery: noble's JavaScript vs native (lib/chain/native-crypto.ts)");
  const keccakProto = Keccak.prototype as unknown as { keccak: unknown };
  const sigProto = secp256k1.Signature.prototype as unknown as { recoverPublicKey: unknown };
  if (!installNativeKeccak() || !(await installNativeRecovery())) throw new Error("native crypto did not load: run `npm ci` (postinstall builds native/keccak)");
  const js: { keccak: unknown; recover: unknown } = { keccak: nobleKeccak(), recover: nobleRecover() };
  const native: typeof js = { keccak: keccakProto.keccak, recover: sigProto.recoverPublicKey };
  const select = (v: typeof js) => {
    keccakProto.keccak = v.keccak;
    sigProto.recoverPublicKey = v.recover;
  };

  const payer = privateKeyToAccount(generatePrivateKey());
  const domain = { ...BATCH_SETTLEMENT_EIP712, chainId: 31337, verifyingContract: BATCH_SETTLEMENT_ADDRESS } as const;
  const channelConfig = {
    domain,
    types: { ChannelConfig: ["payer", "payerAuthorizer", "receiver", "receiverAuthorizer", "token"].map((name) => ({ name, type: "address" })).concat([{ name: "withdrawDelay", type: "uint40" }, { name: "salt", type: "bytes32" }]) },
    primaryType: "ChannelConfig",
    message: { payer: payer.address, payerAuthorizer: payer.address, receiver: payer.address, receiverAuthorizer: payer.address, token: payer.address, withdrawDelay: 3600, salt: `0x${"00".repeat(32)}` },
  } as const;
  const voucherTypes = { Voucher: [{ name: "channelId", type: "bytes32" }, { name: "maxClaimableAmount", type: "uint128" }] } as const;
  const vouchers = await Promise.all(
    Array.from({ length: 200 }, async (_, i) => {
      const message = { channelId: keccak256(`0x${i.toString(16).padStart(4, "0")}`), maxClaimableAmount: BigInt(i + 1) };
      return { message, signature: await payer.signTypedData({ domain, types: voucherTypes, primaryType: "Voucher", message }) };
    }),
  );
  const block = new Uint8Array(64).fill(7);

  const ops: { name: string; n: number; run: () => string }[] = [
    { name: "keccak256, 64 bytes", n: 20_000, run: () => Buffer.from(keccak_256(block)).toString("hex") },
    { name: "EIP-712 channel id (hashTypedData, ChannelConfig)", n: 2_000, run: () => hashTypedData(channelConfig as never) },
    {
      // viem's recoverAddress steps, without its per-call `import()` of noble (cheap in the built server, ≈ 0.4 ms
      // under tsx's loader hooks, which would swamp the comparison here).
      name: "voucher signer (hashTypedData + recoverPublicKey)",
      n: vouchers.length,
      run: () => {
        let keys = "";
        for (const v of vouchers) {
          const hash = hashTypedData({ domain, types: voucherTypes, primaryType: "Voucher", message: v.message });
          const sig = secp256k1.Signature.fromCompact(v.signature.slice(2, 130)).addRecoveryBit(Number.parseInt(v.signature.slice(130), 16) - 27);
          keys += sig.recoverPublicKey(hash.slice(2)).toHex(false);
        }
        return keccak256(`0x${keys}`);
      },
    },
  ];
  try {
    for (const op of ops) {
      const times = { js: [] as number[], native: [] as number[] };
      const answers = new Set<string>();
      for (let r = 0; r < ROUNDS; r++) {
        for (const [label, v] of [["js", js], ["native", native]] as const) {
          select(v);
          const batched = op.name.startsWith("voucher");
          const reps = batched ? 5 : op.n;
          const t = performance.now();
          let last = "";
          for (let i = 0; i < reps; i++) last = op.run();
          times[label].push(((performance.now() - t) / (batched ? reps * op.n : op.n)) * 1000);
          answers.add(last);
        }
      }
      if (answers.size !== 1) throw new Error(`${op.name}: native and JavaScript answers differ`);
      const [a, b] = [median(times.js), median(times.native)];
      console.log(`${op.name}: JavaScript ${a.toFixed(1)} µs, native ${b.toFixed(1)} µs per operation (median of ${ROUNDS}), ${(a / b).toFixed(1)}× faster`);
    }
  } finally {
    select(native);
  }
}
