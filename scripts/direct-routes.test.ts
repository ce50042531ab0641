/**
 * The direct path's plumbing (scripts/direct-routes.mjs) over real sockets: how a handler's Response is written to
 * a client that reads slowly or leaves, and how a request body reaches the handler. The routes themselves, against
 * Next's own path, are compared in scale-out.test.ts.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { bodyOf, send } from "./direct-routes.mjs";
import { chunkedPost } from "./testing/bodies";

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

async function listen(handler: http.RequestListener): Promise<string> {
  server = http.createServer(handler);
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const sse = (body: ReadableStream<Uint8Array>) => new Response(body, { headers: { "content-type": "text/event-stream" } });

describe("direct routes: writing the answer", () => {
  it("a long stream to a slow reader waits for the socket without piling up listeners, and arrives whole", async () => {
    const CHUNKS = 300;
    const chunk = new Uint8Array(64 * 1024).fill(97);
    let waits = 0;
    let maxListeners = 0;
    const url = await listen((req, res) => {
      const write = res.write.bind(res) as (c: Uint8Array) => boolean;
      res.write = ((c: Uint8Array) => {
        const ok = write(c);
        if (!ok) waits++;
        return ok;
      }) as typeof res.write;
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          maxListeners = Math.max(maxListeners, res.listenerCount("close"), res.listenerCount("drain"), res.listenerCount("error"));
          if (sent++ < CHUNKS) c.enqueue(chunk);
          else c.close();
        },
      });
      void send(sse(body), req, res);
    });
    const response = await fetch(url);
    const reader = response.body!.getReader();
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(received).toBe(CHUNKS * chunk.byteLength);
    // The socket's buffer filled many times, and each wait left nothing behind.
    expect(waits).toBeGreaterThan(20);
    expect(maxListeners).toBeLessThanOrEqual(4);
  }, 60_000);

  it("a client that leaves mid-stream cancels the producer, and the write loop ends", async () => {
    let cancelled!: () => void;
    const cancel = new Promise<void>((r) => (cancelled = r));
    let finished!: () => void;
    const sendDone = new Promise<void>((r) => (finished = r));
    const url = await listen((req, res) => {
      const body = new ReadableStream<Uint8Array>({
        async pull(c) {
          await new Promise((r) => setTimeout(r, 5));
          c.enqueue(new TextEncoder().encode("data: tick\n\n"));
        },
        cancel: () => cancelled(),
      });
      void send(sse(body), req, res).then(finished);
    });
    const abort = new AbortController();
    const response = await fetch(url, { signal: abort.signal });
    const reader = response.body!.getReader();
    await reader.read();
    abort.abort();
    await expect(Promise.all([cancel, sendDone]).then(() => "both")).resolves.toBe("both");
  }, 20_000);

  it("a JSON answer goes out whole with its length and every cookie", async () => {
    const url = await listen((req, res) => {
      const headers = new Headers({ "content-type": "application/json; charset=utf-8" });
      headers.append("set-cookie", "a=1; Path=/");
      headers.append("set-cookie", "b=2; Path=/");
      void send(new Response(JSON.stringify({ ok: "ünïcode" }), { status: 402, headers }), req, res);
    });
    const res = await fetch(url);
    expect(res.status).toBe(402);
    expect(res.headers.get("content-length")).toBe(String(Buffer.byteLength(JSON.stringify({ ok: "ünïcode" }))));
    expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    expect(await res.json()).toEqual({ ok: "ünïcode" });
  });
});

describe("direct routes: reading the body", () => {
  it("a chunked body reaches the handler byte for byte", async () => {
    const url = await listen(async (req, res) => {
      const bytes = new Uint8Array(await new Response(bodyOf(req)).arrayBuffer());
      res.end(`${bytes.byteLength} ${createHash("sha256").update(bytes).digest("hex")}`);
    });
    const parts = Array.from({ length: 64 }, (_, i) => new Uint8Array(16 * 1024).fill(i));
    const all = Buffer.concat(parts);
    const res = await fetch(url, chunkedPost(parts));
    expect(await res.text()).toBe(`${all.byteLength} ${createHash("sha256").update(all).digest("hex")}`);
  });

  it("a body cancelled at a cap is answered, its rest dropped, and the client's next request is served", async () => {
    const url = await listen(async (req, res) => {
      const reader = bodyOf(req).getReader();
      let total = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > 1024) {
          await reader.cancel();
          return void send(new Response("too large", { status: 413 }), req, res);
        }
      }
      void send(new Response(`got ${total}`), req, res);
    });
    const big = await fetch(url, { method: "POST", body: "x".repeat(1 << 20) });
    expect(big.status).toBe(413);
    expect(big.headers.get("connection")).not.toBe("close");
    await big.text();
    const next = await fetch(url, { method: "POST", body: "small", signal: AbortSignal.timeout(10_000) });
    expect(await next.text()).toBe("got 5");
  });

  it("an answer sent without reading a large body (a declared length over the cap) always reaches the client", async () => {
    // The handler refuses on the declared length alone; the body is still on its way. Twenty in a row: a server that
    // closed such connections would reset some clients before they read their 413.
    const url = await listen((req, res) => {
      bodyOf(req);
      void send(new Response("too large", { status: 413 }), req, res);
    });
    const body = "y".repeat(4 << 20);
    for (let i = 0; i < 20; i++) {
      const res = await fetch(url, { method: "POST", body, signal: AbortSignal.timeout(10_000) });
      expect(res.status).toBe(413);
      expect(await res.text()).toBe("too large");
    }
  });
});
