import { formatNumber } from "@/components/format";
import { cn } from "@/lib/utils";

/** A contribution's terms for model outputs (fixed at registration); nothing for open ones. */
export function TermsNote({ c, className }: { c: { termsKind: number; maxVerbatimTokens: number | null }; className?: string }) {
  if (c.termsKind === 0) return null;
  const text = c.termsKind === 2 ? `No verbatim over ${formatNumber(c.maxVerbatimTokens ?? 0)} tokens` : "Attribution required";
  const title =
    c.termsKind === 2
      ? "The contributor's terms: no answer may copy a longer run of this contribution. ∞-gram models back off; traced answers that exceed it are flagged in their record."
      : "The contributor's terms: answers that use it carry the credit (every record here does).";
  return (
    <p data-testid="contribution-terms" className={cn("text-xs text-muted-foreground", className)} title={title}>
      {text}
    </p>
  );
}
