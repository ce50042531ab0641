import { getDb } from "@/db/client";
import { governanceParams } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { chainNow, getGovernorSettings, getMarketOverview } from "@/lib/queries";

export const GET = route(governanceParams, async () => {
  const db = await getDb();
  const [overview, governor, asOf] = await Promise.all([getMarketOverview(), getGovernorSettings(db), chainNow(db)]);
  return { market: overview.params, feeSchedules: overview.feeSchedules, totalStaked: overview.totalStaked, activeOperators: overview.activeOperators, governor, asOf };
});
