/**
 * Ledgerline's web server: Next's request handler (the production build in .next) behind a plain node:http
 * server that stamps every request with the socket's address in `x-ledgerline-peer`, overwriting whatever a
 * client sent. That is the one fact about a caller a client cannot forge; rate limits start from it
 * (lib/api/client-address.ts; X-Forwarded-For counts only from proxies in TRUST_PROXY). Before Next, it refuses
 * undecodable paths and hands the paid-inference POSTs straight to their handlers (./direct-routes.mjs).
 *
 *   node scripts/web-server.mjs --port 3000 --hostname 127.0.0.1 [--dir .]
 */
import http from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";
import next from "next";
import { directRoutes } from "./direct-routes.mjs";

const PEER_HEADER = "x-ledgerline-peer";

const { values } = parseArgs({
  options: { port: { type: "string", default: process.env.PORT ?? "3000" }, hostname: { type: "string", default: "127.0.0.1" }, dir: { type: "string", default: "." } },
});
const port = Number(values.port);
const hostname = values.hostname;

const app = next({ dev: false, dir: path.resolve(values.dir), hostname, port });
const handle = app.getRequestHandler();
await app.prepare();
// The paid-inference POSTs skip Next's per-request machinery (scripts/direct-routes.mjs).
let direct = null;
if (process.env.LEDGERLINE_DIRECT_ROUTES !== "off") {
  try {
    direct = await directRoutes({ dir: path.resolve(values.dir), hostname, port });
  } catch (err) {
    console.error(`web server: the paid-inference routes could not be loaded from the build (${err.message}). Rebuild (npm start builds when sources change), or set LEDGERLINE_DIRECT_ROUTES=off to serve them through Next.`);
    process.exit(1);
  }
}

/**
 * A path whose percent-encoding cannot be decoded (`/api/inferences/%`, `/datanets/%E0%A4%A`) is refused before
 * routing: Next would throw a URIError while decoding the dynamic segment and answer 500. API paths get the API's
 * error body (OpenAI's under /v1/); pages a short plain-text message.
 */
function refuseMalformedPath(req, res) {
  const raw = req.url.split(/[?#]/)[0];
  try {
    for (const segment of raw.split("/")) decodeURIComponent(segment);
    return false;
  } catch {
    const message = "The address is malformed: it contains a % that is not followed by two hex digits of valid UTF-8. Check the link.";
    const api = raw.startsWith("/api/") || raw.startsWith("/v1/");
    const body = !api
      ? message
      : JSON.stringify(raw.startsWith("/v1/") ? { error: { message, type: "invalid_request_error", code: "bad_request", param: null } } : { error: message, reason: "bad_request" });
    res.writeHead(400, { "content-type": api ? "application/json; charset=utf-8" : "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body) });
    res.end(body);
    return true;
  }
}

const server = http.createServer((req, res) => {
  req.headers[PEER_HEADER] = req.socket.remoteAddress ?? "";
  if (refuseMalformedPath(req, res)) return;
  if (direct?.(req, res)) return;
  void handle(req, res);
});
server.keepAliveTimeout = 65_000;
// Requests Node cannot parse (headers over its 16 KiB limit, malformed HTTP) never reach Next: answer them in the
// API's error shape (OpenAI's under /v1/) instead of Node's empty 431/400.
server.on("clientError", (err, socket) => {
  if (!socket.writable || err.code === "ECONNRESET") return socket.destroy();
  const tooLarge = err.code === "HPE_HEADER_OVERFLOW";
  const status = tooLarge ? 431 : 400;
  const code = tooLarge ? "headers_too_large" : "bad_request";
  const message = tooLarge ? "The request's headers are larger than the server accepts (16 KiB in all)." : "The request could not be read as HTTP.";
  const path = /^[A-Z]+ (\S+)/.exec(err.rawPacket?.toString("latin1") ?? "")?.[1] ?? "";
  const body = JSON.stringify(path.startsWith("/v1/") ? { error: { message, type: "invalid_request_error", code, param: null } } : { error: message, reason: code });
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
});
server.on("error", (err) => {
  console.error(err.code === "EADDRINUSE" ? `Port ${port} is already in use: stop what listens there or choose another PORT.` : `web server: ${err.message}`);
  process.exit(1);
});
server.listen(port, hostname, () => console.log(`web server listening on http://${hostname}:${port}`));

// A stop closes the listener and open streams (SSE). The in-process indexer (instrumentation) closes the database
// on the same signal and exits; without it, this exits once the listener is closed.
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => {
    server.close(() => {
      if (process.env.LEDGERLINE_INDEXER === "off") process.exit(0);
    });
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 15_000).unref();
  });
}
