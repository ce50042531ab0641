import { datanetGet } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { notFound } from "@/lib/errors";
import { getDatanetOverview } from "@/lib/queries";

export const GET = route(datanetGet, async ({ params }) => {
  const d = await getDatanetOverview(params.id);
  if (!d) throw notFound(`Datanet ${params.id}`);
  const { datanet, ...rest } = d;
  return { ...datanet, ...rest };
});
