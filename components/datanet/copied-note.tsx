import { getDb } from "@/db/client";
import { formatPpmPercent } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { measureContributionOriginality } from "@/lib/content/originality";
import { cn } from "@/lib/utils";

/**
 * The originality shield in the Datanet's contributions table: a contribution that repeats earlier ones is marked
 * with how much and from which. One suffix array per Datanet state answers every row (cached), streamed in after
 * the table under a Suspense boundary; nothing is shown for an original contribution or one that cannot be measured.
 */
export async function CopiedNote({ datanetId, contributionId, className }: { datanetId: number; contributionId: number; className?: string }) {
  let measured;
  try {
    measured = await measureContributionOriginality(await getDb(), datanetId, contributionId);
  } catch {
    return null; // content not held here, or rejected: the status column says enough
  }
  const exact = measured.exactDuplicate;
  if (!exact && measured.copiedPpm === 0) return null;
  const top = measured.sources[0];
  return (
    <p className={cn("flex flex-wrap items-center gap-1 text-xs text-muted-foreground", className)} data-testid="contribution-copied" data-copied-ppm={measured.copiedPpm}>
      <Badge variant="warning">{exact ? "Duplicate" : "Partly copied"}</Badge>
      {exact ? (
        <span>of #{exact.contributionId}</span>
      ) : top ? (
        <span>
          {formatPpmPercent(measured.copiedPpm)} from #{top.contributionId}
          {measured.sources.length > 1 ? ` and ${measured.sources.length - 1} more` : ""}
        </span>
      ) : null}
    </p>
  );
}
