/**
 * Sign-In with Ethereum end to end minus the HTTP server: the route handlers are called directly against
 * a real database (PGlite; Postgres too with TEST_DATABASE_URL) and a real anvil that verifies signatures.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { count, eq } from "drizzle-orm";
import type { LocalAccount } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as nonceRoute from "@/app/api/auth/nonce/route";
import * as sessionRoute from "@/app/api/auth/session/route";
import * as contentRoute from "@/app/api/content/route";
import { setDatabaseForTests, type Database } from "@/db/client";
import * as t from "@/db/schema";
import { openTestDatabase, testDatabaseKinds } from "@/db/testing";
import { signInMessage } from "@/lib/auth/client";
import { decodeSession, encodeSession, SESSION_COOKIE, sessionSecret } from "@/lib/auth/session";
import { issueNonce } from "@/lib/auth/siwe";
import { ANVIL_CHAIN_ID, devAccount, startAnvil, type Anvil } from "@/lib/chain/anvil";
import { CONTRACTS_VERSION } from "@/lib/chain/deploy";

const ORIGIN = "http://ledgerline.test:3000";
const ctx = { params: Promise.resolve({}) };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(handler: (r: Request, c: typeof ctx) => Promise<Response>, url: string, init: RequestInit = {}) {
  const res = await handler(new Request(`${ORIGIN}${url}`, { ...init, headers: { host: "ledgerline.test:3000", ...(init.headers ?? {}) } }), ctx);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json, setCookie: res.headers.get("set-cookie") };
}

const nonce = async () => (await call(nonceRoute.GET, "/api/auth/nonce")).body.nonce as string;

async function signed(account: LocalAccount, over: Partial<Parameters<typeof signInMessage>[0]> = {}) {
  const message = signInMessage({ origin: ORIGIN, address: account.address, chainId: ANVIL_CHAIN_ID, nonce: over.nonce ?? (await nonce()), ...over });
  return { message, signature: await account.signMessage({ message }) };
}

const postSession = (body: unknown) =>
  call(sessionRoute.POST, "/api/auth/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

const upload = (text: string, cookie?: string) =>
  call(contentRoute.POST, "/api/content?filename=notes.md", { method: "POST", body: text, headers: cookie ? { cookie } : {} });

const cookieOf = (setCookie: string | null) => (setCookie ?? "").split(";")[0];

let anvil: Anvil;
let tmp: string;
const env = { ...process.env };

beforeAll(async () => {
  anvil = await startAnvil();
  // The configured chain: a deployment file for anvil (the addresses are not used by sign-in).
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ledgerline-auth-"));
  const a = devAccount(0).address;
  const file = path.join(tmp, "31337.json");
  fs.writeFileSync(
    file,
    JSON.stringify({
      chainId: ANVIL_CHAIN_ID,
      contractsVersion: CONTRACTS_VERSION,
      ...Object.fromEntries(["token", "datanetRegistry", "modelRegistry", "inferenceMarket", "openVotes", "timelock", "governor", "deployer"].map((k) => [k, a])),
      startBlock: 0,
    }),
  );
  process.env.DEPLOYMENT_FILE = file;
  process.env.RPC_URL = anvil.rpcUrl;
  delete process.env.SESSION_SECRET;
  delete process.env.SIWE_DOMAIN;
});

afterAll(async () => {
  process.env = env;
  await anvil?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

for (const { kind, available } of testDatabaseKinds) {
  describe.skipIf(!available)(`Sign-In with Ethereum on ${kind}`, () => {
    let database: Database;
    const alice = devAccount(2);
    const mallory = devAccount(3);
    const contents = async () => Number((await database.db.select({ n: count() }).from(t.contents))[0].n);

    beforeAll(async () => {
      database = await openTestDatabase(kind);
      setDatabaseForTests(database);
    });
    afterAll(async () => {
      setDatabaseForTests(undefined);
      await database?.close();
    });

    it("signs in with a fresh nonce, sets an httpOnly SameSite=Lax cookie and says who is signed in", async () => {
      const res = await postSession(await signed(alice));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ address: alice.address.toLowerCase(), chainId: ANVIL_CHAIN_ID });
      expect(res.setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[^;]+; Path=/; HttpOnly; SameSite=Lax; Max-Age=\\d+$`));
      const me = await call(sessionRoute.GET, "/api/auth/session", { headers: { cookie: cookieOf(res.setCookie) } });
      expect(me.body.address).toBe(alice.address.toLowerCase());
      expect((await call(sessionRoute.GET, "/api/auth/session")).body).toEqual({ address: null, chainId: null, expiresAt: null });

      // Over https the cookie is Secure.
      const https = await sessionRoute.POST(
        new Request("https://ledgerline.test:3000/api/auth/session", {
          method: "POST",
          headers: { host: "ledgerline.test:3000", "content-type": "application/json" },
          body: JSON.stringify(await signed(alice)),
        }),
        ctx,
      );
      expect(https.status).toBe(201);
      expect(https.headers.get("set-cookie")).toMatch(/; Secure$/);
    });

    it("refuses a nonce used twice, even by two requests at the same time", async () => {
      const once = await signed(alice);
      expect((await postSession(once)).status).toBe(201);
      const again = await postSession(once);
      expect(again.status).toBe(401);
      expect(again.body.error).toMatch(/already used/);

      const race = await signed(alice);
      const statuses = (await Promise.all([postSession(race), postSession(race), postSession(race)])).map((r) => r.status).sort();
      expect(statuses).toEqual([201, 401, 401]);
    });

    it("refuses a message for another site or another chain, and leaves the nonce usable", async () => {
      const n = await nonce();
      const otherSite = await signed(alice, { nonce: n, origin: "https://evil.example" });
      const wrongSite = await postSession(otherSite);
      expect(wrongSite.status).toBe(401);
      expect(wrongSite.body.error).toMatch(/evil\.example, not this site/);

      const wrongChain = await postSession(await signed(alice, { nonce: n, chainId: 1 }));
      expect(wrongChain.status).toBe(401);
      expect(wrongChain.body.error).toMatch(/chain 1.*chain 31337/);
      // Nothing was consumed by the refusals.
      expect((await postSession(await signed(alice, { nonce: n }))).status).toBe(201);
    });

    it("refuses an expired message, an expired nonce, a nonce it never issued and someone else's signature", async () => {
      const past = new Date(Date.now() - 3600_000);
      const expired = await postSession(await signed(alice, { now: past, expiresAt: new Date(Date.now() - 1000) }));
      expect(expired.status).toBe(401);
      expect(expired.body.error).toMatch(/expired/);

      const old = await issueNonce(database.db, new Date(Date.now() - 11 * 60_000));
      const stale = await postSession(await signed(alice, { nonce: old.nonce }));
      expect(stale.status).toBe(401);
      expect(stale.body.error).toMatch(/nonce expired/);

      const invented = await postSession(await signed(alice, { nonce: "abcdefgh12345678" }));
      expect(invented.status).toBe(401);

      // Mallory signs a message that claims to be Alice.
      const message = signInMessage({ origin: ORIGIN, address: alice.address, chainId: ANVIL_CHAIN_ID, nonce: await nonce() });
      const forged = await postSession({ message, signature: await mallory.signMessage({ message }) });
      expect(forged.status).toBe(401);
      expect(forged.body.error).toMatch(/does not match/);

      const garbage = await postSession({ message: "hello", signature: "0x1234" });
      expect(garbage.status).toBe(401);
      expect((await postSession({ message: "", signature: "nope" })).status).toBe(400);
    });

    it("rejects a tampered, foreign or expired cookie", async () => {
      const cookie = cookieOf((await postSession(await signed(alice))).setCookie);
      const value = cookie.slice(SESSION_COOKIE.length + 1);
      const [body, sig] = value.split(".");
      const payload = JSON.parse(Buffer.from(body, "base64url").toString());
      const asMallory = Buffer.from(JSON.stringify({ ...payload, a: mallory.address.toLowerCase() })).toString("base64url");
      const flipped = sig.slice(0, -2) + (sig.at(-2) === "A" ? "B" : "A") + sig.at(-1);
      const secret = await sessionSecret(database.db);
      const expiredCookie = encodeSession({ address: alice.address, chainId: ANVIL_CHAIN_ID, issuedAt: new Date(0), expiresAt: new Date(Date.now() - 1000) }, secret);
      const foreign = encodeSession({ address: alice.address, chainId: ANVIL_CHAIN_ID, issuedAt: new Date(), expiresAt: new Date(Date.now() + 60_000) }, "another-secret-another-secret-another");
      for (const bad of [`${asMallory}.${sig}`, `${body}.${flipped}`, expiredCookie, foreign, `${body}`, "x.y.z"]) {
        const me = await call(sessionRoute.GET, "/api/auth/session", { headers: { cookie: `${SESSION_COOKIE}=${bad}` } });
        expect(me.body.address, bad).toBeNull();
        expect((await upload("tampered", `${SESSION_COOKIE}=${bad}`)).status).toBe(401);
      }
      expect(decodeSession(value, secret)?.address).toBe(alice.address);
    });

    it("keeps the generated secret in the database, so a restarted process accepts old cookies", async () => {
      const secret = await sessionSecret(database.db);
      const [row] = await database.db.select().from(t.authSecrets).where(eq(t.authSecrets.name, "session"));
      expect(row.secret).toBe(secret);
      delete (globalThis as Record<symbol, unknown>)[Symbol.for("ledgerline.sessionSecret")]; // a new process
      expect(await sessionSecret(database.db)).toBe(secret);
      process.env.SESSION_SECRET = "s".repeat(40);
      try {
        expect(await sessionSecret(database.db)).toBe("s".repeat(40));
      } finally {
        delete process.env.SESSION_SECRET;
      }
    });

    it("refuses an upload without a session (401, nothing stored) and stores it with one (201)", async () => {
      const before = await contents();
      const anonymous = await upload(`**anonymous ${kind}**: nobody signed in.\n`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toMatchObject({ reason: "sign_in_required" });
      expect(anonymous.body.error).toMatch(/^Sign in with your wallet to upload content/);
      expect(await contents()).toBe(before);

      const cookie = cookieOf((await postSession(await signed(alice))).setCookie);
      const stored = await upload(`**signed ${kind}**: alice signed in.\n`, cookie);
      expect(stored.status).toBe(201);
      expect(stored.body).toMatchObject({ records: 1, format: "markdown" });
      expect(await contents()).toBe(before + 1);

      // Signing out clears the cookie.
      const out = await call(sessionRoute.DELETE, "/api/auth/session", { method: "DELETE", headers: { cookie } });
      expect(out.status).toBe(200);
      expect(out.setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=; .*Max-Age=0`));
    });
  });
}

describe("sign-in domain", () => {
  it("believes the Host header only on the local chain; elsewhere SIWE_DOMAIN is required", async () => {
    const { expectedDomains } = await import("./siwe");
    const request = new Request("http://evil.example/api/auth/session", { headers: { host: "evil.example" } });
    const saved = process.env.SIWE_DOMAIN;
    delete process.env.SIWE_DOMAIN;
    try {
      expect(expectedDomains(request, true)).toEqual(["evil.example"]);
      expect(() => expectedDomains(request, false)).toThrow(/must set SIWE_DOMAIN/);
      process.env.SIWE_DOMAIN = "ledgerline.example, www.ledgerline.example";
      expect(expectedDomains(request, false)).toEqual(["ledgerline.example", "www.ledgerline.example"]);
    } finally {
      if (saved === undefined) delete process.env.SIWE_DOMAIN;
      else process.env.SIWE_DOMAIN = saved;
    }
  });
});
