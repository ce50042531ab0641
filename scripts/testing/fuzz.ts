/**
 * Hostile requests at scale: every route and method of `/api/openapi.json` with generated path segments,
 * query strings, headers (x402, SIWE cookie, forwarded headers, content types) and bodies (random JSON,
 * invalid JSON, oversized, deeply nested). Seeded (fast-check), so a failure names a reproducible request.
 */
import fc from "fast-check";

export interface FuzzOperation {
  method: "GET" | "POST" | "DELETE";
  path: string;
  pathParams: string[];
  queryParams: string[];
  hasBody: boolean;
  openai: boolean;
}

export interface FuzzRequest {
  op: FuzzOperation;
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

interface OpenApi {
  paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: unknown }>>;
}

export function operationsOf(doc: OpenApi): FuzzOperation[] {
  const ops: FuzzOperation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters ?? [];
      ops.push({
        method: method.toUpperCase() as FuzzOperation["method"],
        path,
        pathParams: params.filter((p) => p.in === "path").map((p) => p.name),
        queryParams: params.filter((p) => p.in === "query").map((p) => p.name),
        hasBody: Boolean(op.requestBody),
        openai: path.startsWith("/v1/"),
      });
    }
  }
  return ops;
}

// Values for path segments and query strings: plausible, boundary, hostile. Encoded ones are sent as is.
const raw = fc.constantFrom("%", "%FF", "%E0%A4%A", "%00", "%2F", "%2e%2e", "%C3", "%%", "%zz");
const plausible = fc.oneof(
  fc.nat({ max: 50 }).map(String),
  fc.constantFrom("0", "-1", "1.5", "1e3", "99999999999999999999999", "9007199254740993", "NaN", "null", "true", "[]", "{}"),
  fc.constantFrom("0x" + "ab".repeat(32), "0x" + "00".repeat(20), "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "0xZZ", "0x"),
  fc.constantFrom("hour", "day", "week", "newest", "used", "cheapest", "infinigram", "knn", "external"),
);
const hostile = fc.oneof(
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.string({ unit: "grapheme", maxLength: 20 }).map(encodeURIComponent),
  fc.constantFrom("a".repeat(5_000), "<script>alert(1)</script>", "' OR 1=1 --", "${jndi:ldap://x}", "🦊".repeat(50)).map(encodeURIComponent),
  raw,
);
const value = fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 2, arbitrary: hostile });

const base64Json = fc.jsonValue({ maxDepth: 3 }).map((j) => Buffer.from(JSON.stringify(j)).toString("base64"));
const headerArb = fc.record(
  {
    "payment-signature": fc.oneof(base64Json, fc.string({ maxLength: 200 }), fc.constantFrom("x".repeat(60_000), "e30=", "bnVsbA==")),
    "x-payment": base64Json,
    cookie: fc.oneof(fc.constantFrom("ledgerline_session=junk", "ledgerline_session=" + "a".repeat(4_000)), fc.string({ maxLength: 80 }).map((s) => `ledgerline_session=${encodeURIComponent(s)}`)),
    "x-forwarded-for": fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 60 })),
    "x-real-ip": fc.ipV4(),
    "content-type": fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "garbage"),
    accept: fc.constantFrom("text/event-stream", "application/json", "*/*"),
    authorization: fc.constantFrom("Bearer junk", "Basic Zm9vOmJhcg==", "Bearer " + "x".repeat(2_000)),
  },
  { requiredKeys: [] },
);

const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const bodyArb = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((j) => JSON.stringify(j)) },
  {
    weight: 4,
    arbitrary: fc
      .dictionary(fc.constantFrom("prompt", "params", "payment", "model", "messages", "max_tokens", "stream", "kind", "datanets", "builder", "message", "signature", "seed", "temperature"), fc.jsonValue({ maxDepth: 3 }))
      .map((o) => JSON.stringify(o)),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom(nested(5_000), `{"a":${nested(100_000)}}`, JSON.stringify({ prompt: "x".repeat(300_000) }), "{", "\u0000", "") },
);

export function requestArbitrary(ops: FuzzOperation[], baseUrls: string[]): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      op: fc.constantFrom(...ops),
      base: fc.constantFrom(...baseUrls),
      pathValues: fc.array(value, { minLength: 4, maxLength: 4 }),
      query: fc.array(fc.tuple(fc.oneof(fc.constantFrom("limit", "cursor", "q", "sort", "tag", "bucket", "from", "to", "types", "kind", "datanet", "version", "filename"), fc.string({ maxLength: 8 })), value), { maxLength: 4 }),
      useKnownQuery: fc.boolean(),
      headers: headerArb,
      body: fc.option(bodyArb, { freq: 5 }),
    })
    .map(({ op, base, pathValues, query, headers, body }) => {
      let i = 0;
      const path = op.path.replace(/\{[^}]+\}/g, () => pathValues[i++ % pathValues.length]);
      const qs = query.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join("&");
      return {
        op,
        url: `${base}${path}${qs ? `?${qs}` : ""}`,
        method: op.method,
        headers,
        body: op.method === "GET" || op.method === "DELETE" ? undefined : (body ?? undefined),
      };
    });
}

export interface FuzzResult {
  request: FuzzRequest;
  status: number;
  problem?: string;
}

/** Sends one request and checks what came back: no 5xx, and every 4xx explains itself. */
export async function sendAndCheck(req: FuzzRequest, timeoutMs = 30_000): Promise<FuzzResult> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal: abort.signal, redirect: "manual" });
    const type = res.headers.get("content-type") ?? "";
    if (res.status < 400) {
      // Streams (SSE) never end by themselves: the status is all we need.
      if (type.includes("text/event-stream")) abort.abort();
      else await res.arrayBuffer().catch(() => {});
      return { request: req, status: res.status };
    }
    const text = await res.text();
    if (res.status >= 500) return { request: req, status: res.status, problem: `server error: ${text.slice(0, 300)}` };
    let message: unknown;
    try {
      const json = JSON.parse(text) as { error?: unknown };
      message = req.op.openai ? (json.error as { message?: unknown } | undefined)?.message : json.error;
    } catch {
      return { request: req, status: res.status, problem: `a ${res.status} whose body is not JSON: ${text.slice(0, 200)}` };
    }
    if (typeof message !== "string" || message.trim().length < 8) return { request: req, status: res.status, problem: `a ${res.status} without a readable error: ${text.slice(0, 200)}` };
    return { request: req, status: res.status };
  } catch (err) {
    if (abort.signal.aborted) return { request: req, status: 0, problem: `no answer within ${timeoutMs} ms` };
    return { request: req, status: 0, problem: `connection failed: ${(err as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `requests` with bounded concurrency; `onProgress` after each. */
export async function runAll(requests: FuzzRequest[], concurrency: number, onProgress?: (done: number) => void): Promise<FuzzResult[]> {
  const results: FuzzResult[] = new Array(requests.length);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const i = next++;
        results[i] = await sendAndCheck(requests[i]);
        onProgress?.(++done);
      }
    }),
  );
  return results;
}
