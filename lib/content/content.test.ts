import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { openTestDatabase } from "@/db/testing";
import { ContentError, formatOf, parseCsv, parseRecords } from "./records";
import { firstUploader, loadContent, sha256Hex, storeContent } from "./store";

describe("records", () => {
  it("splits text and markdown into paragraphs, deterministically", () => {
    expect(parseRecords("a\nb\n\n\n c \r\n\r\nd", "markdown").records).toEqual(["a\nb", "c", "d"]);
  });
  it("reads JSONL line by line and names the bad line", () => {
    expect(parseRecords('{"a":1}\n\n[2]\n', "jsonl").records).toEqual(['{"a":1}', "[2]"]);
    expect(() => parseRecords('{"a":1}\n{oops\n', "jsonl")).toThrow(/Line 2/);
  });
  it("reads RFC 4180 CSV with quotes and embedded newlines into one record per row", () => {
    expect(parseCsv('a,b\n"x, y","he said ""hi""\nok"\n')).toEqual([["a", "b"], ["x, y", 'he said "hi"\nok']]);
    expect(parseRecords("text,label\ncat,animal\n", "csv").records).toEqual(['{"text":"cat","label":"animal"}']);
    expect(() => parseRecords("a,b\n1\n", "csv")).toThrow(/row 2 has 1 fields/);
    expect(() => parseRecords('a\n"open', "csv")).toThrow(ContentError);
  });
  it("refuses empty content and unknown formats with a readable reason", () => {
    expect(() => parseRecords(" \n\n ", "text")).toThrow(/no records/);
    expect(() => formatOf("model.bin", "application/octet-stream")).toThrow(/\.txt, \.md, \.jsonl, \.csv or \.json/);
    expect(formatOf("x.jsonl", undefined)).toBe("jsonl");
  });
});

describe("content store (PGlite)", () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase("pglite");
  });
  afterAll(() => database.close());

  it("stores bytes under their sha-256 and storing twice is a no-op", async () => {
    const body = new TextEncoder().encode("**cat**: a feline\n\n**dog**: a canid\n");
    const a = await storeContent(database.db, { body, filename: "x.md" });
    const b = await storeContent(database.db, { body, filename: "x.md" });
    expect(a).toEqual(b);
    expect(a).toMatchObject({ hash: sha256Hex(body), records: 2, bytes: body.byteLength, format: "markdown" });
    const row = await loadContent(database.db, a.hash.toUpperCase().replace("0X", "0x"));
    expect(new Uint8Array(row!.body)).toEqual(body);
  });

  it("remembers the first uploader: the same bytes from another account keep it, bytes without one take the first", async () => {
    const body = new TextEncoder().encode("**owl**: a nocturnal bird of prey\n");
    const alice = "0x00000000000000000000000000000000000A11cE";
    const mallory = "0x000000000000000000000000000000000000BAD0";
    expect((await storeContent(database.db, { body, filename: "o.md", uploader: alice })).uploader).toBe(alice.toLowerCase());
    expect((await storeContent(database.db, { body, filename: "o.md", uploader: mallory })).uploader).toBe(alice.toLowerCase());
    expect(await firstUploader(database.db, sha256Hex(body), mallory)).toBe(alice.toLowerCase());

    const serverStored = new TextEncoder().encode('{"name":"stored by the server"}');
    expect((await storeContent(database.db, { body: serverStored, filename: "m.json" })).uploader).toBeNull();
    expect(await firstUploader(database.db, sha256Hex(serverStored), mallory)).toBe(mallory.toLowerCase());
    expect(await firstUploader(database.db, sha256Hex(serverStored), alice)).toBe(mallory.toLowerCase());
    expect(await firstUploader(database.db, sha256Hex(new TextEncoder().encode("never stored")), alice)).toBeNull();
    expect(await loadContent(database.db, sha256Hex(new TextEncoder().encode("never stored")))).toBeNull();
  });

  it("rejects non-UTF-8 bytes and empty uploads without writing anything", async () => {
    await expect(storeContent(database.db, { body: new Uint8Array([0xff, 0xfe, 0x00]), filename: "a.txt" })).rejects.toThrow(/UTF-8/);
    await expect(storeContent(database.db, { body: new Uint8Array(), filename: "a.txt" })).rejects.toThrow(/empty/);
    expect(await loadContent(database.db, sha256Hex(new Uint8Array([0xff, 0xfe, 0x00])))).toBeNull();
  });
});
