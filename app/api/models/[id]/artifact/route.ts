import { Readable } from "node:stream";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { models } from "@/db/schema";
import { modelArtifact } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { AppError, notFound } from "@/lib/errors";
import { openArtifact } from "@/lib/factory/artifacts";

export const dynamic = "force-dynamic";

/** A model's artifact, streamed: anyone recomputes attributions from it after checking its sha-256 against the chain. */
export const GET = route(modelArtifact, async ({ params, request }) => {
  const db = await getDb();
  const [model] = await db.select({ artifactHash: models.artifactHash }).from(models).where(eq(models.id, params.id)).limit(1);
  if (!model) throw notFound(`Model ${params.id}`);
  const hash = model.artifactHash.toLowerCase();
  const etag = `"${hash}"`;
  const cache = { etag, "cache-control": "public, max-age=31536000, immutable" };
  // Content-addressed: a cached copy with this hash is this artifact.
  if (request.headers.get("if-none-match")?.split(",").some((t) => t.trim().replace(/^W\//, "") === etag)) {
    return new Response(null, { status: 304, headers: cache });
  }
  let artifact: Awaited<ReturnType<typeof openArtifact>>;
  try {
    artifact = await openArtifact(hash);
  } catch (err) {
    console.error(`[api] model ${params.id}:`, (err as Error).message);
    throw new AppError("internal", `This server's copy of model ${params.id}'s artifact is damaged; it is not served.`);
  }
  if (!artifact) throw notFound(`The artifact of model ${params.id} (${hash}) on this server`);
  return new Response(Readable.toWeb(artifact.stream()) as ReadableStream<Uint8Array>, {
    headers: {
      ...cache,
      "content-type": "application/octet-stream",
      "content-length": String(artifact.size),
      "content-disposition": `attachment; filename="model-${params.id}-${hash.slice(2, 14)}.bin"`,
    },
  });
});
