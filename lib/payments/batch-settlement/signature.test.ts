/**
 * Voucher signatures the settlement contract would refuse at claim (OpenZeppelin's ECDSA: s ≤ n/2, v 27 or 28),
 * refused before serving, except for a contract payer without an authorizer, whose ERC-1271 check the contract uses
 * instead (real anvil: the payer's code is read from the chain).
 */
import { createPublicClient, http, type PublicClient } from "viem";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devAccount, startAnvil, type Anvil } from "@/lib/chain/anvil";
import { MULTICALL3_ADDRESS as MULTICALL3 } from "@/lib/chain/batch-settlement";
import { nonCanonicalSignature, unclaimableSignature } from "./scheme";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const ZERO = "0x0000000000000000000000000000000000000000";

let anvil: Anvil;
let client: PublicClient;
beforeAll(async () => {
  anvil = await startAnvil();
  client = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient;
  // Any account with code stands in for a contract wallet.
  await client.request({ method: "anvil_setCode", params: [MULTICALL3, "0x6000"] } as never);
});
afterAll(async () => {
  await anvil?.stop();
});

describe("voucher signatures the contract would refuse", () => {
  it("accepts the canonical form and names what is wrong with the others", async () => {
    const payer = devAccount(4);
    const signature = await payer.signMessage({ message: "voucher" });
    const s = BigInt(`0x${signature.slice(66, 130)}`);
    const v = Number.parseInt(signature.slice(130), 16);
    const highS = `${signature.slice(0, 66)}${(N - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}`;
    const bareV = `${signature.slice(0, 130)}0${v - 27}`;
    expect(nonCanonicalSignature(signature)).toBeNull();
    expect(nonCanonicalSignature(highS)).toMatch(/above n\/2/);
    expect(nonCanonicalSignature(bareV)).toMatch(/not 27 or 28/);
    expect(nonCanonicalSignature(`0x${"ab".repeat(64)}`)).toBeNull(); // not 65 bytes: the package's to judge

    const eoa = { payer: payer.address, payerAuthorizer: payer.address };
    const eoaSigns = { payer: payer.address, payerAuthorizer: ZERO };
    const wallet = { payer: MULTICALL3, payerAuthorizer: ZERO };
    const chain = { publicClient: client };
    for (const bad of [highS, bareV]) {
      expect(await unclaimableSignature(chain, eoa, bad)).not.toBeNull();
      expect(await unclaimableSignature(chain, eoaSigns, bad)).not.toBeNull();
      // A contract payer's ERC-1271 check may take any form: left to the package.
      expect(await unclaimableSignature(chain, wallet, bad)).toBeNull();
      expect(await unclaimableSignature(chain, { payer: MULTICALL3, payerAuthorizer: "not an address" }, bad)).not.toBeNull();
    }
    expect(await unclaimableSignature(chain, eoa, signature)).toBeNull();
  });
});
