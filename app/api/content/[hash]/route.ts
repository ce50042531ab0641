import { getDb } from "@/db/client";
import { contentGet } from "@/lib/api/endpoints";
import { methodNotAllowed, route } from "@/lib/api/route";
import { notFound } from "@/lib/errors";
import { loadContent } from "@/lib/content/store";

/** Content by its sha-256: anyone can fetch the bytes and check the hash. */
export const GET = route(contentGet, async ({ params }) => {
  const row = await loadContent(await getDb(), params.hash);
  if (!row) throw notFound(`Content ${params.hash}`);
  return new Response(new Uint8Array(row.body), {
    headers: {
      "content-type": `${row.mediaType}; charset=utf-8`,
      "cache-control": "public, max-age=31536000, immutable",
      etag: `"${row.hash}"`,
    },
  });
});

export const POST = methodNotAllowed("GET");
