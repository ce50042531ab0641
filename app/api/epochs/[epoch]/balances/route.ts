import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { epochs } from "@/db/schema";
import { epochBalances } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { notFound } from "@/lib/errors";
import { pageEpochBalances } from "@/lib/queries";

/** The leaves of an epoch root, so a watcher can say which account's amount differs, not only that the root does. */
export const GET = route(epochBalances, async ({ params, query }) => {
  const page = await pageEpochBalances(params.epoch, query);
  if (page.items.length === 0 && query.cursor === undefined) {
    // Balances are written before the root is posted; an epoch with neither is unknown here.
    const [known] = await (await getDb()).select({ epoch: epochs.epoch }).from(epochs).where(eq(epochs.epoch, params.epoch)).limit(1);
    if (!known) throw notFound(`Epoch ${params.epoch}`);
  }
  return page;
});
