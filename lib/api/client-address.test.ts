import { describe, expect, it } from "vitest";
import { inRanges } from "@/lib/net/address";
import { clientAddress, PEER_HEADER } from "./client-address";

const req = (headers: Record<string, string>) => new Request("http://x/", { headers });

describe("client address for rate limits", () => {
  it("ignores X-Forwarded-For unless the socket is a trusted proxy (a client cannot pick its own key)", () => {
    for (let i = 0; i < 1_000; i++) {
      expect(clientAddress(req({ [PEER_HEADER]: "198.51.100.7", "x-forwarded-for": `10.0.${i >> 8}.${i & 255}` }), [])).toBe("198.51.100.7");
    }
    expect(clientAddress(req({ [PEER_HEADER]: "198.51.100.7", "x-forwarded-for": "1.2.3.4" }), ["10.0.0.0/8"])).toBe("198.51.100.7");
  });

  it("behind trusted proxies, takes the right-most untrusted hop", () => {
    const trust = ["10.0.0.0/8", "::1"];
    expect(clientAddress(req({ [PEER_HEADER]: "10.0.0.2", "x-forwarded-for": "6.6.6.6, 203.0.113.9, 10.0.0.5" }), trust)).toBe("203.0.113.9");
    expect(clientAddress(req({ [PEER_HEADER]: "::ffff:10.0.0.2", "x-forwarded-for": "203.0.113.9" }), trust)).toBe("203.0.113.9");
    expect(clientAddress(req({ [PEER_HEADER]: "::1", "x-forwarded-for": "::ffff:203.0.113.9" }), trust)).toBe("203.0.113.9");
  });

  it("an IPv6 caller is its /64: rotating through the addresses of one subscriber's block keeps one key", () => {
    const keys = new Set<string>();
    for (let i = 0; i < 1_000; i++) keys.add(clientAddress(req({ [PEER_HEADER]: `2001:db8:a:b:${((i * 7919) & 0xffff).toString(16)}::${i.toString(16)}` }), []));
    expect([...keys]).toEqual(["2001:db8:a:b::/64"]);
    expect(clientAddress(req({ [PEER_HEADER]: "2001:db8:a:c::1" }), [])).toBe("2001:db8:a:c::/64");
    expect(clientAddress(req({ [PEER_HEADER]: "[2001:DB8:0:0:1::9]" }), [])).toBe("2001:db8:0:0::/64");
    // Behind a trusted proxy the forwarded hop is keyed the same way; IPv4 and IPv4-mapped stay one caller.
    expect(clientAddress(req({ [PEER_HEADER]: "10.0.0.2", "x-forwarded-for": "2001:db8:a:b:ffff::1" }), ["10.0.0.0/8"])).toBe("2001:db8:a:b::/64");
    expect(clientAddress(req({ [PEER_HEADER]: "::ffff:198.51.100.7" }), [])).toBe("198.51.100.7");
  });

  it("without the server's peer header every caller shares one key", () => {
    expect(clientAddress(req({ "x-forwarded-for": "1.2.3.4" }), ["0.0.0.0/0"])).toBe("unknown-peer");
  });

  it("matches CIDRs in both families", () => {
    expect(inRanges("172.20.1.1", ["172.16.0.0/12"])).toBe(true);
    expect(inRanges("172.32.1.1", ["172.16.0.0/12"])).toBe(false);
    expect(inRanges("2001:db8::5", ["2001:db8::/32"])).toBe(true);
    expect(inRanges("::ffff:192.168.1.1", ["192.168.0.0/16"])).toBe(true);
    expect(inRanges("1.2.3.4", ["garbage", "1.2.3.4/40"])).toBe(false);
  });
});
