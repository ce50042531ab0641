/** Content: upload a file before registering its hash, fetch it by hash. */
import { z } from "zod";
import { addressOut, countOut, endpoint, hashOut, idInput, idOut, named } from "../spec";

const contentHashPath = z.object({
  hash: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex hash").transform((s) => s.toLowerCase()),
});

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
  params: contentHashPath,
  notFound: true,
  response: { contentType: "application/octet-stream", description: "The stored bytes, with their media type." },
});

export const contentAttestation = endpoint({
  method: "POST",
  path: "/api/content/{hash}/attestation",
  operationId: "attestContent",
  tag: "Content",
  summary: "The attester's signature that lets the signed-in account register this content in a Datanet (DatanetRegistry.contribute).",
  description:
    "Only the account that uploaded the content first gets one (409 content_claimed for anyone else), so nobody can register another person's upload. An open Datanet (one that accepts contributions at once) gets none for an exact duplicate of one of its accepted or pending contributions — the same bytes, or the same text after Unicode NFC and whitespace collapsing (409 duplicate_content, naming the earlier contribution); curated Datanets are never refused, their owner sees the originality in the review queue. The EIP-712 ContentAttestation(datanetId, contentHash, uploader, deadline) is signed under the domain DatanetRegistry, version 1, on the configured chain and registry; pass `deadline` and `signature` to contribute before the deadline.",
  session: true,
  notFound: true,
  conflict: true,
  params: contentHashPath,
  body: z.strictObject({ datanetId: idInput.meta({ description: "The Datanet to contribute the content to." }) }),
  response: named(
    "ContentAttestation",
    z.object({
      datanetId: idOut,
      contentHash: hashOut,
      uploader: addressOut.meta({ description: "The signed-in account: the only one that can register the content with this signature." }),
      deadline: z.number().int().min(0).meta({ description: "Unix seconds of chain time after which the registry refuses the signature (AttestationExpired)." }),
      signature: z.string().meta({ description: "The attester's EIP-712 signature, 0x-hex.", pattern: "^0x[0-9a-fA-F]+$" }),
      attester: addressOut.meta({ description: "Who signed: the registry accepts the signature only from its attester()." }),
    }),
  ),
});
