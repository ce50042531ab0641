/**
 * Request bodies read with a hard byte cap, before anything parses them: a declared `content-length`
 * over the cap is refused at once, and a chunked (or lying) body is cut off as soon as it passes the cap.
 * Either way the caller gets 413 and has stored nothing.
 */
import { AppError } from "@/lib/errors";

/** Default cap for JSON bodies: far above any valid request of this API. */
export const MAX_JSON_BYTES = 64 * 1024;

const tooLarge = (maxBytes: number) =>
  new AppError("payload_too_large", `The request body is larger than ${maxBytes.toLocaleString("en-US")} bytes, the limit for this endpoint.`, { maxBytes });

export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** A JSON body under the cap; 400 when it is not JSON. */
export async function readJson(request: Request, maxBytes = MAX_JSON_BYTES): Promise<unknown> {
  const bytes = await readBody(request, maxBytes);
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new AppError("bad_request", "The request body must be JSON.");
  }
}
