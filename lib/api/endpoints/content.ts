/** Content: upload a file before registering its hash, fetch it by hash. */
import { z } from "zod";
import { countOut, endpoint, hashOut, named } from "../spec";

export const contentUpload = endpoint({
  method: "POST",
  path: "/api/content",
  operationId: "uploadContent",
  tag: "Content",
  summary: "Upload content (a contribution's file, or Datanet/model metadata JSON) before registering its hash on-chain.",
  description: "Needs a signed-in session (Sign-In with Ethereum): without one the answer is 401 and nothing is stored.",
  session: true,
  status: 201,
  query: z.object({
    filename: z.string().max(255, "must be at most 255 characters").optional().meta({ description: "Tells the format by extension: .txt, .md, .jsonl, .csv or .json." }),
  }),
  body: { contentType: "application/octet-stream", description: "The raw file bytes (at most 4 MiB); content-type may tell the format." },
  response: named(
    "StoredContent",
    z.object({ hash: hashOut, bytes: countOut, records: countOut, format: z.enum(["text", "markdown", "jsonl", "csv", "json"]), mediaType: z.string() }),
  ),
});

export const contentGet = endpoint({
  method: "GET",
  path: "/api/content/{hash}",
  operationId: "getContent",
  tag: "Content",
  summary: "Content by its sha-256: anyone can fetch the bytes and check the hash.",
  params: z.object({ hash: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex hash").transform((s) => s.toLowerCase()) }),
  notFound: true,
  response: { contentType: "application/octet-stream", description: "The stored bytes, with their media type." },
});
