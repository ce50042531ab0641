/**
 * What the web server answers before Next (scripts/edge.mjs), over raw sockets: undecodable paths, headers over
 * Node's limit, bytes that are not HTTP, and a bad request pipelined behind a stream already under way.
 */
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { answerClientError, dropBodyWhenAbandoned, refuseMalformedPath } from "./edge.mjs";
import { chunkedPost } from "./testing/bodies";

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

/** A server like web-server.mjs's: the edge checks, then `handler` in Next's place. */
async function listen(handler: http.RequestListener = (_req, res) => res.end("next")): Promise<number> {
  server = http.createServer((req, res) => {
    if (refuseMalformedPath(req, res)) return;
    handler(req, res);
  });
  server.on("clientError", answerClientError);
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

/** Writes raw bytes and reads until the server closes (or `until` matches what arrived). */
function raw(port: number, bytes: string, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(bytes));
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      text += d;
      if (until?.test(text)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on("close", () => resolve(text));
    socket.on("error", reject);
  });
}

const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));

describe("edge: paths Next cannot decode", () => {
  it("answers 400 in the API's shape, OpenAI's under /v1/, plain text for pages; decodable paths pass", async () => {
    const port = await listen();
    const base = `http://127.0.0.1:${port}`;
    const api = await fetch(`${base}/api/inferences/%E0%A4%A`);
    expect(api.status).toBe(400);
    expect(await api.json()).toMatchObject({ reason: "bad_request", error: expect.stringMatching(/malformed/) });
    const openai = await fetch(`${base}/v1/models/%`, { method: "POST", body: "{}" });
    expect(openai.status).toBe(400);
    expect((await openai.json()).error).toMatchObject({ type: "invalid_request_error", code: "bad_request", param: null });
    const page = await fetch(`${base}/datanets/%zz`);
    expect(page.status).toBe(400);
    expect(page.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await page.text()).toMatch(/malformed/);
    // A bad escape in the query is Next's business (searchParams tolerate it); a good escape in the path passes.
    expect(await (await fetch(`${base}/datanets/caf%C3%A9?q=%`)).text()).toBe("next");
  });
});

describe("edge: bytes Node cannot parse", () => {
  it("headers over 16 KiB get 431 in the API's shape (OpenAI's under /v1/) and the connection closes", async () => {
    const port = await listen();
    const big = `x-big: ${"a".repeat(20 * 1024)}\r\n`;
    for (const [path, shape] of [["/api/models/1/inference", "api"], ["/v1/chat/completions", "openai"]] as const) {
      const answer = await raw(port, `POST ${path} HTTP/1.1\r\nhost: x\r\n${big}\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
      expect(answer).toMatch(/\r\nconnection: close\r\n/);
      const body = bodyOf(answer);
      if (shape === "api") expect(body).toEqual({ error: expect.stringMatching(/16 KiB/), reason: "headers_too_large" });
      else expect(body.error).toMatchObject({ code: "headers_too_large", type: "invalid_request_error" });
    }
  });

  it("a request line that is not HTTP gets 400 with a message, and nothing reaches the handler", async () => {
    let reached = 0;
    const port = await listen((_req, res) => {
      reached++;
      res.end();
    });
    const answer = await raw(port, "GARBAGE\x00 / HTTP/9\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(bodyOf(answer)).toEqual({ error: "The request could not be read as HTTP.", reason: "bad_request" });
    expect(reached).toBe(0);
  });

  it.each([
    ["a stream under way", true],
    ["an answer not started yet", false],
  ])("a bad request pipelined behind %s closes the socket instead of writing a 400 into or before it", async (_, streaming) => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const port = await listen((_req, res) => {
      const start = () => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write("data: first\n\n");
      };
      if (streaming) start();
      // The answer goes on after Node has met the garbage that follows the request.
      void released.then(() => (streaming ? res.write("data: second\n\n") : start()));
      if (!streaming) setTimeout(release, 50);
    });
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      text += d;
      if (text.includes("data: first")) release();
    });
    socket.write("GET /stream HTTP/1.1\r\nhost: x\r\n\r\nGARBAGE\x00 / HTTP/9\r\n\r\n");
    await new Promise((r) => socket.on("close", r));
    expect(text).not.toContain("HTTP/1.1 400");
    // Whatever arrived before the close is the start of the owed answer, nothing else.
    expect(text === "" || text.startsWith("HTTP/1.1 200 OK\r\n")).toBe(true);
  });
});

describe("edge: a body its route stopped reading", () => {
  it("a chunked body cut at the cap, a declared over-cap one, then a small one: all answered, none stalls", async () => {
    // As Next does: the IncomingMessage becomes the web Request's body; the route reads to its cap, then cancels.
    const port = await listen(async (req, res) => {
      dropBodyWhenAbandoned(req);
      const request = new Request("http://route/", { method: "POST", body: req as unknown as BodyInit, duplex: "half" } as RequestInit);
      if (Number(req.headers["content-length"] ?? 0) > 65_536) return void res.writeHead(413).end("declared");
      const reader = request.body!.getReader();
      let total = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > 65_536) {
          await reader.cancel();
          return void res.writeHead(413).end("cap");
        }
      }
      res.writeHead(402).end(`read ${total}`);
    });
    const url = `http://127.0.0.1:${port}`;
    // Without dropBodyWhenAbandoned a connection stalls after the first cancelled body (or resets).
    const chunks = Array.from({ length: 40 }, () => new TextEncoder().encode(`"${"z".repeat(4_096)}",`));
    const timeout = () => AbortSignal.timeout(5_000);
    for (let i = 0; i < 5; i++) {
      const chunked = await fetch(url, chunkedPost(chunks, { signal: timeout() }));
      expect(`${chunked.status} ${await chunked.text()}`).toBe("413 cap");
      const declared = await fetch(url, { method: "POST", body: "x".repeat(70_000), signal: timeout() });
      expect(`${declared.status} ${await declared.text()}`).toBe("413 declared");
      const small = await fetch(url, { method: "POST", body: "{}", signal: timeout() });
      expect(`${small.status} ${await small.text()}`).toBe("402 read 2");
    }
  }, 30_000);
});
