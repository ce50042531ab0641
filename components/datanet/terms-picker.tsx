"use client";

import { useId } from "react";

/** A contribution's terms for model outputs, as DatanetRegistry.contributeWithTerms takes them. */
export interface ContributionTerms {
  kind: 0 | 1 | 2;
  maxVerbatimTokens: number;
}

export const OPEN_TERMS: ContributionTerms = { kind: 0, maxVerbatimTokens: 0 };
export const MIN_VERBATIM = 8;
export const MAX_VERBATIM = 4096;

/** Whether the terms can be registered (the contract reverts InvalidTerms otherwise). */
export function termsValid(t: ContributionTerms): boolean {
  return t.kind === 2 ? Number.isInteger(t.maxVerbatimTokens) && t.maxVerbatimTokens >= MIN_VERBATIM && t.maxVerbatimTokens <= MAX_VERBATIM : t.maxVerbatimTokens === 0;
}

const OPTIONS = [
  { kind: 0, label: "Open", help: "Models may use it freely; every answer that uses it still pays you." },
  { kind: 1, label: "Attribution required", help: "Answers that use it must carry the credit (every answer served here does)." },
  { kind: 2, label: "No verbatim over N tokens", help: "No answer may copy more than N consecutive tokens of it: ∞-gram models back off; traced external answers that do are flagged." },
] as const;

/** Radio choice of terms, fixed at registration (they can never be changed). */
export function TermsPicker({ value, onChange, disabled }: { value: ContributionTerms; onChange: (t: ContributionTerms) => void; disabled?: boolean }) {
  const id = useId();
  const invalid = value.kind === 2 && !termsValid(value);
  return (
    <fieldset className="space-y-2 rounded-md border border-border px-3 py-2 text-sm" data-testid="contribute-terms" disabled={disabled}>
      <legend className="px-1 text-xs font-medium text-muted-foreground">Terms for model outputs (fixed once registered)</legend>
      {OPTIONS.map((o) => (
        <label key={o.kind} className="flex cursor-pointer items-start gap-2">
          <input
            type="radio"
            name={`${id}-terms`}
            className="mt-1"
            checked={value.kind === o.kind}
            onChange={() => onChange(o.kind === 2 ? { kind: 2, maxVerbatimTokens: value.kind === 2 ? value.maxVerbatimTokens : 32 } : { kind: o.kind, maxVerbatimTokens: 0 })}
          />
          <span>
            <span className="font-medium">{o.label}</span>
            <span className="block text-xs text-muted-foreground">{o.help}</span>
          </span>
        </label>
      ))}
      {value.kind === 2 ? (
        <label className="ml-6 flex items-center gap-2">
          <span className="text-xs text-muted-foreground">N =</span>
          <input
            type="number"
            min={MIN_VERBATIM}
            max={MAX_VERBATIM}
            step={1}
            value={Number.isFinite(value.maxVerbatimTokens) ? value.maxVerbatimTokens : ""}
            onChange={(e) => onChange({ kind: 2, maxVerbatimTokens: e.target.valueAsNumber })}
            aria-invalid={invalid}
            aria-describedby={`${id}-n-help`}
            data-testid="contribute-terms-n"
            className="h-8 w-24 rounded-md border border-input bg-background px-2 tabular-nums"
          />
          <span id={`${id}-n-help`} className={invalid ? "text-xs text-destructive" : "text-xs text-muted-foreground"}>
            {invalid ? `Choose a whole number from ${MIN_VERBATIM} to ${MAX_VERBATIM}.` : "tokens"}
          </span>
        </label>
      ) : null}
    </fieldset>
  );
}
