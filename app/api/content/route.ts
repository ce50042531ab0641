import { getDb } from "@/db/client";
import { contentUpload } from "@/lib/api/endpoints";
import { readBody } from "@/lib/api/body";
import { route } from "@/lib/api/route";
import { requireSession } from "@/lib/auth/server";
import { MAX_CONTENT_BYTES } from "@/lib/content/records";
import { storeContent } from "@/lib/content/store";
import { AppError } from "@/lib/errors";

/**
 * Upload a contribution's content (or Datanet/model metadata JSON) before registering its hash on-chain.
 * Body: the raw file bytes; `?filename=` or `content-type` tells the format (txt, md, jsonl, csv, json).
 * Needs a Sign-In with Ethereum session: uploads are tied to a person, not open to any script, and the
 * first account to upload some bytes is the only one the server attests may register them.
 */
export const POST = route(contentUpload, async ({ request, query }) => {
  const db = await getDb();
  const session = await requireSession(db, request, "upload content");
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_CONTENT_BYTES) throw new AppError("payload_too_large", `The upload is larger than ${MAX_CONTENT_BYTES} bytes.`);
  // Counted while read: a chunked upload without content-length is cut off at the limit too.
  const body = await readBody(request, MAX_CONTENT_BYTES);
  const mediaType = request.headers.get("content-type")?.split(";")[0].trim();
  return storeContent(db, { body, filename: query.filename, mediaType, uploader: session.address });
});
