/**
 * A real HTTP server in front of the app's real route handlers (app/api/…/route.ts), for tests that need a node
 * over the network without building Next: each request is matched to its route by OpenAPI path, handed to the
 * exported handler as a web Request with its path parameters (as Next does), and the Response is streamed back.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import * as deployment from "@/app/api/deployment/route";
import * as epochBalances from "@/app/api/epochs/[epoch]/balances/route";
import * as inferenceGet from "@/app/api/inferences/[id]/route";
import * as accountClaim from "@/app/api/accounts/[address]/claim/route";
import * as modelArtifact from "@/app/api/models/[id]/artifact/route";
import * as modelGet from "@/app/api/models/[id]/route";
import * as settlements from "@/app/api/settlements/route";

type Handler = (request: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** The public routes a watcher (and a contributor checking their share) reads. */
export const PUBLIC_ROUTES: [string, Record<string, unknown>][] = [
  ["/api/deployment", deployment],
  ["/api/settlements", settlements],
  ["/api/epochs/{epoch}/balances", epochBalances],
  ["/api/models/{id}", modelGet],
  ["/api/models/{id}/artifact", modelArtifact],
  ["/api/inferences/{id}", inferenceGet],
  ["/api/accounts/{address}/claim", accountClaim],
];

function match(pathname: string): { handler: Handler; params: Record<string, string> } | null {
  const segments = pathname.split("/");
  for (const [pattern, mod] of PUBLIC_ROUTES) {
    const parts = pattern.split("/");
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const ok = parts.every((p, i) => (p.startsWith("{") ? ((params[p.slice(1, -1)] = decodeURIComponent(segments[i])), true) : p === segments[i]));
    if (ok && typeof mod.GET === "function") return { handler: mod.GET as Handler, params };
  }
  return null;
}

export interface NodeServer {
  url: string;
  close(): Promise<void>;
}

export async function startNodeServer(): Promise<NodeServer> {
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const route = req.method === "GET" ? match(url.pathname) : null;
      if (!route) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: `no route for ${req.method} ${url.pathname}` }));
        return;
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const response = await route.handler(new Request(url, { headers }), { params: Promise.resolve(route.params) });
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (!response.body) return void res.end();
      Readable.fromWeb(response.body as import("node:stream/web").ReadableStream).pipe(res);
    } catch (err) {
      res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: String(err) }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
