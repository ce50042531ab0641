"use client";

import { formatOpen } from "@/components/format";
import { per1kTokens } from "@/lib/inference/rate-units";
import { charge, type TokenRates } from "@/lib/inference/pricing";
import { cn } from "@/lib/utils";
import { Field, inputClass } from "./fields";
import type { PricingForm, PricingMode } from "./pricing";

const MODES: { mode: PricingMode; label: string; blurb: string }[] = [
  { mode: "flat", label: "Flat price", blurb: "Every inference costs the same, whatever the prompt and the answer." },
  { mode: "per-token", label: "Per token", blurb: "A fixed fee plus a rate per prompt token and per answer token: long requests pay more." },
];

/** A worked example beside the fields, so the builder sees what the rates mean for one request. */
const EXAMPLE = { promptTokens: 200, answerTokens: 300 };

export function PricingFields({
  value,
  onChange,
  parsed,
  disabled,
  transactionsNote = "Publishing takes two transactions: the registration, then the rates.",
}: {
  value: PricingForm;
  onChange: (next: PricingForm) => void;
  parsed: { rates: TokenRates } | { error: string };
  disabled: boolean;
  /** What sending these prices takes (the wizard and the model page's Pricing card send different transactions). */
  transactionsNote?: string;
}) {
  const rates = "rates" in parsed ? parsed.rates : null;
  const set = (patch: Partial<PricingForm>) => onChange({ ...value, ...patch });
  const perToken = value.mode === "per-token";
  return (
    <div className="space-y-4">
      <div role="radiogroup" aria-label="Pricing" className="grid gap-3 sm:max-w-lg sm:grid-cols-2">
        {MODES.map((m) => (
          <button
            key={m.mode}
            type="button"
            role="radio"
            aria-checked={value.mode === m.mode}
            disabled={disabled}
            onClick={() => set({ mode: m.mode })}
            className={cn(
              "rounded-md border px-4 py-3 text-left transition-colors disabled:cursor-not-allowed",
              value.mode === m.mode ? "border-primary bg-primary/5 ring-2 ring-primary/30" : "border-border hover:bg-muted/50",
            )}
          >
            <span className="block font-medium">{m.label}</span>
            <span className="mt-1 block text-xs text-muted-foreground">{m.blurb}</span>
          </button>
        ))}
      </div>
      <div className={cn("grid gap-4", perToken ? "sm:grid-cols-3" : "sm:max-w-lg sm:grid-cols-2")}>
        <Field
          label={perToken ? "Fixed fee per inference (OPEN)" : "Price per inference (OPEN)"}
          htmlFor="f-price"
          hint={rates ? formatOpen(rates.fee) : perToken ? "Paid by every request; 0 for none." : undefined}
        >
          <input id="f-price" inputMode="decimal" value={value.fee} disabled={disabled} onChange={(e) => set({ fee: e.target.value })} className={inputClass} />
        </Field>
        {perToken ? (
          <>
            <Field label="Input rate (OPEN per 1,000 tokens)" htmlFor="f-input-rate" hint={rates ? `${rates.inputRate.toString()} wei per prompt token` : "Per 1,000 prompt tokens."}>
              <input id="f-input-rate" inputMode="decimal" value={value.inputPer1k} disabled={disabled} onChange={(e) => set({ inputPer1k: e.target.value })} className={inputClass} />
            </Field>
            <Field label="Output rate (OPEN per 1,000 tokens)" htmlFor="f-output-rate" hint={rates ? `${rates.outputRate.toString()} wei per answer token` : "Per 1,000 answer tokens."}>
              <input id="f-output-rate" inputMode="decimal" value={value.outputPer1k} disabled={disabled} onChange={(e) => set({ outputPer1k: e.target.value })} className={inputClass} />
            </Field>
          </>
        ) : null}
      </div>
      {perToken && rates ? (
        <p className="text-sm text-muted-foreground" data-testid="pricing-example">
          Fee = prompt tokens × {formatOpen(per1kTokens(rates.inputRate))} / 1k + answer tokens × {formatOpen(per1kTokens(rates.outputRate))} / 1k +{" "}
          {formatOpen(rates.fee)}. A {EXAMPLE.promptTokens}-token prompt with a {EXAMPLE.answerTokens}-token answer costs{" "}
          <span className="font-medium text-foreground">{formatOpen(charge(rates, EXAMPLE.promptTokens, EXAMPLE.answerTokens))}</span>. Payers
          authorize the cost at the request&apos;s max tokens and are charged only for the tokens used. {transactionsNote}
        </p>
      ) : null}
    </div>
  );
}
