import { AddressText } from "@/components/domain";
import { formatNumber } from "@/components/format";
import { Card, CardContent } from "@/components/ui/card";

export interface RecordTerm {
  contributionId: number;
  contributor: string | null;
  maxVerbatimTokens: number;
  effect: "enforced" | "exceeded";
}

/** The contributors' "no verbatim over N tokens" terms an answer's record names, and what they did to it. */
export function RecordTerms({ terms }: { terms: RecordTerm[] }) {
  if (!terms.length) return null;
  return (
    <Card data-testid="record-terms">
      <CardContent className="space-y-2 pt-5 text-sm">
        <p className="font-medium">Contributor terms applied</p>
        <ul className="space-y-1.5 text-muted-foreground">
          {terms.map((t) => (
            <li key={t.contributionId} data-testid="record-term" data-effect={t.effect}>
              <span className="font-mono text-foreground">contribution #{t.contributionId}</span>
              {t.contributor ? (
                <>
                  {" "}
                  by <AddressText address={t.contributor} />
                </>
              ) : null}{" "}
              allows no verbatim run over {formatNumber(t.maxVerbatimTokens)} tokens:{" "}
              {t.effect === "enforced"
                ? "the model backed off where the answer would have copied more."
                : "this answer copies more than that — flagged in its record."}
            </li>
          ))}
        </ul>
        <p className="text-xs text-muted-foreground">Part of the attribution record: Verify recomputes it from the terms registered on-chain.</p>
      </CardContent>
    </Card>
  );
}
