/**
 * The model catalog's reads per request: quotes at one chain head share a checkpoint read, serving reads it fresh,
 * and after the indexer moves the checkpoint the two must not alternate between keys (each switch re-read the
 * model's row and lineage: two extra statements per paid call under load).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as t from "@/db/schema";
import { openTestDatabase } from "@/db/testing";
import { ModelCatalog } from "./models";

const CHAIN = 31337;
const MODEL = 7;

describe("model catalog checkpoint reads", () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let artifactDir: string;
  beforeAll(async () => {
    database = await openTestDatabase("pglite");
    artifactDir = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-models-"));
    await database.db.insert(t.indexerCheckpoints).values({ chainId: CHAIN, deploymentKey: "k", block: 10, blockHash: "0xaa" });
    await database.db.insert(t.models).values({
      id: MODEL,
      builder: "0x0000000000000000000000000000000000000001",
      artifactHash: `0x${"ab".repeat(32)}`,
      metadataHash: `0x${"cd".repeat(32)}`,
      metadataUri: "ipfs://x",
      name: "m",
      kind: "infinigram",
      price: 1n,
      builderBps: 0,
      createdBlock: 1,
      createdTx: `0x${"ef".repeat(32)}`,
      createdAt: new Date(0),
    });
  });
  afterAll(async () => {
    await database.close();
    fs.rmSync(artifactDir, { recursive: true, force: true });
  });

  it("a quote after serving saw a newer checkpoint reuses serving's read: no model row read again", async () => {
    const db = database.db;
    const catalog = new ModelCatalog({ db, artifactDir, chainId: CHAIN });
    // The artifact is not in the store, so every get fails after the indexed reads this test counts.
    const get = (head?: bigint) => catalog.get(MODEL, head === undefined ? {} : { head }).catch((e: Error) => e);
    const selects = vi.spyOn(db, "select");

    expect(await get(100n)).toBeInstanceOf(Error);
    // The indexer writes the head's checkpoint after that quote cached the one before.
    await db.update(t.indexerCheckpoints).set({ block: 11, blockHash: "0xbb" }).where(eq(t.indexerCheckpoints.chainId, CHAIN));
    await get(); // serving: fresh checkpoint, then the row and lineage under the new key
    selects.mockClear();

    // Quotes at the same head, then serving again: only serving's own checkpoint reads.
    await get(100n);
    await get(100n);
    expect(selects).toHaveBeenCalledTimes(0);
    await get();
    expect(selects).toHaveBeenCalledTimes(1);
    await get(100n);
    expect(selects).toHaveBeenCalledTimes(1);

    // A new head reads the checkpoint once, and the row not at all while the checkpoint stays.
    await get(101n);
    await get(101n);
    expect(selects).toHaveBeenCalledTimes(2);
  });

  it("concurrent requests share one checkpoint read, and a request after the indexer's commit reads the new head", async () => {
    const db = database.db;
    const catalog = new ModelCatalog({ db, artifactDir, chainId: CHAIN });
    const get = () => catalog.get(MODEL).catch((e: Error) => e);
    await get();
    const selects = vi.spyOn(db, "select");
    selects.mockClear();
    await Promise.all(Array.from({ length: 16 }, get));
    expect(selects).toHaveBeenCalledTimes(1);

    // The indexer commits a new head: the next request does not join the read before it.
    await db.update(t.indexerCheckpoints).set({ block: 12, blockHash: "0xcc" }).where(eq(t.indexerCheckpoints.chainId, CHAIN));
    selects.mockClear();
    await get();
    // The checkpoint, the indexed state under the new key (terms limits, withdrawals), the model's row and lineage.
    expect(selects).toHaveBeenCalledTimes(5);
    await Promise.all([get(), get()]);
    expect(selects).toHaveBeenCalledTimes(6);
    selects.mockRestore();
  });
});
