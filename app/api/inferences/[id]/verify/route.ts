import { getDb } from "@/db/client";
import { inferenceVerify } from "@/lib/api/endpoints";
import { limitRequest } from "@/lib/api/rate-limit";
import { route } from "@/lib/api/route";
import { notFound } from "@/lib/errors";
import { getChainConfig } from "@/lib/chain/config";
import { publicClientFor } from "@/lib/chain/clients";
import { verifyInference } from "@/lib/inference/verify";

/** Reads the settled hashes from the chain when it is configured, else from the indexed rows. */
function chain() {
  try {
    const config = getChainConfig();
    return { publicClient: publicClientFor(config), market: config.deployment.inferenceMarket };
  } catch {
    return {};
  }
}

export const GET = route(inferenceVerify, async ({ params, request }) => {
  // Verifying re-runs the model: a few a minute per caller.
  await limitRequest("verify", request);
  const report = await verifyInference(await getDb(), params.id, chain());
  if (!report) throw notFound(`Inference ${params.id}`);
  return { ...report, kind: report.kind as "infinigram" | "knn" | "external" | "rag" };
});
