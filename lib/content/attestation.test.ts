/**
 * Content squatting and bond front-running (issue 13), performed as an attacker would: uploads and
 * attestations through the route handlers (PGlite; Postgres too with TEST_DATABASE_URL), the indexer, and a
 * real anvil whose DatanetRegistry trusts the server's attester. Each attack must fail and cost the victim
 * nothing; the author's own contribution must go through.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  decodeErrorResult,
  http,
  keccak256,
  maxUint256,
  parseUnits,
  toHex,
  zeroAddress,
  type Hex,
  type LocalAccount,
  type PublicClient,
} from "viem";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as attestationRoute from "@/app/api/content/[hash]/attestation/route";
import * as contentRoute from "@/app/api/content/route";
import { datanetRegistryAbi, openTokenAbi } from "@/contracts-abi";
import { ledgerlineErrorsAbi } from "@/contracts-abi/errors";
import { setDatabaseForTests, type Database } from "@/db/client";
import * as t from "@/db/schema";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import { encodeSession, SESSION_COOKIE, sessionSecret } from "@/lib/auth/session";
import { ANVIL_CHAIN_ID, devAccount, startAnvil, type Anvil } from "@/lib/chain/anvil";
import { writeDeployment } from "@/lib/chain/config";
import { deployLedgerline, type Deployment } from "@/lib/chain/deploy";
import { Indexer } from "@/lib/indexer/indexer";
import { attestationSigner, attesterAccount } from "./attestation";
import { storeContent } from "./store";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ATTESTER_KEY = keccak256(toHex("ledgerline attestation test attester"));
const TTL = 3_600;
const [admin, owner, alice, mallory, carol, dave] = [9, 1, 2, 3, 4, 5].map(devAccount);
const OPEN = (n: number | string) => parseUnits(String(n), 18);

let anvil: Anvil;
let client: PublicClient;
let d: Deployment;
let tmp: string;
const env = { ...process.env };

const wallet = (a: LocalAccount) => createWalletClient({ account: a, chain: foundry, transport: http(anvil.rpcUrl) });
const reg = () => ({ address: d.datanetRegistry, abi: datanetRegistryAbi }) as const;
const balance = (who: `0x${string}`) => client.readContract({ address: d.token, abi: openTokenAbi, functionName: "balanceOf", args: [who] });
async function send(hash: Hex) {
  const r = await client.waitForTransactionReceipt({ hash });
  expect(r.status).toBe("success");
  return r;
}

/** The custom error a call reverted with (decoded with every Ledgerline error), and its arguments. */
async function revertOf(p: Promise<unknown>): Promise<{ name: string; args: readonly unknown[] }> {
  try {
    await p;
  } catch (err) {
    const reverted = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    if (!(reverted instanceof ContractFunctionRevertedError)) throw err;
    if (reverted.data?.errorName) return { name: reverted.data.errorName, args: reverted.data.args ?? [] };
    const decoded = decodeErrorResult({ abi: ledgerlineErrorsAbi, data: reverted.raw as Hex });
    return { name: decoded.errorName, args: decoded.args ?? [] };
  }
  throw new Error("expected a revert, but the call succeeded");
}

beforeAll(async () => {
  anvil = await startAnvil();
  client = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl), pollingInterval: 50 }) as PublicClient;
  process.env.ATTESTER_KEY = ATTESTER_KEY;
  process.env.RPC_URL = anvil.rpcUrl;
  delete process.env.ATTESTATION_TTL_SECONDS;
  delete process.env.RATE_LIMIT_ATTESTATIONS_PER_MINUTE;
  delete process.env.SESSION_SECRET;
  d = await deployLedgerline({
    publicClient: client,
    walletClient: wallet(admin),
    admin: admin.address,
    operator: devAccount(0).address,
    protocolTreasury: admin.address,
    attester: attesterAccount(ANVIL_CHAIN_ID).address,
  });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-attestation-"));
  process.env.DEPLOYMENT_FILE = path.join(tmp, "31337.json");
  writeDeployment(d, process.env.DEPLOYMENT_FILE);
  for (const a of [alice, mallory, carol, dave]) {
    await send(await wallet(a).writeContract({ address: d.token, abi: openTokenAbi, functionName: "faucet", args: [a.address, OPEN(10_000)] }));
    await send(await wallet(a).writeContract({ address: d.token, abi: openTokenAbi, functionName: "approve", args: [d.datanetRegistry, maxUint256] }));
  }
});

