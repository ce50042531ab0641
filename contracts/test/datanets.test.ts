import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxUint256, zeroAddress, zeroHash, type Address, type Hex } from "viem";
import { datanetRegistryAbi, modelRegistryAbi } from "../../contracts-abi";
import { versionRoot, versionTree } from "../../lib/chain/merkle";
import { OPEN, eventsOf, expectRevert, randomHash, setupLedgerline, type Ledgerline } from "./fixture";

let ctx: Ledgerline;
const BOND = 10n * OPEN;
const Status = { Pending: 0, Accepted: 1, Rejected: 2 } as const;

beforeAll(async () => {
  ctx = await setupLedgerline();
  // Contributors approve the registry once.
  for (const r of ["alice", "bob", "carol"] as const) {
    await ctx.send(ctx.as[r].token.write.approve([ctx.deployment.datanetRegistry, maxUint256]));
  }
});
afterAll(async () => {
  await ctx?.stop();
});

async function createDatanet(curated: boolean, bond = BOND, treasury: Address = zeroAddress): Promise<bigint> {
  const receipt = await ctx.send(
    ctx.as.owner.datanets.write.createDatanet([randomHash(), "ipfs://datanet", bond, curated, treasury]),
  );
  return eventsOf(datanetRegistryAbi, receipt, "DatanetCreated")[0].args.datanetId;
}

/** No attester is set in this file: contributions need no attestation (deadline and signature ignored). */
const NO_ATTESTATION = [0n, "0x"] as const;

async function contribute(
  who: "alice" | "bob" | "carol",
  datanetId: bigint,
  contentHash: Hex = randomHash(),
  maxBond: bigint = maxUint256,
) {
  const receipt = await ctx.send(
    ctx.as[who].datanets.write.contribute([datanetId, contentHash, 1234n, 10, maxBond, ...NO_ATTESTATION]),
  );
  const id = eventsOf(datanetRegistryAbi, receipt, "ContributionSubmitted")[0].args.contributionId;
  return { id, contentHash, receipt };
}

