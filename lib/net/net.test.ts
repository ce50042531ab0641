import dns from "node:dns";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPublicAddress } from "./address";
import { endpointUrl, guardedFetch, OutboundError } from "./guarded-fetch";

describe("isPublicAddress", () => {
  it.each([
    "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "100.127.255.255", "0.0.0.0", "224.0.0.1", "239.255.255.250", "255.255.255.255", "198.18.0.1", "192.0.2.1",
    "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
    "::ffff:7f00:1", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1", "2001:db8::1", "not-an-ip", "",
  ])("refuses %s", (ip) => expect(isPublicAddress(ip)).toBe(false));

  it.each(["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2a00:1450:4001:81b::200e"])(
    "allows %s",
    (ip) => expect(isPublicAddress(ip)).toBe(true),
  );
});

describe("endpointUrl", () => {
  it("appends the path safely", () => {
    expect(endpointUrl("https://api.example.com/v1/", "/chat/completions").toString()).toBe("https://api.example.com/v1/chat/completions");
    expect(endpointUrl("https://api.example.com", "chat/completions").toString()).toBe("https://api.example.com/chat/completions");
  });
  it.each([
    ["http://169.254.169.254/latest/meta-data#", /fragment/],
    ["http://169.254.169.254/latest/meta-data?", /query/],
    ["http://example.com/x?a=1", /query/],
    ["http://user:pw@example.com/v1", /credentials/],
    ["ftp://example.com/v1", /http or https/],
    ["file:///etc/passwd", /http or https/],
    ["not a url", /absolute/],
  ])("refuses %s", (url, why) => {
    expect(() => endpointUrl(url, "chat/completions")).toThrow(why);
  });
});

describe("guardedFetch", () => {
  let server: http.Server;
  let port = 0;
  const hits: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits.push(req.url ?? "");
      if (req.url === "/redirect") return void res.writeHead(302, { location: "http://127.0.0.1/internal" }).end();
      if (req.url === "/big") return void res.end("x".repeat(10_000));
      if (req.url === "/slow") return void setTimeout(() => res.end("late"), 2_000);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, method: req.method }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const base = { method: "POST" as const, body: "{}", timeoutMs: 1_000, maxBytes: 1_000 };
  const refusedWith = async (p: Promise<unknown>, kind: OutboundError["kind"]) => {
    const err = await p.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(OutboundError);
    expect((err as OutboundError).kind).toBe(kind);
    // Says nothing about what is behind the address.
    expect((err as OutboundError).message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|internal/);
    expect((err as OutboundError).message).not.toContain(String(port));
  };

  it("refuses loopback and names that resolve to private addresses before sending anything", async () => {
    const before = hits.length;
    await refusedWith(guardedFetch(new URL(`http://127.0.0.1:${port}/ok`), base), "refused");
    await refusedWith(guardedFetch(new URL(`http://localhost:${port}/ok`), base), "refused");
    await refusedWith(guardedFetch(new URL(`http://[::ffff:127.0.0.1]:${port}/ok`), base), "refused");
    // A resolver that answers a private address (DNS rebinding): refused at connect time.
    const rebinding = ((host: string, opts: dns.LookupOptions, cb: (e: null, a: dns.LookupAddress[]) => void) =>
      cb(null, [{ address: "127.0.0.1", family: 4 }])) as unknown as typeof dns.lookup;
    await refusedWith(guardedFetch(new URL(`http://public.example:${port}/ok`), { ...base, lookup: rebinding }), "refused");
    const metadata = ((host: string, opts: dns.LookupOptions, cb: (e: null, a: dns.LookupAddress[]) => void) =>
      cb(null, [{ address: "93.184.216.34", family: 4 }, { address: "169.254.169.254", family: 4 }])) as unknown as typeof dns.lookup;
    await refusedWith(guardedFetch(new URL(`http://mixed.example:${port}/ok`), { ...base, lookup: metadata }), "refused");
    expect(hits.length).toBe(before);
  });

  it("reaches an explicitly allowed host:port, and only that one", async () => {
    const allowHosts = [`127.0.0.1:${port}`];
    const res = await guardedFetch(new URL(`http://127.0.0.1:${port}/ok`), { ...base, allowHosts });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ ok: true, method: "POST" });
    await refusedWith(guardedFetch(new URL(`http://127.0.0.1:${port + 1}/ok`), { ...base, allowHosts }), "refused");
  });

  it("refuses redirects, caps the answer's size and the call's time", async () => {
    const allowHosts = [`127.0.0.1:${port}`];
    await refusedWith(guardedFetch(new URL(`http://127.0.0.1:${port}/redirect`), { ...base, allowHosts }), "refused");
    await refusedWith(guardedFetch(new URL(`http://127.0.0.1:${port}/big`), { ...base, allowHosts }), "too_large");
    await refusedWith(guardedFetch(new URL(`http://127.0.0.1:${port}/slow`), { ...base, allowHosts, timeoutMs: 200 }), "timeout");
    expect(hits.filter((h) => h === "/internal")).toEqual([]);
  });
});

describe("external model builds", () => {
  it("refuse endpoint URLs that could swallow the appended path or carry credentials", async () => {
    const { buildRequestSchema } = await import("@/lib/factory/spec");
    const build = (baseUrl: string) =>
      buildRequestSchema.safeParse({ kind: "external", name: "Hosted", datanets: [{ id: 1, version: 1 }], parameters: { baseUrl, model: "m" } });
    for (const [url, why] of [
      ["http://169.254.169.254/latest/meta-data#", /fragment/],
      ["http://169.254.169.254/latest/meta-data?", /query/],
      ["http://admin:pw@api.example.com/v1", /credentials/],
    ] as const) {
      const r = build(url);
      expect(r.success).toBe(false);
      expect(r.error?.issues.map((i) => i.message).join(" ")).toMatch(why);
    }
    expect(build("https://api.example.com/v1").success).toBe(true);
  });
});
