import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { indexerCheckpoints } from "@/db/schema";
import { health } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { publicClientFor } from "@/lib/chain/clients";
import { getChainConfig } from "@/lib/chain/config";

export const dynamic = "force-dynamic";

/** Liveness plus how far the indexer is behind the chain head (npm start waits on it). */
export const GET = route(health, async () => {
  const cfg = getChainConfig();
  const db = await getDb();
  const [cp] = await db.select().from(indexerCheckpoints).where(eq(indexerCheckpoints.chainId, cfg.chainId));
  const head = Number(await publicClientFor(cfg).getBlockNumber({ cacheTime: 0 }));
  const indexed = cp?.block ?? null;
  return { ok: true, chainId: cfg.chainId, head, indexed, lag: indexed === null ? null : head - indexed };
});