describe("DatanetRegistry", () => {
  it("creates Datanets with ids from 1; treasury 0 means the owner", async () => {
    expect(await ctx.read.datanets.read.datanetCount()).toBe(0n);
    const meta = randomHash();
    const receipt = await ctx.send(
      ctx.as.owner.datanets.write.createDatanet([meta, "ipfs://one", BOND, true, zeroAddress]),
    );
    const [ev] = eventsOf(datanetRegistryAbi, receipt, "DatanetCreated");
    expect(ev.args).toEqual({
      datanetId: 1n,
      owner: ctx.addr.owner,
      treasury: ctx.addr.owner,
      metadataHash: meta,
      metadataURI: "ipfs://one",
      bond: BOND,
      curated: true,
    });
    const d = await ctx.read.datanets.read.getDatanet([1n]);
    expect(d.owner).toBe(ctx.addr.owner);
    expect(d.treasury).toBe(ctx.addr.owner);
    expect(d.curated).toBe(true);
    expect(await ctx.read.datanets.read.datanetCount()).toBe(1n);
    await expectRevert(ctx.read.datanets.read.getDatanet([2n]), "UnknownDatanet");
  });

  it("rejects contributions to unknown Datanets, zero hashes, empty and duplicate content", async () => {
    const id = await createDatanet(true);
    const c = ctx.as.alice.datanets.write;
    await expectRevert(c.contribute([999n, randomHash(), 1n, 1, BOND, ...NO_ATTESTATION]), "UnknownDatanet");
    await expectRevert(c.contribute([0n, randomHash(), 1n, 1, BOND, ...NO_ATTESTATION]), "UnknownDatanet");
    await expectRevert(c.contribute([id, zeroHash, 1n, 1, BOND, ...NO_ATTESTATION]), "ZeroContentHash");
    await expectRevert(c.contribute([id, randomHash(), 0n, 1, BOND, ...NO_ATTESTATION]), "EmptyContribution");
    await expectRevert(c.contribute([id, randomHash(), 1n, 0, BOND, ...NO_ATTESTATION]), "EmptyContribution");
    const { contentHash } = await contribute("alice", id);
    const [dn, h] = (await expectRevert(
      ctx.as.bob.datanets.write.contribute([id, contentHash, 5n, 1, BOND, ...NO_ATTESTATION]),
      "DuplicateContribution",
    ))!;
    expect([dn, h]).toEqual([id, contentHash]);
    // The same content may go to another Datanet.
    const other = await createDatanet(false);
    await contribute("bob", other, contentHash);
  });

  it("curated flow: bond taken; accept returns it, reject sends it to the treasury", async () => {
    const treasury = ctx.addr.dave;
    const id = await createDatanet(true, BOND, treasury);
    const registry = ctx.deployment.datanetRegistry;
    const [a0, r0, t0] = await Promise.all([ctx.balanceOf(ctx.addr.alice), ctx.balanceOf(registry), ctx.balanceOf(treasury)]);

    const c1 = await contribute("alice", id);
    const c2 = await contribute("alice", id);
    const [ev] = eventsOf(datanetRegistryAbi, c1.receipt, "ContributionSubmitted");
    expect(ev.args).toMatchObject({ datanetId: id, contributor: ctx.addr.alice, bytes_: 1234n, records: 10, bond: BOND });
    expect(eventsOf(datanetRegistryAbi, c1.receipt, "ContributionReviewed")).toHaveLength(0);
    expect(await ctx.balanceOf(ctx.addr.alice)).toBe(a0 - 2n * BOND);
    expect(await ctx.balanceOf(registry)).toBe(r0 + 2n * BOND);
    expect((await ctx.read.datanets.read.getContribution([c1.id])).status).toBe(Status.Pending);

    // Only the owner reviews.
    await expectRevert(ctx.as.eve.datanets.write.review([c1.id, true]), "NotDatanetOwner");
    await expectRevert(ctx.as.alice.datanets.write.review([c1.id, true]), "NotDatanetOwner");
    await expectRevert(ctx.as.owner.datanets.write.review([9999n, true]), "UnknownContribution");

    const acc = await ctx.send(ctx.as.owner.datanets.write.review([c1.id, true]));
    expect(eventsOf(datanetRegistryAbi, acc, "ContributionReviewed")[0].args).toEqual({
      contributionId: c1.id,
      datanetId: id,
      contributor: ctx.addr.alice,
      accepted: true,
      bond: BOND,
    });
    const rej = await ctx.send(ctx.as.owner.datanets.write.review([c2.id, false]));
    expect(eventsOf(datanetRegistryAbi, rej, "ContributionReviewed")[0].args.accepted).toBe(false);

    expect(await ctx.balanceOf(ctx.addr.alice)).toBe(a0 - BOND);
    expect(await ctx.balanceOf(treasury)).toBe(t0 + BOND);
    expect(await ctx.balanceOf(registry)).toBe(r0);
    expect((await ctx.read.datanets.read.getContribution([c1.id])).status).toBe(Status.Accepted);
    expect((await ctx.read.datanets.read.getContribution([c2.id])).status).toBe(Status.Rejected);
    expect(await ctx.read.datanets.read.acceptedCount([id])).toBe(1);

    await expectRevert(ctx.as.owner.datanets.write.review([c1.id, false]), "NotPending");
    await expectRevert(ctx.as.owner.datanets.write.review([c2.id, true]), "NotPending");
  });

  it("a bond change applies to new contributions only, and never above the contributor's maxBond", async () => {
    const id = await createDatanet(true);
    const c1 = await contribute("bob", id, randomHash(), BOND);
    await expectRevert(ctx.as.eve.datanets.write.setBond([id, 1n]), "NotDatanetOwner");
    const receipt = await ctx.send(ctx.as.owner.datanets.write.setBond([id, 3n * BOND]));
    expect(eventsOf(datanetRegistryAbi, receipt, "DatanetBondChanged")[0].args).toEqual({ datanetId: id, bond: 3n * BOND });
    const [bond, max] = (await expectRevert(
      ctx.as.bob.datanets.write.contribute([id, randomHash(), 1n, 1, BOND, ...NO_ATTESTATION]),
      "BondAboveMax",
    ))!;
    expect([bond, max]).toEqual([3n * BOND, BOND]);
    const c2 = await contribute("bob", id, randomHash(), 3n * BOND);
    expect((await ctx.read.datanets.read.getContribution([c1.id])).bond).toBe(BOND);
    expect((await ctx.read.datanets.read.getContribution([c2.id])).bond).toBe(3n * BOND);
    const bob0 = await ctx.balanceOf(ctx.addr.bob);
    await ctx.send(ctx.as.owner.datanets.write.review([c1.id, true]));
    expect(await ctx.balanceOf(ctx.addr.bob)).toBe(bob0 + BOND);
  });

  it("terms: fixed at registration with an event, checked, open by default; nobody can change them", async () => {
    const id = await createDatanet(false);
    const limited = { kind: 2, maxVerbatimTokens: 16 } as const;
    const receipt = await ctx.send(ctx.as.alice.datanets.write.contributeWithTerms([id, randomHash(), 10n, 1, maxUint256, ...NO_ATTESTATION, limited]));
    const cid = eventsOf(datanetRegistryAbi, receipt, "ContributionSubmitted")[0].args.contributionId;
    expect(eventsOf(datanetRegistryAbi, receipt, "ContributionTerms")[0].args).toEqual({ contributionId: cid, ...limited });
    expect(await ctx.read.datanets.read.termsOf([cid])).toEqual(limited);
    // Attribution required (kind 1) takes no limit; plain contribute is open (kind 0) and emits no terms event.
    const credited = await ctx.send(ctx.as.bob.datanets.write.contributeWithTerms([id, randomHash(), 10n, 1, maxUint256, ...NO_ATTESTATION, { kind: 1, maxVerbatimTokens: 0 }]));
    expect(eventsOf(datanetRegistryAbi, credited, "ContributionTerms")[0].args.kind).toBe(1);
    const { id: open, receipt: openReceipt } = await contribute("carol", id);
    expect(eventsOf(datanetRegistryAbi, openReceipt, "ContributionTerms")).toEqual([]);
    expect(await ctx.read.datanets.read.termsOf([open])).toEqual({ kind: 0, maxVerbatimTokens: 0 });
    await expectRevert(ctx.read.datanets.read.termsOf([9_999n]), "UnknownContribution");
    // Out of range: unknown kinds, limits below 8 or above 4096 tokens, a limit on a kind without one.
    for (const bad of [{ kind: 3, maxVerbatimTokens: 0 }, { kind: 2, maxVerbatimTokens: 7 }, { kind: 2, maxVerbatimTokens: 4097 }, { kind: 2, maxVerbatimTokens: 0 }, { kind: 1, maxVerbatimTokens: 8 }, { kind: 0, maxVerbatimTokens: 8 }]) {
      await expectRevert(ctx.as.alice.datanets.write.contributeWithTerms([id, randomHash(), 10n, 1, maxUint256, ...NO_ATTESTATION, bad]), "InvalidTerms");
    }
    // A failed registration leaves nothing behind.
    expect(await ctx.read.datanets.read.contributionCount()).toBe(open);
    // The ABI has no way to set terms after registration.
    expect(datanetRegistryAbi.filter((f) => f.type === "function" && /terms/i.test(f.name)).map((f) => (f as { name: string }).name).sort()).toEqual(["TERMS_NO_VERBATIM", "contributeWithTerms", "termsOf"]);
  });

  it("open flow: accepted at once, bond returned in the same tx", async () => {
    const id = await createDatanet(false);
    const before = await ctx.balanceOf(ctx.addr.carol);
    const { id: cid, receipt } = await contribute("carol", id);
    const reviewed = eventsOf(datanetRegistryAbi, receipt, "ContributionReviewed");
    expect(reviewed).toHaveLength(1);
    expect(reviewed[0].args).toMatchObject({ contributionId: cid, accepted: true, bond: BOND });
    expect(await ctx.balanceOf(ctx.addr.carol)).toBe(before);
    expect((await ctx.read.datanets.read.getContribution([cid])).status).toBe(Status.Accepted);
    expect(await ctx.read.datanets.read.acceptedCount([id])).toBe(1);
    await expectRevert(ctx.as.owner.datanets.write.review([cid, false]), "NotPending");
  });

  it("publishVersion: owner only, 0 < count <= accepted, non-zero root, numbered 1..n", async () => {
    const id = await createDatanet(false);
    const contributions = [];
    for (let i = 0; i < 3; i++) contributions.push(await contribute("alice", id));
    const leaves = contributions.map((c) => ({ id: c.id, contentHash: c.contentHash }));
    const root = versionRoot(leaves);

    await expectRevert(ctx.as.eve.datanets.write.publishVersion([id, root, 3]), "NotDatanetOwner");
    await expectRevert(ctx.as.owner.datanets.write.publishVersion([999n, root, 3]), "UnknownDatanet");
    const [count, accepted] = (await expectRevert(
      ctx.as.owner.datanets.write.publishVersion([id, root, 4]),
      "InvalidVersionCount",
    ))!;
    expect([count, accepted]).toEqual([4, 3]);
    await expectRevert(ctx.as.owner.datanets.write.publishVersion([id, root, 0]), "InvalidVersionCount");
    await expectRevert(ctx.as.owner.datanets.write.publishVersion([id, zeroHash, 3]), "ZeroRoot");

    const r1 = await ctx.send(ctx.as.owner.datanets.write.publishVersion([id, versionRoot(leaves.slice(0, 2)), 2]));
    expect(eventsOf(datanetRegistryAbi, r1, "VersionPublished")[0].args).toEqual({
      datanetId: id,
      version: 1,
      root: versionRoot(leaves.slice(0, 2)),
      count: 2,
    });
    const r2 = await ctx.send(ctx.as.owner.datanets.write.publishVersion([id, root, 3]));
    expect(eventsOf(datanetRegistryAbi, r2, "VersionPublished")[0].args.version).toBe(2);
    expect(await ctx.read.datanets.read.versionCount([id])).toBe(2);
    const v2 = await ctx.read.datanets.read.getVersion([id, 2]);
    expect(v2.root).toBe(root);
    expect(v2.count).toBe(3);
    await expectRevert(ctx.read.datanets.read.getVersion([id, 3]), "UnknownVersion");
    await expectRevert(ctx.read.datanets.read.getVersion([id, 0]), "UnknownVersion");

    // Curated Datanet with nothing accepted yet cannot publish.
    const curated = await createDatanet(true);
    await contribute("alice", curated);
    await expectRevert(ctx.as.owner.datanets.write.publishVersion([curated, root, 1]), "InvalidVersionCount");
  });

  it("setMetadata: owner only, with an event", async () => {
    const id = await createDatanet(false);
    await expectRevert(ctx.as.eve.datanets.write.setMetadata([id, randomHash(), "ipfs://evil"]), "NotDatanetOwner");
    await expectRevert(ctx.as.owner.datanets.write.setMetadata([999n, randomHash(), "ipfs://x"]), "UnknownDatanet");
    const meta = randomHash();
    const r = await ctx.send(ctx.as.owner.datanets.write.setMetadata([id, meta, "ipfs://two"]));
    expect(eventsOf(datanetRegistryAbi, r, "DatanetMetadataChanged")[0].args).toEqual({
      datanetId: id,
      metadataHash: meta,
      metadataURI: "ipfs://two",
    });
    expect(await ctx.read.datanets.read.getDatanet([id])).toMatchObject({ metadataHash: meta, metadataURI: "ipfs://two" });
  });

  it("the attester is governed: only the admin sets it (attestations themselves: attacks.test.ts)", async () => {
    expect(await ctx.read.datanets.read.attester()).toBe(zeroAddress);
    await expectRevert(ctx.as.owner.datanets.write.setAttester([ctx.addr.owner]), "AccessControlUnauthorizedAccount");
    const r = await ctx.send(ctx.as.admin.datanets.write.setAttester([ctx.addr.dave]));
    expect(eventsOf(datanetRegistryAbi, r, "AttesterChanged")[0].args).toEqual({ attester: ctx.addr.dave });
    // With an attester, an unattested contribution is refused; unset again, it is accepted.
    const id = await createDatanet(false);
    await expectRevert(
      ctx.as.alice.datanets.write.contribute([id, randomHash(), 1n, 1, BOND, (await ctx.now()) + 600n, "0x"]),
      "InvalidAttestation",
    );
    await ctx.send(ctx.as.admin.datanets.write.setAttester([zeroAddress]));
    await contribute("alice", id);
  });

  it("versionRoot rejects empty and malformed input; proofs verify the leaf order-independently", () => {
    expect(() => versionRoot([])).toThrow(/at least one/);
    expect(() => versionRoot([{ id: 1n, contentHash: "0x1234" }])).toThrow(/32 bytes/);
    expect(() =>
      versionRoot([
        { id: 1n, contentHash: randomHash() },
        { id: 1n, contentHash: randomHash() },
      ]),
    ).toThrow(/duplicate/);
    const leaves = [1n, 2n, 3n].map((id) => ({ id, contentHash: randomHash() }));
    expect(versionRoot(leaves)).toBe(versionRoot([...leaves].reverse()));
    expect(versionTree(leaves).proofFor(2n).length).toBeGreaterThan(0);
  });
});