afterAll(async () => {
  process.env = env;
  await anvil?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("the attester", () => {
  it("is ATTESTER_KEY's account, else the operator's on the local chain; elsewhere it must be configured", () => {
    const saved = process.env.ATTESTER_KEY;
    try {
      expect(attesterAccount(ANVIL_CHAIN_ID).address).toBe(attesterAccount(1).address);
      delete process.env.ATTESTER_KEY;
      expect(attesterAccount(ANVIL_CHAIN_ID).address).toBe(devAccount(0).address);
      expect(() => attesterAccount(1)).toThrow(/set ATTESTER_KEY/);
    } finally {
      process.env.ATTESTER_KEY = saved;
    }
  });

  it("is the one the registry trusts in this deployment", async () => {
    expect(await client.readContract({ ...reg(), functionName: "attester" })).toBe(attesterAccount().address);
    expect(attesterAccount().address).not.toBe(zeroAddress);
  });
});

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`content attestations on ${kind}`, () => {
    let database: Database;
    let curated: bigint;
    let open: bigint;
    let secret: string;

    const cookieOf = (a: LocalAccount) =>
      `${SESSION_COOKIE}=${encodeSession({ address: a.address, chainId: ANVIL_CHAIN_ID, issuedAt: new Date(), expiresAt: new Date(Date.now() + 3_600_000) }, secret)}`;

    async function call(handler: typeof contentRoute.POST, url: string, init: RequestInit, params: Record<string, string> = {}) {
      const res = await handler(new Request(`http://ledgerline.test${url}`, init), { params: Promise.resolve(params) });
      const text = await res.text();
      let body: Json = {};
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        /* not JSON */
      }
      return { status: res.status, body };
    }
    const upload = (text: string, as?: LocalAccount) =>
      call(contentRoute.POST, "/api/content?filename=notes.md", { method: "POST", body: text, headers: as ? { cookie: cookieOf(as) } : {} });
    const attest = (hash: string, body: unknown, as?: LocalAccount, headers: Record<string, string> = {}) =>
      call(
        attestationRoute.POST,
        `/api/content/${hash}/attestation`,
        { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json", ...(as ? { cookie: cookieOf(as) } : {}), ...headers } },
        { hash },
      );
    /** Uploads as `as` and gets the attestation for Datanet `datanetId`: the browser's steps before `contribute`. */
    async function uploadAndAttest(text: string, as: LocalAccount, datanetId: bigint) {
      const up = await upload(text, as);
      expect(up.status).toBe(201);
      const a = await attest(up.body.hash, { datanetId: Number(datanetId) }, as);
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      return { content: up.body, attestation: { ...a.body, deadline: BigInt(a.body.deadline), signature: a.body.signature as Hex } };
    }
    const contribute = (as: LocalAccount, datanetId: bigint, content: Json, maxBond: bigint, deadline: bigint, signature: Hex, gas?: bigint) =>
      wallet(as).writeContract({
        ...reg(),
        functionName: "contribute",
        args: [datanetId, content.hash, BigInt(content.bytes), content.records, maxBond, deadline, signature],
        ...(gas ? { gas } : {}),
      });
    const contributionOf = (datanetId: bigint, hash: Hex) => client.readContract({ ...reg(), functionName: "contributionIdByHash", args: [datanetId, hash] });
    const text = (what: string) => `**${what} (${kind})**: written by its author for this test.\n`;

    beforeAll(async () => {
      database = await openTestDatabase(kind);
      setDatabaseForTests(database);
      secret = await sessionSecret(database.db);
      for (const [bond, isCurated] of [[OPEN(10), true], [0n, false]] as const) {
        const { result, request } = await client.simulateContract({
          ...reg(),
          account: owner,
          functionName: "createDatanet",
          args: [keccak256(toHex(`${kind} ${isCurated}`)), `${kind} datanet`, bond, isCurated, zeroAddress],
        });
        await send(await wallet(owner).writeContract(request));
        if (isCurated) curated = result;
        else open = result;
      }
      // The attestation names Datanets the index knows: index the chain as the web app would.
      const indexer = new Indexer({ db: database.db, client, deployment: d });
      for (;;) {
        const r = await indexer.syncOnce();
        if (r.block >= r.head) break;
      }
    });
    afterAll(async () => {
      setDatabaseForTests(undefined);
      await database?.close();
    });

    it("gives the first uploader an attestation the registry accepts; a copier of the bytes or of the transaction gets nothing", async () => {
      const before = BigInt(Math.floor(Date.now() / 1000));
      const { content, attestation } = await uploadAndAttest(text("glosses"), alice, curated);
      const after = BigInt(Math.floor(Date.now() / 1000));
      expect(attestation).toMatchObject({ datanetId: Number(curated), contentHash: content.hash, uploader: alice.address.toLowerCase(), attester: attesterAccount().address.toLowerCase() });
      const chainNow = (await client.getBlock()).timestamp;
      const later = (x: bigint, y: bigint) => (x > y ? x : y);
      expect(attestation.deadline).toBeGreaterThanOrEqual(later(before, chainNow) + BigInt(TTL));
      expect(attestation.deadline).toBeLessThanOrEqual(later(after, chainNow) + BigInt(TTL));
      const message = { datanetId: curated, contentHash: content.hash as Hex, uploader: alice.address, deadline: attestation.deadline };
      expect(await attestationSigner({ chainId: ANVIL_CHAIN_ID, registry: d.datanetRegistry }, message, attestation.signature)).toBe(attesterAccount().address);

      // Mallory downloads the bytes (they are public) and uploads them herself: stored, but not hers.
      const copy = await upload(text("glosses"), mallory);
      expect(copy.status).toBe(201);
      expect(copy.body.hash).toBe(content.hash);
      const refused = await attest(content.hash, { datanetId: Number(curated) }, mallory);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ reason: "content_claimed" });
      expect(refused.body.error).toMatch(/^This content was uploaded first by another account/);
      const [row] = await database.db.select({ uploader: t.contents.uploader }).from(t.contents).where(eq(t.contents.hash, content.hash));
      expect(row.uploader).toBe(alice.address.toLowerCase());

      // On-chain: registering the hash first without an attestation, with Alice's (copied from her pending
      // transaction), or with hers re-dated, all revert; Mallory keeps her OPEN.
      const malloryBefore = await balance(mallory.address);
      for (const [deadline, signature, error] of [
        [0n, "0x", "AttestationExpired"],
        [attestation.deadline, "0x", "InvalidAttestation"],
        [attestation.deadline, attestation.signature, "InvalidAttestation"],
        [attestation.deadline + 1n, attestation.signature, "InvalidAttestation"],
      ] as const) {
        expect((await revertOf(contribute(mallory, curated, content, OPEN(10), deadline, signature))).name).toBe(error);
      }
      expect(await balance(mallory.address)).toBe(malloryBefore);
      expect(await contributionOf(curated, content.hash)).toBe(0n);
      // Alice's attestation for one Datanet does not open another.
      expect((await revertOf(contribute(alice, open, content, 0n, attestation.deadline, attestation.signature))).name).toBe("InvalidAttestation");

      // The author registers her content.
      const aliceBefore = await balance(alice.address);
      await send(await contribute(alice, curated, content, OPEN(10), attestation.deadline, attestation.signature));
      const id = await contributionOf(curated, content.hash);
      expect(id).toBeGreaterThan(0n);
      expect((await client.readContract({ ...reg(), functionName: "getContribution", args: [id] })).contributor).toBe(alice.address);
      expect(await balance(alice.address)).toBe(aliceBefore - OPEN(10));
    });

    it("originality shield: an open Datanet refuses to attest an exact duplicate (409, nothing written); a curated one attests it", async () => {
      const indexer = new Indexer({ db: database.db, client, deployment: d });
      const sync = async () => {
        for (;;) {
          const r = await indexer.syncOnce();
          if (r.block >= r.head) break;
        }
      };
      const original = `**Original (${kind})**: a paragraph its author wrote first,\nwith a second line.\n`;
      for (const datanetId of [open, curated]) {
        const { content, attestation } = await uploadAndAttest(original.replace("Original", `Original ${datanetId}`), alice, datanetId);
        await send(await contribute(alice, datanetId, content, datanetId === curated ? OPEN(10) : 0n, attestation.deadline, attestation.signature));
      }
      await sync();
      const id = await contributionOf(open, (await upload(original.replace("Original", `Original ${open}`), alice)).body.hash);

      // Mallory re-saves Alice's file with other whitespace: new bytes, the same text.
      const copy = await upload(`  ${original.replace("Original", `Original ${open}`).replace(/\n/g, "\r\n\r\n").replace(/ /g, "\t")}`, mallory);
      expect(copy.status).toBe(201);
      const refused = await attest(copy.body.hash, { datanetId: Number(open) }, mallory);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ reason: "duplicate_content", details: { contributionId: Number(id), contributor: alice.address.toLowerCase(), match: "normalized" } });
      expect(refused.body.error).toMatch(new RegExp(`^This file already appears as contribution #${id} by ${alice.address.toLowerCase()}`));
      expect(refused.body.signature).toBeUndefined();
      // Nothing was written: the rate limit aside, the content's row is as the upload left it, and nothing is registered.
      const [row] = await database.db.select().from(t.contents).where(eq(t.contents.hash, copy.body.hash));
      expect(row.uploader).toBe(mallory.address.toLowerCase());
      // Content the server stored itself (no uploader yet) is not claimed by a refused attestation either.
      const unclaimed = await storeContent(database.db, { body: new TextEncoder().encode(original.replace("Original", `Original ${open}`) + "\n\n"), filename: "x.md" });
      expect((await attest(unclaimed.hash, { datanetId: Number(open) }, mallory)).status).toBe(409);
      const [still] = await database.db.select({ uploader: t.contents.uploader }).from(t.contents).where(eq(t.contents.hash, unclaimed.hash));
      expect(still.uploader).toBeNull();
      // Without an attestation the registry refuses the copy.
      expect((await revertOf(contribute(mallory, open, copy.body, 0n, 0n, "0x"))).name).toBe("AttestationExpired");
      expect(await contributionOf(open, copy.body.hash as Hex)).toBe(0n);

      // In the curated Datanet the same copy is attested: the owner decides, with the originality in the review queue.
      const curatedCopy = await upload(`${original.replace("Original", `Original ${curated}`)}\n\n\n`, mallory);
      const attested = await attest(curatedCopy.body.hash, { datanetId: Number(curated) }, mallory);
      expect(attested.status, JSON.stringify(attested.body)).toBe(200);
      await send(await contribute(mallory, curated, curatedCopy.body, OPEN(10), BigInt(attested.body.deadline), attested.body.signature));
      expect(await contributionOf(curated, curatedCopy.body.hash as Hex)).toBeGreaterThan(0n);
    });

    it("binds content stored without an uploader to the first account that claims it", async () => {
      // Bytes the server stored itself (model metadata) or stored before uploaders were recorded.
      const stored = await storeContent(database.db, { body: new TextEncoder().encode(text("server-stored")), filename: "s.md" });
      expect(stored.uploader).toBeNull();
      const a = await attest(stored.hash, { datanetId: Number(open) }, carol);
      expect(a.status).toBe(200);
      expect((await attest(stored.hash, { datanetId: Number(open) }, alice)).status).toBe(409);
      // Uploading the bytes again changes nothing.
      expect((await upload(text("server-stored"), alice)).status).toBe(201);
      expect((await attest(stored.hash, { datanetId: Number(open) }, alice)).status).toBe(409);
      expect((await attest(stored.hash, { datanetId: Number(open) }, carol)).status).toBe(200);
    });

    it("answers 401 without a session, 404 for unknown content or Datanets, 4xx for forged or oversized input, and signs nothing", async () => {
      const { content } = await uploadAndAttest(text("hostile"), dave, open);
      const ok = { datanetId: Number(open) };
      const anonymous = await attest(content.hash, ok);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toMatchObject({ reason: "sign_in_required" });
      // One signature character changed (not the last: its low bits are base64 padding and may decode the same).
      const cookie = cookieOf(mallory);
      const tampered = await attest(content.hash, ok, undefined, { cookie: cookie.slice(0, -2) + (cookie.at(-2) === "A" ? "B" : "A") + cookie.at(-1) });
      expect(tampered.status).toBe(401);

      const cases: [string, unknown, number, RegExp?][] = [
        [`0x${"0".repeat(63)}1`, ok, 404, /Content 0x0{63}1 was not found: upload it first/],
        ["0x12", ok, 404],
        ["1;drop table contents", ok, 404],
        [content.hash, { datanetId: 999_999 }, 404, /Datanet #999999 was not found/],
        [content.hash, { datanetId: 0 }, 400, /body\.datanetId/],
        [content.hash, { datanetId: -1 }, 400],
        [content.hash, { datanetId: 1.5 }, 400],
        [content.hash, { datanetId: "one" }, 400],
        [content.hash, { datanetId: 2 ** 60 }, 400, /too large/],
        [content.hash, {}, 400],
        // The uploader and the deadline are the server's to decide, never the caller's.
        [content.hash, { ...ok, uploader: mallory.address }, 400, /uploader/],
        [content.hash, { ...ok, deadline: 99_999_999_999 }, 400, /deadline/],
        [content.hash, "{datanetId:", 400, /must be JSON/],
        [content.hash, JSON.stringify({ ...ok, pad: "x".repeat(70_000) }), 413],
      ];
      const failures: string[] = [];
      for (const [hash, body, status, message] of cases) {
        const res = await attest(hash, body, dave);
        if (res.status !== status || typeof res.body.error !== "string" || (message && !message.test(res.body.error))) {
          failures.push(`${hash} ${JSON.stringify(body).slice(0, 80)} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        }
        expect(res.body.signature).toBeUndefined();
      }
      expect(failures).toEqual([]);
    });

    it("rate-limits attestations per account", async () => {
      process.env.RATE_LIMIT_ATTESTATIONS_PER_MINUTE = "2";
      try {
        const up = await upload(text("limited"), owner);
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) statuses.push((await attest(up.body.hash, { datanetId: Number(open) }, owner)).status);
        expect(statuses).toEqual([200, 200, 429]);
      } finally {
        delete process.env.RATE_LIMIT_ATTESTATIONS_PER_MINUTE;
      }
    });

    it("refuses an expired attestation (AttestationExpired) and dates new ones by the chain's clock when it runs ahead", async () => {
      const snapshot = (await client.request({ method: "evm_snapshot" as never })) as Hex;
      const testClient = createTestClient({ chain: foundry, mode: "anvil", transport: http(anvil.rpcUrl) });
      try {
        const { content, attestation } = await uploadAndAttest(text("late"), carol, open);
        await testClient.increaseTime({ seconds: TTL + 60 });
        await testClient.mine({ blocks: 1 });
        const late = await revertOf(contribute(carol, open, content, 0n, attestation.deadline, attestation.signature));
        expect(late).toEqual({ name: "AttestationExpired", args: [attestation.deadline] });
        expect(await contributionOf(open, content.hash)).toBe(0n);

        // The chain is now ahead of this machine's clock: a fresh attestation still leaves the full TTL.
        const chainNow = (await client.getBlock()).timestamp;
        const fresh = await attest(content.hash, { datanetId: Number(open) }, carol);
        expect(BigInt(fresh.body.deadline)).toBeGreaterThanOrEqual(chainNow + BigInt(TTL));
        await send(await contribute(carol, open, content, 0n, BigInt(fresh.body.deadline), fresh.body.signature));
        expect(await contributionOf(open, content.hash)).toBeGreaterThan(0n);
      } finally {
        await client.request({ method: "evm_revert" as never, params: [snapshot] as never });
      }
    });

    it("bond front-running: the owner raises the bond under a pending contribution → BondAboveMax, and the contributor keeps every OPEN", async () => {
      const { content, attestation } = await uploadAndAttest(text("front-run"), carol, curated);
      // What the contributor was shown, and agreed to.
      const shown = (await client.readContract({ ...reg(), functionName: "getDatanet", args: [curated] })).bond;
      expect(shown).toBe(OPEN(10));
      const raised = OPEN(5_000);
      await send(await wallet(owner).writeContract({ ...reg(), functionName: "setBond", args: [curated, raised] }));

      const carolBefore = await balance(carol.address);
      const registryBefore = await balance(d.datanetRegistry);
      // Refused in simulation, and mined (a transaction sent past any simulation, as a front-run lands): reverted.
      expect(await revertOf(contribute(carol, curated, content, shown, attestation.deadline, attestation.signature))).toEqual({ name: "BondAboveMax", args: [raised, shown] });
      const mined = await client.waitForTransactionReceipt({ hash: await contribute(carol, curated, content, shown, attestation.deadline, attestation.signature, 500_000n) });
      expect(mined.status).toBe("reverted");
      expect(await balance(carol.address)).toBe(carolBefore);
      expect(await balance(d.datanetRegistry)).toBe(registryBefore);
      expect(await contributionOf(curated, content.hash)).toBe(0n);

      // Having reviewed the new bond, the contributor may accept it.
      await send(await contribute(carol, curated, content, raised, attestation.deadline, attestation.signature));
      expect(await balance(carol.address)).toBe(carolBefore - raised);
      await send(await wallet(owner).writeContract({ ...reg(), functionName: "setBond", args: [curated, OPEN(10)] }));
    });
  });
}
