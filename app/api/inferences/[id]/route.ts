import { getDb } from "@/db/client";
import { inferenceGet } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { notFound } from "@/lib/errors";
import { inferenceSpans } from "@/lib/inference/spans";
import { getInference } from "@/lib/queries";

export const GET = route(inferenceGet, async ({ params }) => {
  const d = await getInference(params.id);
  if (!d) throw notFound(`Inference ${params.id}`);
  const spans = d.result ? await inferenceSpans(await getDb(), params.id) : null;
  return { ...d.inference, modelName: d.modelName, result: d.result, attribution: d.attribution, attributionCount: d.attributionCount, terms: d.terms, spans };
});
