/**
 * The paid-inference routes served straight by their route handlers, without Next's per-request machinery.
 *
 * A paid call is two POSTs (the 402 probe, then the paid request) whose handler work is a few milliseconds; Next's
 * router, its request proxies and three nested AsyncLocalStorage scopes around each handler cost a large share of
 * the web server's CPU per call. These POSTs call the same compiled handlers Next itself loads (the route modules
 * in .next/server, required from the same files, so the same module instances; process state lives in
 * lib/singleton.ts either way), with the request Next would build: the same absolute URL (NextRequest, Next's
 * host normalisation), headers, streamed body and an abort signal when the client goes away. Everything else
 * (GET quotes, OPTIONS, other paths, malformed ids) goes to Next as before. LEDGERLINE_DIRECT_ROUTES=off sends
 * these through Next too.
 *
 * What Next would add and this does not: gzip of the JSON answer (a few hundred bytes to 2 KB) and its `Vary`/
 * `x-powered-by` headers.
 */
import { createRequire } from "node:module";
import path from "node:path";

/** Only plain decimal ids: anything else (0-padded, encoded, too long) is Next's to answer (404/400 as before). */
const ROUTES = [
  { pattern: /^\/api\/models\/([1-9][0-9]{0,8})\/inference$/, file: "app/api/models/[id]/inference/route.js", params: (m) => ({ id: m[1] }) },
  { pattern: /^\/v1\/chat\/completions$/, file: "app/v1/chat/completions/route.js", params: () => ({}) },
];

/** Request headers as Next passes them to a handler (repeated headers appended). */
function headersOf(req) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.append(name, value);
  }
  return headers;
}

/**
 * The request body as a web stream, read as the handler pulls. Cancelling it (a body over the handler's cap) pauses
 * the socket until the answer is written; send() then discards the rest (see there).
 */
export function bodyOf(req) {
  let done = false;
  return new ReadableStream(
    {
      start(c) {
        req.on("data", (chunk) => {
          if (done) return;
          c.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if (c.desiredSize <= 0) req.pause();
        });
        req.once("end", () => {
          if (!done) c.close();
          done = true;
        });
        req.once("close", () => {
          if (!done) c.error(new Error("the client closed the connection before sending the whole body"));
          done = true;
        });
      },
      pull() {
        req.resume();
      },
      cancel() {
        done = true;
        req.pause();
      },
    },
    { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
  );
}

/** Until the response drains or closes; both listeners go once either fires (a long stream waits many times). */
function writable(res) {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
  });
}

/** Writes a handler's Response to the Node response: JSON whole with its length, a stream (SSE) chunk by chunk. */
export async function send(response, req, res) {
  res.statusCode = response.status;
  // Answered before the whole body was read (413, or an answer that never needed it): the rest is read and dropped, as
  // Node does for bodies nobody reads, so the connection carries the next request. Closing it instead would reset a
  // client still sending (unread bytes make the kernel send RST), and the client could lose the answer itself.
  if (!req.complete) {
    req.removeAllListeners("data");
    req.resume();
  }
  for (const [name, value] of response.headers) if (name !== "set-cookie") res.setHeader(name, value);
  const cookies = response.headers.getSetCookie();
  if (cookies.length) res.setHeader("set-cookie", cookies);
  if (!response.body) return void res.end();
  if (!(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    const body = Buffer.from(await response.arrayBuffer());
    res.setHeader("content-length", body.length);
    return void res.end(body);
  }
  // A stream (SSE): each chunk goes out as it is produced; a client that leaves cancels the producer.
  res.flushHeaders();
  const reader = response.body.getReader();
  res.once("close", () => {
    if (!res.writableFinished) reader.cancel().catch(() => {});
  });
  for (;;) {
    const { done, value } = await reader.read();
    if (done || res.destroyed) break;
    if (!res.write(value)) await writable(res);
  }
  res.end();
}

function failed(res, pathname) {
  if (res.headersSent) return void res.destroy();
  const message = "Something went wrong on our side. Try again; if it persists, report it.";
  const body = JSON.stringify(pathname.startsWith("/v1/") ? { error: { message, type: "server_error", code: "internal", param: null } } : { error: message, reason: "internal" });
  res.writeHead(500, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Loads the routes' handlers from a production build; returns `serve(req, res)`, true when it took the request.
 * Call after Next's `prepare()`, so the build's runtime is set up as Next expects.
 */
export async function directRoutes({ dir, hostname, port }) {
  const require = createRequire(path.join(dir, "package.json"));
  // Required only now: next/server needs the environment Next's prepare() sets up (AsyncLocalStorage on globalThis).
  const { NextRequest } = require("next/server.js");
  const routes = [];
  for (const route of ROUTES) {
    const mod = require(path.join(dir, ".next", "server", route.file));
    await mod.routeModule.ensureUserland();
    const POST = mod.routeModule.userland.POST;
    if (typeof POST !== "function") throw new Error(`${route.file} exports no POST handler`);
    routes.push({ ...route, POST });
  }
  // Next's request URL: its own host and port, the protocol from X-Forwarded-Proto (next-server's initURL).
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;

  return function serve(req, res) {
    if (req.method !== "POST") return false;
    const q = req.url.indexOf("?");
    const pathname = q === -1 ? req.url : req.url.slice(0, q);
    let match = null;
    let route;
    for (route of routes) if ((match = route.pattern.exec(pathname))) break;
    if (!match) return false;

    const protocol = req.headers["x-forwarded-proto"]?.includes("https") ? "https" : "http";
    const gone = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) gone.abort();
    });
    void (async () => {
      try {
        const request = new NextRequest(`${protocol}://${host}:${port}${req.url}`, { method: "POST", headers: headersOf(req), body: bodyOf(req), duplex: "half", signal: gone.signal });
        const response = await route.POST(request, { params: Promise.resolve(route.params(match)) });
        await send(response, req, res);
      } catch (err) {
        console.error(`[direct-routes] POST ${pathname}: ${err instanceof Error ? err.stack : String(err)}`);
        failed(res, pathname);
      }
    })();
    return true;
  };
}
