import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { readBody, readJson } from "./body";

/** A chunked body (no content-length) that counts how much of it was pulled. */
function chunked(chunks: number, size: number) {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (pulled >= chunks) return c.close();
      pulled++;
      c.enqueue(new Uint8Array(size).fill(0x20));
    },
  });
  return { request: new Request("http://x/", { method: "POST", body, duplex: "half" } as RequestInit), pulled: () => pulled };
}

const code = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => (e instanceof AppError ? `${e.status} ${e.code}` : String(e)));

describe("capped request bodies", () => {
  it("refuses a declared content-length over the cap without reading", async () => {
    const req = new Request("http://x/", { method: "POST", body: "{}", headers: { "content-length": String(10 * 1024 * 1024) } });
    expect(await code(readBody(req, 1024))).toBe("413 payload_too_large");
  });

  it("stops reading a chunked body as soon as it passes the cap", async () => {
    const { request, pulled } = chunked(96 * 1024, 1024); // 96 MiB offered
    expect(await code(readBody(request, 64 * 1024))).toBe("413 payload_too_large");
    expect(pulled()).toBeLessThanOrEqual(66);
  });

  it("reads a body under the cap exactly, and parses JSON", async () => {
    const { request } = chunked(3, 10);
    expect((await readBody(request, 64)).byteLength).toBe(30);
    expect(await readJson(new Request("http://x/", { method: "POST", body: '{"a":[1,2]}' }))).toEqual({ a: [1, 2] });
    expect(await code(readJson(new Request("http://x/", { method: "POST", body: "{nope" })))).toBe("400 bad_request");
  });
});
