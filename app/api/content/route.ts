import { getDb } from "@/db/client";
import { contentUpload } from "@/lib/api/endpoints";
import { ApiError, json, route } from "@/lib/api/route";
import { requireSession } from "@/lib/auth/server";
import { MAX_CONTENT_BYTES } from "@/lib/content/records";
import { storeContent } from "@/lib/content/store";

/**
 * Upload a contribution's content (or Datanet/model metadata JSON) before registering its hash on-chain.
 * Body: the raw file bytes; `?filename=` or `content-type` tells the format (txt, md, jsonl, csv, json).
 * Needs a Sign-In with Ethereum session: uploads are tied to a person, not open to any script.
 */
export const POST = route(contentUpload, async ({ request, query }) => {
  const db = await getDb();
  await requireSession(db, request, "upload content");
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_CONTENT_BYTES) throw new ApiError(413, `The upload is larger than ${MAX_CONTENT_BYTES} bytes.`);
  const body = new Uint8Array(await request.arrayBuffer());
  const mediaType = request.headers.get("content-type")?.split(";")[0].trim();
  const stored = await storeContent(db, { body, filename: query.filename, mediaType });
  return json(contentUpload.response.encode(stored), { status: 201 });
});
