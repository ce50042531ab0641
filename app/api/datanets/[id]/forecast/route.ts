import { getDb } from "@/db/client";
import { datanetForecast } from "@/lib/api/endpoints";
import { limitRequest } from "@/lib/api/rate-limit";
import { route } from "@/lib/api/route";
import { forecastUpload } from "@/lib/forecast";

/** The upload preview's earnings forecast: what the file would have earned on the Datanet's recent paid requests. */
export const GET = route(datanetForecast, async ({ request, params, query }) =>
  forecastUpload(await getDb(), params.id, query.hash, { beforeCompute: () => limitRequest("forecast", request) }),
);
