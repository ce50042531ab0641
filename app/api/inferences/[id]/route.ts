import { inferenceGet } from "@/lib/api/endpoints";
import { notFound, route } from "@/lib/api/route";
import { getInference } from "@/lib/queries";

export const GET = route(inferenceGet, async ({ params }) => {
  const d = await getInference(params.id);
  if (!d) throw notFound(`Inference ${params.id}`);
  return { ...d.inference, modelName: d.modelName, result: d.result, attribution: d.attribution, attributionCount: d.attributionCount };
});
