import { modelGet } from "@/lib/api/endpoints";
import { methodNotAllowed, route } from "@/lib/api/route";
import { notFound } from "@/lib/errors";
import { getModelOverview } from "@/lib/queries";
import { modelTokenizerName } from "@/lib/attribution/tokenizer-names";

export const GET = route(modelGet, async ({ params }) => {
  const m = await getModelOverview(params.id);
  if (!m) throw notFound(`Model ${params.id}`);
  return { ...m.model, tokenizer: modelTokenizerName(m.model.kind, m.model.parameters), lineage: m.lineage };
});

// POST /api/models/./inference arrives here after URL normalisation.
export const POST = methodNotAllowed("GET");
