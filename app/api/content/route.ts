import { getDb } from "@/db/client";
import { contentUpload } from "@/lib/api/endpoints";
import { ApiError, route } from "@/lib/api/route";
import { MAX_CONTENT_BYTES } from "@/lib/content/records";
import { storeContent } from "@/lib/content/store";

/**
 * Upload a contribution's content (or Datanet/model metadata JSON) before registering its hash on-chain.
 * Body: the raw file bytes; `?filename=` or `content-type` tells the format (txt, md, jsonl, csv, json).
 */
export const POST = route(contentUpload, async ({ request, query }) => {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_CONTENT_BYTES) throw new ApiError(413, `The upload is larger than ${MAX_CONTENT_BYTES} bytes.`);
  const body = new Uint8Array(await request.arrayBuffer());
  const mediaType = request.headers.get("content-type")?.split(";")[0].trim();
  return storeContent(await getDb(), { body, filename: query.filename, mediaType });
});
