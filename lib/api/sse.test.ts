import { describe, expect, it } from "vitest";
import { sseChannel, sseResponse } from "./sse";

const text = async (res: Response) => new TextDecoder().decode(new Uint8Array(await new Response(res.body).arrayBuffer()));

describe("the SSE writer", () => {
  it("sends frames sent before the response first, in order, then closes when the producer is done", async () => {
    const channel = sseChannel();
    channel.send("event: a\ndata: 1\n\n");
    channel.send(new TextEncoder().encode("event: b\ndata: 2\n\n"));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const res = channel.response(
      async () => {
        channel.send(": c\n\n");
        await gate;
        channel.send("data: [DONE]\n\n");
      },
      { headers: { connection: "keep-alive" } },
    );
    setTimeout(release, 10);
    expect(await text(res)).toBe("event: a\ndata: 1\n\nevent: b\ndata: 2\n\n: c\n\ndata: [DONE]\n\n");
    expect(Object.fromEntries(res.headers)).toEqual({
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
      connection: "keep-alive",
    });
    channel.send("after the close is dropped\n\n");
  });

  it("closes when the request aborts and tells the producer", async () => {
    const request = new AbortController();
    let told = false;
    const res = sseResponse(
      (send, signal) =>
        new Promise<void>((resolve) => {
          send(": connected\n\n");
          signal.addEventListener("abort", () => {
            told = true;
            resolve();
          });
        }),
      { signal: request.signal },
    );
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(": connected\n\n");
    request.abort();
    expect((await reader.read()).done).toBe(true);
    expect(told).toBe(true);
  });

  it("a reader that leaves aborts the producer's signal; its later sends are dropped", async () => {
    let finished!: (signal: AbortSignal) => void;
    const done = new Promise<AbortSignal>((resolve) => (finished = resolve));
    const res = sseResponse(async (send, signal) => {
      send(": hello\n\n");
      await new Promise((resolve) => signal.addEventListener("abort", resolve));
      send(": nobody reads this\n\n");
      finished(signal);
    });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    expect((await done).aborted).toBe(true);
  });
});
