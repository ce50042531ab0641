/**
 * Takedown (issue 14): a contributor withdraws their own contribution; a Datanet owner removes one on a third
 * party's takedown request with a stated reason. Both only mark the contribution withdrawn (once) and emit
 * ContributionWithdrawn: no token, status or bond moves. The attacks: a stranger cannot withdraw or remove
 * someone's contribution, an owner cannot remove another Datanet's contribution, nobody withdraws twice, and an
 * owner cannot use remove to take value.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxUint256, zeroAddress, type Address, type Hex } from "viem";
import { datanetRegistryAbi } from "../../contracts-abi";
import { OPEN, eventsOf, expectRevert, randomHash, setupLedgerline, type Ledgerline } from "./fixture";

let ctx: Ledgerline;
const BOND = 10n * OPEN;
const Status = { Pending: 0, Accepted: 1, Rejected: 2 } as const;
const NO_ATTESTATION = [0n, "0x"] as const;

beforeAll(async () => {
  ctx = await setupLedgerline();
  for (const r of ["alice", "bob"] as const) await ctx.send(ctx.as[r].token.write.approve([ctx.deployment.datanetRegistry, maxUint256]));
});
afterAll(async () => {
  await ctx?.stop();
});

async function createDatanet(by: "owner" | "dave", curated: boolean, treasury: Address = zeroAddress): Promise<bigint> {
  const receipt = await ctx.send(ctx.as[by].datanets.write.createDatanet([randomHash(), "ipfs://d", BOND, curated, treasury]));
  return eventsOf(datanetRegistryAbi, receipt, "DatanetCreated")[0].args.datanetId;
}

async function contribute(who: "alice" | "bob", datanetId: bigint): Promise<bigint> {
  const receipt = await ctx.send(ctx.as[who].datanets.write.contribute([datanetId, randomHash(), 100n, 1, maxUint256, ...NO_ATTESTATION]));
  return eventsOf(datanetRegistryAbi, receipt, "ContributionSubmitted")[0].args.contributionId;
}

/** Everything a withdrawal could move: balances of the parties and the registry, and the contribution itself. */
async function books(id: bigint, accounts: Address[]) {
  const balances = await Promise.all([...accounts, ctx.deployment.datanetRegistry].map((a) => ctx.balanceOf(a)));
  const c = await ctx.read.datanets.read.getContribution([id]);
  return { balances, contribution: c };
}

describe("DatanetRegistry takedown", () => {
  it("the contributor withdraws: marked once, with who and when, and an event with an empty reason", async () => {
    const datanetId = await createDatanet("owner", false);
    const id = await contribute("alice", datanetId);
    expect(await ctx.read.datanets.read.withdrawnAt([id])).toBe(0n);
    expect(await ctx.read.datanets.read.withdrawnBy([id])).toBe(zeroAddress);
    const before = await books(id, [ctx.addr.alice, ctx.addr.owner]);

    const receipt = await ctx.send(ctx.as.alice.datanets.write.withdraw([id]));
    const [ev] = eventsOf(datanetRegistryAbi, receipt, "ContributionWithdrawn");
    expect(ev.args).toEqual({ contributionId: id, datanetId, by: ctx.addr.alice, reason: "" });
    const block = await ctx.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(await ctx.read.datanets.read.withdrawnAt([id])).toBe(block.timestamp);
    expect(await ctx.read.datanets.read.withdrawnBy([id])).toBe(ctx.addr.alice);
    // Nothing moved, and the contribution's registered record (status, bond) is what it was.
    expect(await books(id, [ctx.addr.alice, ctx.addr.owner])).toEqual(before);
    expect(before.contribution.status).toBe(Status.Accepted);

    await expectRevert(ctx.as.alice.datanets.write.withdraw([id]), "AlreadyWithdrawn");
    await expectRevert(ctx.as.owner.datanets.write.remove([id, "copyright claim"]), "AlreadyWithdrawn");
    await expectRevert(ctx.as.alice.datanets.write.withdraw([9999n]), "UnknownContribution");
    await expectRevert(ctx.as.owner.datanets.write.remove([9999n, "x"]), "UnknownContribution");
  });

  it("the owner removes with a stated reason (1..280 bytes): who, when, why are public", async () => {
    const datanetId = await createDatanet("owner", false);
    const id = await contribute("bob", datanetId);
    expect(await ctx.read.datanets.read.MAX_REASON_BYTES()).toBe(280n);
    await expectRevert(ctx.as.owner.datanets.write.remove([id, ""]), "EmptyReason");
    const [length, max] = (await expectRevert(ctx.as.owner.datanets.write.remove([id, "é".repeat(141)]), "ReasonTooLong"))!;
    expect([length, max]).toEqual([282n, 280n]);
    const reason = `DMCA notice 2026-12-01 from a rights holder: ${"x".repeat(280 - 45)}`;
    expect(new TextEncoder().encode(reason).length).toBe(280);
    const receipt = await ctx.send(ctx.as.owner.datanets.write.remove([id, reason]));
    expect(eventsOf(datanetRegistryAbi, receipt, "ContributionWithdrawn")[0].args).toEqual({ contributionId: id, datanetId, by: ctx.addr.owner, reason });
    expect(await ctx.read.datanets.read.withdrawnBy([id])).toBe(ctx.addr.owner);
    await expectRevert(ctx.as.bob.datanets.write.withdraw([id]), "AlreadyWithdrawn");
  });
});

