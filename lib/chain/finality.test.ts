/**
 * awaitFinality on a real anvil: a payment is served only once it is `depth` blocks deep and still on the
 * chain; a reorganization that drops it is reported, so nothing is served for money that went away.
 */
import { createPublicClient, createWalletClient, http, parseEther, type PublicClient } from "viem";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devAccount, startAnvil, type Anvil } from "./anvil";
import { awaitFinality } from "./finality";

let anvil: Anvil;
let client: PublicClient;
beforeAll(async () => {
  anvil = await startAnvil();
  client = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl), pollingInterval: 20 }) as PublicClient;
});
afterAll(async () => {
  await anvil?.stop();
});

const wallet = () => createWalletClient({ account: devAccount(3), chain: foundry, transport: http(anvil.rpcUrl) });
const mine = () => client.request({ method: "evm_mine", params: [] } as never);

describe("awaitFinality", () => {
  it("resolves only once the transaction is `depth` blocks deep", async () => {
    const hash = await wallet().sendTransaction({ to: devAccount(4).address, value: parseEther("1") });
    const receipt = await client.waitForTransactionReceipt({ hash });
    let settled = false;
    const waiting = awaitFinality(client, hash, 2, { pollMs: 20 }).then((r) => ((settled = true), r));
    await new Promise((r) => setTimeout(r, 150));
    expect(settled).toBe(false);
    await mine();
    await new Promise((r) => setTimeout(r, 150));
    expect(settled).toBe(false);
    await mine();
    expect(await waiting).toEqual({ final: true, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash });
  });

  it("reports a transaction a reorganization dropped", async () => {
    const snapshot = (await client.request({ method: "evm_snapshot", params: [] } as never)) as string;
    const hash = await wallet().sendTransaction({ to: devAccount(4).address, value: parseEther("1") });
    await client.waitForTransactionReceipt({ hash });
    await client.request({ method: "evm_revert", params: [snapshot] } as never);
    await mine();
    await mine();
    const r = await awaitFinality(client, hash, 1, { pollMs: 20 });
    expect(r.final).toBe(false);
    if (!r.final) expect(r.reason).toMatch(/no longer on the chain/);
  });

  it("gives up after its timeout when the chain does not grow", async () => {
    const hash = await wallet().sendTransaction({ to: devAccount(4).address, value: 1n });
    await client.waitForTransactionReceipt({ hash });
    const r = await awaitFinality(client, hash, 5, { pollMs: 20, timeoutMs: 100 });
    expect(r).toMatchObject({ final: false });
    if (!r.final) expect(r.reason).toMatch(/not 5 blocks deep in time/);
  });
});
