import { describe, expect, it } from "vitest";
import { GET } from "@/app/api/stream/route";
import { publishLive } from "./bus";

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, needle: string): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes(needle)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
  }
  return text;
}

describe("GET /api/stream (in-process bus)", () => {
  it("streams published events as typed SSE messages, filtered by type, and unsubscribes on abort", async () => {
    delete process.env.DATABASE_URL;
    const ctrl = new AbortController();
    const res = await GET(new Request("http://x/api/stream?types=inference.settled", { signal: ctrl.signal }), { params: Promise.resolve({}) });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    expect(await readUntil(reader, "connected")).toContain(": connected");
    await publishLive([
      { type: "datanet.created", datanetId: 1, block: 3 },
      { type: "inference.settled", requestId: 7, modelId: 2, price: "1000000000000000003", block: 4 },
    ]);
    const text = await readUntil(reader, "inference.settled");
    expect(text).not.toContain("datanet.created");
    const data = text.split("\n").find((l) => l.startsWith("data: "))!;
    expect(JSON.parse(data.slice(6))).toEqual({ type: "inference.settled", requestId: 7, modelId: 2, price: "1000000000000000003", block: 4 });
    ctrl.abort();
    const end = await reader.read();
    expect(end.done).toBe(true);
  });

  it("answers a malformed filter with a 400 and a message", async () => {
    const res = await GET(new Request("http://x/api/stream?types=DROP%20TABLE"), { params: Promise.resolve({}) });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/types/);
  });
});
