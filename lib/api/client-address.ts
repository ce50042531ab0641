/**
 * Who is calling, for rate limits: the address of the socket, unless it is a proxy the operator trusts
 * (`TRUST_PROXY`: addresses or CIDRs), in which case the right-most address in `X-Forwarded-For` that is
 * not itself a trusted proxy; keyed by `limitKey` (lib/net/address.ts: an IPv6 caller by its /64). A client
 * cannot pick its own key by sending `X-Forwarded-For`: without a trusted proxy in front the header is ignored.
 *
 * The socket address reaches route handlers in `PEER_HEADER`, which Ledgerline's web server sets on every
 * request (overwriting anything a client sent). Without it (e.g. `next dev`), every caller shares one key.
 */
import { inRanges, limitKey } from "@/lib/net/address";

export const PEER_HEADER = "x-ledgerline-peer";
const UNKNOWN = "unknown-peer";

export function clientAddress(request: Request, trustProxy: readonly string[]): string {
  const peer = request.headers.get(PEER_HEADER)?.trim();
  if (!peer) return UNKNOWN;
  if (!trustProxy.length || !inRanges(peer, trustProxy)) return normalise(peer);
  const hops = (request.headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) if (!inRanges(hops[i], trustProxy)) return normalise(hops[i]);
  return normalise(hops[0] ?? peer);
}

/** IPv4-mapped IPv6 ("::ffff:1.2.3.4") and its IPv4 form are one caller; an IPv6 caller is its /64. */
const normalise = limitKey;
