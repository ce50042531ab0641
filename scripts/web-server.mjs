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
import { answerClientError, dropBodyWhenAbandoned, refuseMalformedPath } from "./edge.mjs";

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

const server = http.createServer((req, res) => {
  req.headers[PEER_HEADER] = req.socket.remoteAddress ?? "";
  if (refuseMalformedPath(req, res)) return;
  if (direct?.(req, res)) return;
  if (req.method !== "GET" && req.method !== "HEAD") dropBodyWhenAbandoned(req);
  void handle(req, res);
});
server.keepAliveTimeout = 65_000;
// Requests Node cannot parse never reach Next: answered in the API's error shape (./edge.mjs).
server.on("clientError", answerClientError);
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
