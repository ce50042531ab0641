import { stats } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { getRecentStats } from "@/lib/queries";

export const GET = route(stats, () => getRecentStats());
