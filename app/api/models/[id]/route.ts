import { modelGet } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { notFound } from "@/lib/errors";
import { getModelOverview } from "@/lib/queries";

export const GET = route(modelGet, async ({ params }) => {
  const m = await getModelOverview(params.id);
  if (!m) throw notFound(`Model ${params.id}`);
  return { ...m.model, lineage: m.lineage };
});
