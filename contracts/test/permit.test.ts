/**
 * contributeWithPermit: one signature (an ERC-2612 permit of the bond) and one transaction instead of
 * approve + contribute, on a real anvil chain. The attacks: a permit front-run from the mempool (someone submits
 * it to the token first, using its nonce) must not block the contribution; a forged, expired or too-small permit
 * with no allowance reverts PermitFailed and takes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zeroAddress, type Hex } from "viem";
import { foundry } from "viem/chains";
import { datanetRegistryAbi } from "../../contracts-abi";
import { permitArgs, permitTypedData } from "../../lib/chain/permit";
import { OPEN, eventsOf, expectRevert, randomHash, setupLedgerline, type Ledgerline, type Role } from "./fixture";

let ctx: Ledgerline;
let curatedId: bigint;
let openId: bigint;
const BOND = 3n * OPEN;
const OPEN_TERMS = { kind: 0, maxVerbatimTokens: 0 } as const;

beforeAll(async () => {
  ctx = await setupLedgerline();
  for (const curated of [true, false]) {
    const r = await ctx.send(ctx.as.owner.datanets.write.createDatanet([randomHash(), "ipfs://permit", BOND, curated, zeroAddress]));
    const id = eventsOf(datanetRegistryAbi, r, "DatanetCreated")[0].args.datanetId;
    if (curated) curatedId = id;
    else openId = id;
  }
});
afterAll(async () => {
  await ctx?.stop();
});

async function signPermit(who: Role, value: bigint, opts: { deadline?: bigint; signer?: Role } = {}) {
  const owner = ctx.addr[who];
  const nonce = await ctx.read.token.read.nonces([owner]);
  const deadline = opts.deadline ?? (await ctx.now()) + 3600n;
  const signature: Hex = await ctx.accounts[opts.signer ?? who].signTypedData(
    permitTypedData({
      domain: { name: "Open", version: "1", chainId: foundry.id, verifyingContract: ctx.deployment.token },
      owner,
      spender: ctx.deployment.datanetRegistry,
      value,
      nonce,
      deadline,
    }),
  );
  return permitArgs(value, deadline, signature);
}

const args = (datanetId: bigint, terms: { kind: number; maxVerbatimTokens: number } = OPEN_TERMS) =>
  [datanetId, randomHash(), 1000n, 5, BOND, 0n, "0x" as Hex, terms] as const;

describe("DatanetRegistry.contributeWithPermit", () => {
  it("takes the bond with one permit signature and no approve transaction", async () => {
    expect(await ctx.read.token.read.allowance([ctx.addr.alice, ctx.deployment.datanetRegistry])).toBe(0n);
    const before = await ctx.balanceOf(ctx.addr.alice);
    const permit = await signPermit("alice", BOND);
    const r = await ctx.send(ctx.as.alice.datanets.write.contributeWithPermit([...args(curatedId), permit]));
    const [submitted] = eventsOf(datanetRegistryAbi, r, "ContributionSubmitted");
    expect(submitted.args).toMatchObject({ datanetId: curatedId, contributor: ctx.addr.alice, bond: BOND });
    expect(await ctx.balanceOf(ctx.addr.alice)).toBe(before - BOND);
    expect(await ctx.read.token.read.allowance([ctx.addr.alice, ctx.deployment.datanetRegistry])).toBe(0n);

    // The same contribution the old way: approve, then contribute (two transactions, two signatures).
    const approve = await ctx.send(ctx.as.builder.token.write.approve([ctx.deployment.datanetRegistry, BOND]));
    const contribute = await ctx.send(ctx.as.builder.datanets.write.contributeWithTerms(args(curatedId)));
    const twoStep = approve.gasUsed + contribute.gasUsed;
    console.log(`gas: contributeWithPermit ${r.gasUsed} (1 tx) vs approve ${approve.gasUsed} + contributeWithTerms ${contribute.gasUsed} = ${twoStep} (2 txs)`);
    // Not cheaper in gas (the permit writes its nonce and a fresh allowance slot, ~24k more on a first permit):
    // the gain is one signature and one transaction for the person. Bounded so a regression shows.
    expect(r.gasUsed).toBeLessThan(twoStep + 40_000n);
  });

  it("in an open Datanet returns the bond in the same transaction, and records terms", async () => {
    const before = await ctx.balanceOf(ctx.addr.bob);
    const permit = await signPermit("bob", BOND);
    const r = await ctx.send(ctx.as.bob.datanets.write.contributeWithPermit([...args(openId, { kind: 2, maxVerbatimTokens: 16 }), permit]));
    expect(eventsOf(datanetRegistryAbi, r, "ContributionReviewed")[0].args.accepted).toBe(true);
    expect(eventsOf(datanetRegistryAbi, r, "ContributionTerms")[0].args).toMatchObject({ kind: 2, maxVerbatimTokens: 16 });
    expect(await ctx.balanceOf(ctx.addr.bob)).toBe(before);
  });

  it("is not blocked when someone front-runs the permit (its nonce is used): the allowance it granted is used", async () => {
    const permit = await signPermit("carol", BOND);
    // Eve copies the permit from carol's pending transaction and submits it to the token first.
    await ctx.send(ctx.as.eve.token.write.permit([ctx.addr.carol, ctx.deployment.datanetRegistry, permit.value, permit.deadline, permit.v, permit.r, permit.s]));
    expect(await ctx.read.token.read.allowance([ctx.addr.carol, ctx.deployment.datanetRegistry])).toBe(BOND);
    const before = await ctx.balanceOf(ctx.addr.carol);
    const r = await ctx.send(ctx.as.carol.datanets.write.contributeWithPermit([...args(curatedId), permit]));
    expect(eventsOf(datanetRegistryAbi, r, "ContributionSubmitted")[0].args.contributor).toBe(ctx.addr.carol);
    expect(await ctx.balanceOf(ctx.addr.carol)).toBe(before - BOND);
  });

  it("reverts PermitFailed, taking nothing, for a forged, expired or too-small permit without allowance", async () => {
    const count = await ctx.read.datanets.read.contributionCount();
    const before = await ctx.balanceOf(ctx.addr.dave);
    const forged = await signPermit("dave", BOND, { signer: "eve" });
    const expired = await signPermit("dave", BOND, { deadline: (await ctx.now()) - 1n });
    const tooSmall = await signPermit("dave", BOND - 1n);
    for (const permit of [forged, expired, tooSmall]) {
      const got = await expectRevert(ctx.as.dave.datanets.write.contributeWithPermit([...args(curatedId), permit]), "PermitFailed");
      expect(got?.[0]).toBe(ctx.addr.dave);
      expect(got?.[2]).toBe(BOND);
    }
    expect(await ctx.read.datanets.read.contributionCount()).toBe(count);
    expect(await ctx.balanceOf(ctx.addr.dave)).toBe(before);
  });

  it("keeps the contribute checks: the bond cap and invalid terms still revert by name", async () => {
    const permit = await signPermit("dave", BOND);
    const capped = [curatedId, randomHash(), 1000n, 5, BOND - 1n, 0n, "0x" as Hex, OPEN_TERMS] as const;
    await expectRevert(ctx.as.dave.datanets.write.contributeWithPermit([...capped, permit]), "BondAboveMax");
    await expectRevert(ctx.as.dave.datanets.write.contributeWithPermit([...args(curatedId, { kind: 3, maxVerbatimTokens: 0 }), permit]), "InvalidTerms");
  });
});