describe("ModelRegistry", () => {
  let datanetId: bigint;

  beforeAll(async () => {
    datanetId = await createDatanet(false);
    const c = await contribute("alice", datanetId);
    await ctx.send(
      ctx.as.owner.datanets.write.publishVersion([datanetId, versionRoot([{ id: c.id, contentHash: c.contentHash }]), 1]),
    );
  });

  const register = (
    over: Partial<{ ids: bigint[]; versions: number[]; artifact: Hex; price: bigint; bps: number; kind: number }> = {},
  ) =>
    ctx.as.builder.models.write.registerModel([
      "ipfs://model",
      randomHash(),
      over.artifact ?? randomHash(),
      over.ids ?? [datanetId],
      over.versions ?? [1],
      over.price ?? OPEN,
      over.bps ?? 2000,
      over.kind ?? 0,
    ]);

  it("validates its inputs", async () => {
    const [dn, v] = (await expectRevert(register({ versions: [2] }), "UnknownDatanetVersion"))!;
    expect([dn, v]).toEqual([datanetId, 2]);
    await expectRevert(register({ versions: [0] }), "UnknownDatanetVersion");
    await expectRevert(register({ ids: [12345n] }), "UnknownDatanetVersion");
    await expectRevert(register({ ids: [datanetId, 12345n], versions: [1, 1] }), "UnknownDatanetVersion");
    await expectRevert(register({ ids: [], versions: [] }), "NoDatanets");
    await expectRevert(register({ ids: [datanetId], versions: [1, 1] }), "LengthMismatch");
    const [bps] = (await expectRevert(register({ bps: 5001 }), "BuilderShareTooHigh"))!;
    expect(bps).toBe(5001);
    await expectRevert(register({ artifact: zeroHash }), "ZeroArtifactHash");
    await expectRevert(register({ kind: 4 }), "InvalidKind");
    expect(await ctx.read.models.read.MAX_BUILDER_BPS()).toBe(5000);
  });

  it("registers a model (ids from 1) and emits its lineage", async () => {
    const artifact = randomHash();
    const receipt = await ctx.send(register({ artifact, bps: 5000, kind: 2, price: 42n }));
    const [ev] = eventsOf(modelRegistryAbi, receipt, "ModelRegistered");
    expect(ev.args).toMatchObject({
      modelId: 1n,
      builder: ctx.addr.builder,
      artifactHash: artifact,
      metadataURI: "ipfs://model",
      datanetIds: [datanetId],
      versions: [1],
      price: 42n,
      builderBps: 5000,
      kind: 2,
    });
    const m = await ctx.read.models.read.getModel([1n]);
    expect(m).toMatchObject({ builder: ctx.addr.builder, price: 42n, builderBps: 5000, active: true, artifactHash: artifact, kind: 2 });
    expect(m.datanetIds).toEqual([datanetId]);
    expect(await ctx.read.models.read.modelCount()).toBe(1n);
    expect(await ctx.read.models.read.pricing([1n])).toEqual([ctx.addr.builder, 42n, 5000, true, 0n, 0n]);
  });

  it("builder-only price and active changes with events", async () => {
    const id = 1n;
    const [mid, caller] = (await expectRevert(ctx.as.eve.models.write.setPrice([id, 1n]), "NotBuilder"))!;
    expect([mid, caller]).toEqual([id, ctx.addr.eve]);
    await expectRevert(ctx.as.eve.models.write.setActive([id, false]), "NotBuilder");
    await expectRevert(ctx.as.builder.models.write.setPrice([99n, 1n]), "UnknownModel");
    await expectRevert(ctx.read.models.read.getModel([0n]), "UnknownModel");

    const r1 = await ctx.send(ctx.as.builder.models.write.setPrice([id, 7n * OPEN]));
    expect(eventsOf(modelRegistryAbi, r1, "ModelPriceChanged")[0].args).toEqual({
      modelId: id,
      oldPrice: 42n,
      newPrice: 7n * OPEN,
    });
    const r2 = await ctx.send(ctx.as.builder.models.write.setPrice([id, 8n * OPEN]));
    expect(eventsOf(modelRegistryAbi, r2, "ModelPriceChanged")[0].args).toMatchObject({ oldPrice: 7n * OPEN, newPrice: 8n * OPEN });
    const r3 = await ctx.send(ctx.as.builder.models.write.setActive([id, false]));
    expect(eventsOf(modelRegistryAbi, r3, "ModelActiveChanged")[0].args).toEqual({ modelId: id, active: false });
    expect((await ctx.read.models.read.getModel([id])).active).toBe(false);
    expect((await ctx.read.models.read.getModel([id])).price).toBe(8n * OPEN);
  });
});
