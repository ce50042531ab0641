/**
 * Which IP addresses an outbound call made on a stranger's behalf may reach: public unicast only. Loopback,
 * private, link-local (cloud metadata at 169.254.169.254), CGNAT, multicast, reserved and documentation
 * ranges are refused, in IPv4 and IPv6, including IPv4 embedded in IPv6 (::ffff:a.b.c.d, NAT64, 6to4).
 */
import net from "node:net";

type Range = readonly [base: bigint, prefix: number];

const v4 = (s: string): bigint => s.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);

function v6(s: string): bigint {
  // Expand "::" and an embedded dotted quad, then read eight 16-bit groups.
  let text = s.toLowerCase().split("%")[0];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = v4(dotted[1]);
    text = text.slice(0, -dotted[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, null];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === null ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || "0", 16)), 0n);
}

const V4_BLOCKED: Range[] = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // CGNAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
].map(([b, p]) => [v4(b as string), p as number] as const);

const V6_BLOCKED: Range[] = [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["100::", 64], // discard
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local (incl. fd00:ec2::254, AWS metadata over IPv6)
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
].map(([b, p]) => [v6(b as string), p as number] as const);

const inRange = (addr: bigint, bits: number, [base, prefix]: Range) => addr >> BigInt(bits - prefix) === base >> BigInt(bits - prefix);

/** The IPv4 address an IPv6 address carries, when it is one of the forms that reach IPv4 hosts. */
function embeddedV4(addr: bigint): bigint | null {
  if (addr >> 32n === 0xffffn) return addr & 0xffffffffn; // ::ffff:a.b.c.d (IPv4-mapped)
  if (addr >> 32n === 0n) return addr & 0xffffffffn; // ::a.b.c.d (IPv4-compatible, deprecated)
  if (addr >> 32n === v6("64:ff9b::") >> 32n) return addr & 0xffffffffn; // NAT64
  if (addr >> 112n === 0x2002n) return (addr >> 80n) & 0xffffffffn; // 6to4
  return null;
}

/** An IPv4 or IPv6 literal as (family, 32/128-bit number); IPv4-mapped IPv6 counts as IPv4. Null if unparsable. */
function parse(ip: string): { bits: 32 | 128; value: bigint } | null {
  const bare = ip.trim().replace(/^\[|\]$/g, "").split("%")[0];
  const family = net.isIP(bare);
  if (family === 4) return { bits: 32, value: v4(bare) };
  if (family === 6) {
    const value = v6(bare);
    return value >> 32n === 0xffffn ? { bits: 32, value: value & 0xffffffffn } : { bits: 128, value };
  }
  return null;
}

/**
 * The key a rate limit counts `ip` under: an IPv4 address as itself (IPv4-mapped IPv6 included), an IPv6 address as
 * its /64, the block one subscriber is usually given, so a caller cannot rotate through its 2^64 addresses to get
 * a fresh budget each time. Anything unparsable is its own lowercased text.
 */
export function limitKey(ip: string): string {
  const a = parse(ip);
  if (!a) return ip.trim().toLowerCase();
  if (a.bits === 32) return [24n, 16n, 8n, 0n].map((s) => (a.value >> s) & 0xffn).join(".");
  const groups = [48n, 32n, 16n, 0n].map((s) => ((a.value >> 64n >> s) & 0xffffn).toString(16));
  return `${groups.join(":")}::/64`;
}

/**
 * Whether `ip` falls in one of `ranges` ("203.0.113.0/24", "10.0.0.1", "2001:db8::/32", "::1"). Invalid
 * entries match nothing.
 */
export function inRanges(ip: string, ranges: readonly string[]): boolean {
  const a = parse(ip);
  if (!a) return false;
  return ranges.some((r) => {
    const [base, len] = r.split("/");
    const b = parse(base);
    if (!b || b.bits !== a.bits) return false;
    const prefix = len === undefined ? b.bits : Number(len) - (b.bits === 32 && net.isIP(base) === 6 ? 96 : 0);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > b.bits) return false;
    return inRange(a.value, a.bits, [b.value, prefix]);
  });
}

/** True when `ip` (an IPv4 or IPv6 literal) is a public unicast address. Anything unparsable is not. */
export function isPublicAddress(ip: string): boolean {
  const family = net.isIP(ip.split("%")[0]);
  if (family === 4) {
    const a = v4(ip);
    return !V4_BLOCKED.some((r) => inRange(a, 32, r));
  }
  if (family === 6) {
    const a = v6(ip);
    if (V6_BLOCKED.some((r) => inRange(a, 128, r))) return false;
    const inner = embeddedV4(a);
    if (inner !== null) return !V4_BLOCKED.some((r) => inRange(inner, 32, r));
    return true;
  }
  return false;
}
