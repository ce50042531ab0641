import { OpenAmount } from "@/components/domain";
import { per1kTokens } from "@/lib/inference/rate-units";
import type { TokenRates } from "@/lib/inference/pricing";

/** A per-token model's price as payers read it: the fixed fee plus each rate per 1,000 tokens. */
export function TokenRatesText({ rates, maxDecimals = 6, className }: { rates: TokenRates; maxDecimals?: number; className?: string }) {
  return (
    <span className={className} data-testid="token-rates">
      <OpenAmount wei={rates.fee} maxDecimals={maxDecimals} className="font-medium text-foreground" /> per inference +{" "}
      <OpenAmount wei={per1kTokens(rates.inputRate)} maxDecimals={maxDecimals} className="font-medium text-foreground" /> per 1k input tokens +{" "}
      <OpenAmount wei={per1kTokens(rates.outputRate)} maxDecimals={maxDecimals} className="font-medium text-foreground" /> per 1k output tokens
    </span>
  );
}
