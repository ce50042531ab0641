import { health as healthSpec } from "@/lib/api/endpoints";
import { json, route } from "@/lib/api/route";
import { health } from "@/lib/ops/status";

export const dynamic = "force-dynamic";

/**
 * What is up and what is down — the chain, the database, the indexer's lag — with 503 when anything is down
 * (npm start waits on it; load balancers and uptime checks read the status). Never throws: a dependency that
 * fails is reported, not a 500.
 */
export const GET = route(healthSpec, async () => {
  const report = await health();
  return json(healthSpec.response.encode(report), { status: report.ok ? 200 : 503, headers: { "cache-control": "no-store" } });
});
