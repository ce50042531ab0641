/**
 * Outbound HTTP on a stranger's behalf (a builder's "external model" endpoint), safe against SSRF:
 * - the URL is parsed and normalised (http/https only, no credentials, no query or fragment that could
 *   swallow the path we append);
 * - the host is resolved inside the socket's `lookup` hook and EVERY address is checked, so the address
 *   checked is the address connected to (no DNS-rebinding window); IP literals are checked up front;
 * - redirects are refused, not followed; the response is capped in bytes and the call in time;
 * - errors say what failed in general terms, never what an internal host answered.
 * Hosts the operator opts into (`EXTERNAL_MODEL_ALLOW_HOSTS`, "host:port" entries, for local development
 * and tests) skip the address check, and only those exact host:port pairs.
 */
import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { isPublicAddress } from "./address";

export class OutboundError extends Error {
  override readonly name = "OutboundError";
  constructor(
    message: string,
    /** refused: the URL or address is not allowed (nothing was sent); failed: the call itself failed. */
    readonly kind: "refused" | "failed" | "timeout" | "too_large",
  ) {
    super(message);
  }
}

export interface GuardOptions {
  /** "host:port" pairs allowed even though they are not public (lower-case host, explicit port). */
  allowHosts?: readonly string[];
}

export interface GuardedRequest extends GuardOptions {
  method: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBytes: number;
  /** DNS lookup to use (tests inject one to play a rebinding resolver). */
  lookup?: typeof dns.lookup;
}

export interface GuardedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const defaultPort = (u: URL) => u.port || (u.protocol === "https:" ? "443" : "80");
/** IPv6 literals come bracketed in URLs. */
const bareHost = (u: URL) => u.hostname.replace(/^\[|\]$/g, "").toLowerCase();

/** Is this URL's host:port one the operator explicitly allowed? */
export function isAllowedHost(u: URL, allowHosts: readonly string[] = []): boolean {
  const key = `${bareHost(u)}:${defaultPort(u)}`;
  return allowHosts.some((h) => h.toLowerCase() === key);
}

/**
 * A builder's base URL as a safe endpoint URL: `base` + `/suffix`, refusing what a URL can hide.
 * Throws OutboundError("refused") with a message a builder understands.
 */
export function endpointUrl(base: string, suffix: string): URL {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw new OutboundError("The endpoint must be an absolute http(s) URL.", "refused");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new OutboundError("The endpoint must use http or https.", "refused");
  if (u.username || u.password) throw new OutboundError("The endpoint URL must not contain credentials; give an API key instead.", "refused");
  if (u.search || u.hash || /[?#]/.test(base)) throw new OutboundError("The endpoint URL must not contain a query (?) or a fragment (#).", "refused");
  if (!u.hostname) throw new OutboundError("The endpoint URL names no host.", "refused");
  u.pathname = `${u.pathname.replace(/\/+$/, "")}/${suffix.replace(/^\/+/, "")}`;
  return u;
}

/** Refuses a URL whose host is an IP literal that is not public (names are checked at connect time). */
export function checkLiteralHost(u: URL, opts: GuardOptions = {}): void {
  if (isAllowedHost(u, opts.allowHosts)) return;
  const host = bareHost(u);
  if (net.isIP(host) && !isPublicAddress(host)) throw new OutboundError("The endpoint's address is not a public internet address.", "refused");
  if (host === "localhost" || host.endsWith(".localhost")) throw new OutboundError("The endpoint's address is not a public internet address.", "refused");
}

/** A `lookup` that resolves as usual and refuses the connection if any address is not public. */
function guardedLookup(base: typeof dns.lookup): net.LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const list = addresses as unknown as dns.LookupAddress[];
      if (list.length === 0 || list.some((a) => !isPublicAddress(a.address))) {
        return callback(Object.assign(new Error("refused: not a public address"), { code: "ELEDGERLINE_REFUSED" }), "", 0);
      }
      if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

/** One request with every guard on. Never follows redirects. */
export async function guardedFetch(url: URL, req: GuardedRequest): Promise<GuardedResponse> {
  checkLiteralHost(url, req);
  const allowed = isAllowedHost(url, req.allowHosts);
  const lookup = allowed ? undefined : guardedLookup(req.lookup ?? dns.lookup);
  const client = url.protocol === "https:" ? https : http;
  return new Promise<GuardedResponse>((resolve, reject) => {
    let settled = false;
    const finish = (err: OutboundError | null, res?: GuardedResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(res!);
    };
    const request = client.request(
      url,
      {
        method: req.method,
        headers: { ...(req.headers ?? {}), ...(req.body !== undefined ? { "content-length": String(Buffer.byteLength(req.body)) } : {}) },
        lookup,
        // One connection per call: a pooled socket could outlive the check that opened it.
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          res.resume();
          request.destroy();
          return finish(new OutboundError(`The endpoint answered with a redirect (HTTP ${status}); redirects are not followed.`, "refused"));
        }
        const declared = Number(res.headers["content-length"] ?? NaN);
        if (Number.isFinite(declared) && declared > req.maxBytes) {
          request.destroy();
          return finish(new OutboundError(`The endpoint's answer is larger than ${req.maxBytes} bytes.`, "too_large"));
        }
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > req.maxBytes) {
            request.destroy();
            return finish(new OutboundError(`The endpoint's answer is larger than ${req.maxBytes} bytes.`, "too_large"));
          }
          chunks.push(chunk);
        });
        res.on("end", () => finish(null, { status, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", () => finish(new OutboundError("The endpoint's answer was cut off.", "failed")));
      },
    );
    const timer = setTimeout(() => {
      request.destroy();
      finish(new OutboundError(`The endpoint did not answer within ${Math.round(req.timeoutMs / 100) / 10} s.`, "timeout"));
    }, req.timeoutMs);
    request.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ELEDGERLINE_REFUSED") finish(new OutboundError("The endpoint's address is not a public internet address.", "refused"));
      else finish(new OutboundError("The endpoint could not be reached.", "failed"));
    });
    if (req.body !== undefined) request.write(req.body);
    request.end();
  });
}
