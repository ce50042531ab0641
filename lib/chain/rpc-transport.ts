/**
 * The server's JSON-RPC transport: viem's `http` transport with its fetch done by `node:http(s)` on a keep-alive
 * agent instead of the global (undici) fetch.
 *
 * A paid call reads the chain head at least once (lib/inference/model-pricing.ts), and under load the booker and the
 * indexer call too. Through undici's fetch (WHATWG Request, Headers and body streams) one such call costs the web
 * server several times the CPU it costs through `node:http` (`npm run bench -- rpc`; figures in the README).
 * Everything else stays viem's: JSON-RPC encoding, batching, retries, the timeout and every error class
 * (`rpc-transport.test.ts` sends the same calls and failures through both).
 *
 * The response is handed to viem without a body stream (`body: null`, so viem reads `text()`), and is capped at
 * viem's own default body size while it arrives, so an endpoint cannot make the server buffer without bound.
 */
import http from "node:http";
import https from "node:https";
import { http as viemHttp, type HttpTransport, type HttpTransportConfig } from "viem";

/** viem's default `maxResponseBodySize` (utils/rpc/http.ts). */
const MAX_BODY_BYTES = 10_485_760;

const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) };

class SmallHeaders {
  constructor(private readonly raw: http.IncomingHttpHeaders) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  forEach(fn: (value: string, key: string) => void): void {
    for (const [k, v] of Object.entries(this.raw)) if (v !== undefined) fn(Array.isArray(v) ? v.join(", ") : v, k);
  }
}

/** The part of `fetch` viem's http transport uses, over `node:http(s)`. */
export function nodeFetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
  const url = typeof input === "string" ? new URL(input) : input;
  const lib = url.protocol === "https:" ? https : http;
  const agent = url.protocol === "https:" ? agents.https : agents.http;
  const body = typeof init.body === "string" ? init.body : "";
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, key) => (headers[key] = value));
  headers["content-length"] = String(Buffer.byteLength(body));
  const signal = init.signal ?? undefined;
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const req = lib.request(url, { method: init.method ?? "POST", headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(new Error(`The JSON-RPC response is larger than ${MAX_BODY_BYTES} bytes.`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("error", reject);
      res.on("end", () => {
        signal?.removeEventListener("abort", onAbort);
        const text = Buffer.concat(chunks).toString("utf8");
        const status = res.statusCode ?? 0;
        resolve({
          ok: status >= 200 && status < 300,
          status,
          statusText: res.statusMessage ?? "",
          headers: new SmallHeaders(res.headers),
          body: null,
          text: async () => text,
          json: async () => JSON.parse(text),
        } as unknown as Response);
      });
    });
    const onAbort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new Error("The JSON-RPC request was aborted."));
    signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", (err) => {
      signal?.removeEventListener("abort", onAbort);
      reject(err);
    });
    req.end(body);
  });
}

/** viem's http transport for `url`, fetching through {@link nodeFetch}. */
export function rpcTransport(url: string, config: HttpTransportConfig = {}): HttpTransport {
  return viemHttp(url, { ...config, fetchFn: nodeFetch as typeof fetch });
}
