import { settlementEpoch } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { triggerEpoch } from "@/lib/settlement/trigger";

export const POST = route(settlementEpoch, async ({ request }) => {
  const run = await triggerEpoch(request);
  return {
    posted: run.posted,
    epoch: run.epoch,
    root: run.root,
    cumulativeTotal: run.cumulativeTotal?.toString(),
    accounts: run.accounts,
    tx: run.tx,
    gasUsed: run.gasUsed?.toString(),
    reason: run.reason,
    error: run.error,
    durationMs: run.durationMs,
  };
});