describe("takedown attacks", () => {
  it("a stranger cannot withdraw or remove someone's contribution", async () => {
    const datanetId = await createDatanet("owner", false);
    const id = await contribute("alice", datanetId);
    const [c, caller] = (await expectRevert(ctx.as.eve.datanets.write.withdraw([id]), "NotContributor"))!;
    expect([c, caller]).toEqual([id, ctx.addr.eve]);
    // The Datanet owner withdraws nothing as if it were the contributor (remove is its only path, with a reason).
    await expectRevert(ctx.as.owner.datanets.write.withdraw([id]), "NotContributor");
    await expectRevert(ctx.as.eve.datanets.write.remove([id, "I say so"]), "NotDatanetOwner");
    // Not even the contributor removes through the owner's path.
    await expectRevert(ctx.as.alice.datanets.write.remove([id, "mine"]), "NotDatanetOwner");
    expect(await ctx.read.datanets.read.withdrawnAt([id])).toBe(0n);
  });

  it("the owner of another Datanet cannot remove this one's contributions", async () => {
    const mine = await createDatanet("owner", false);
    await createDatanet("dave", false); // dave owns a Datanet, just not this one
    const id = await contribute("alice", mine);
    const [datanetId, caller] = (await expectRevert(ctx.as.dave.datanets.write.remove([id, "takedown"]), "NotDatanetOwner"))!;
    expect([datanetId, caller]).toEqual([mine, ctx.addr.dave]);
    expect(await ctx.read.datanets.read.withdrawnAt([id])).toBe(0n);
  });

  it("an owner cannot use remove to take value: a pending contribution's bond follows the review rule, unchanged", async () => {
    const treasury = ctx.addr.carol;
    const datanetId = await createDatanet("owner", true, treasury);
    const kept = await contribute("alice", datanetId);
    const slashed = await contribute("bob", datanetId);
    const parties = [ctx.addr.alice, ctx.addr.bob, ctx.addr.owner, treasury];
    const before = await books(kept, parties);
    // Removing moves nothing: the bonds stay held by the registry and the contributions stay pending.
    await ctx.send(ctx.as.owner.datanets.write.remove([kept, "takedown request #1"]));
    await ctx.send(ctx.as.bob.datanets.write.withdraw([slashed]));
    const after = await books(kept, parties);
    expect(after).toEqual(before);
    expect(after.contribution.status).toBe(Status.Pending);
    expect(after.contribution.bond).toBe(BOND);
    // Reviewing afterwards does what it always did: accept returns the bond to the contributor, reject sends it
    // to the treasury (a rejection the owner could make without any takedown).
    const [a0, b0, t0] = await Promise.all([ctx.balanceOf(ctx.addr.alice), ctx.balanceOf(ctx.addr.bob), ctx.balanceOf(treasury)]);
    await ctx.send(ctx.as.owner.datanets.write.review([kept, true]));
    await ctx.send(ctx.as.owner.datanets.write.review([slashed, false]));
    expect(await ctx.balanceOf(ctx.addr.alice)).toBe(a0 + BOND);
    expect(await ctx.balanceOf(ctx.addr.bob)).toBe(b0);
    expect(await ctx.balanceOf(treasury)).toBe(t0 + BOND);
    // The withdrawal stays: accepting a withdrawn contribution does not bring it back into models.
    expect(await ctx.read.datanets.read.withdrawnBy([kept])).toBe(ctx.addr.owner);
  });

  it("a withdrawal cannot be replayed or undone by anyone", async () => {
    const datanetId = await createDatanet("owner", false);
    const id = await contribute("alice", datanetId);
    await ctx.send(ctx.as.alice.datanets.write.withdraw([id]));
    const at = await ctx.read.datanets.read.withdrawnAt([id]);
    for (const who of ["alice", "owner", "eve"] as const) {
      await expectRevert(ctx.as[who].datanets.write.withdraw([id]), who === "alice" ? "AlreadyWithdrawn" : "NotContributor");
    }
    await expectRevert(ctx.as.owner.datanets.write.remove([id, "again"]), "AlreadyWithdrawn");
    expect(await ctx.read.datanets.read.withdrawnAt([id])).toBe(at);
    expect(await ctx.read.datanets.read.withdrawnBy([id])).toBe(ctx.addr.alice as Hex);
  });
});
