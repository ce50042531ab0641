"use client";

import { useQuery } from "@tanstack/react-query";
import { formatNumber, formatOpen, plural } from "@/components/format";
import { Skeleton } from "@/components/ui/skeleton";
import { apiGet, type SpecAt, type Wire } from "@/lib/api/client";
import { FORECAST_BUDGET_MS, FORECAST_DAYS, FORECAST_MAX_PROMPTS } from "@/lib/forecast/limits";
import { queryKeys } from "@/lib/live/query-keys";
import { cn } from "@/lib/utils";

export type ForecastWire = Wire<SpecAt<"/api/datanets/{id}/forecast">>;

/** What an uploaded (not yet registered) file would have earned on the Datanet's recent paid requests. */
export function useUploadForecast(datanetId: number, hash: string | null | undefined) {
  return useQuery({
    queryKey: [...queryKeys.datanet(datanetId), "forecast", hash],
    queryFn: () => apiGet("/api/datanets/{id}/forecast", { params: { id: datanetId }, query: { hash }, what: "The earnings forecast" }),
    enabled: !!hash,
    staleTime: 60_000,
    retry: 1,
  });
}

const HOW = `Replayed in a separate worker process on the models' paid requests of the last ${FORECAST_DAYS} days (at most ${FORECAST_MAX_PROMPTS}, at most ${FORECAST_BUDGET_MS / 1000} s), with the parameters each was served with: exact for these deterministic models, if the next version with your file is built and the same requests come again.`;

export function ForecastReport({ data, className }: { data: ForecastWire; className?: string }) {
  const earned = BigInt(data.earned);
  const replayed = data.models.filter((m) => m.replayed > 0);
  return (
    <div className={cn("space-y-1.5 rounded-md border border-border px-3 py-2 text-sm", className)} data-testid="forecast" data-earned={data.earned} data-replayed={data.replayed}>
      <p className="font-medium">What this file would have earned</p>
      {data.models.length === 0 ? (
        <p className="text-muted-foreground">No model is built on this Datanet yet, so there is nothing to replay: a file earns once a model built on a version holding it is paid for.</p>
      ) : data.prompts === 0 ? (
        <p className="text-muted-foreground">
          The {plural(data.models.length, "model")} built on this Datanet had no paid requests in the last {FORECAST_DAYS} days, so there is nothing to replay.
        </p>
      ) : (
        <>
          <p>
            <span className="font-medium tabular-nums" title={`${data.earned} wei`} data-testid="forecast-earned">
              {formatOpen(earned)}
            </span>{" "}
            on {plural(data.earning, "paid request")} of the {formatNumber(data.replayed)} replayed
            {data.replayed < data.prompts ? ` (of ${formatNumber(data.prompts)} in the window: the time budget ran out)` : ""}, as contribution #{data.contributionId}.
          </p>
          {replayed.length ? (
            <ul className="space-y-0.5 text-xs text-muted-foreground" aria-label="Forecast per model">
              {replayed.map((m) => (
                <li key={m.modelId} data-testid={`forecast-model-${m.modelId}`}>
                  Model #{m.modelId} {m.name}: {formatOpen(BigInt(m.earned))} on {m.earning} of {plural(m.replayed, "request")}
                  {m.changedAnswers > 0 ? `; ${plural(m.changedAnswers, "answer")} would read differently` : ""}
                </li>
              ))}
            </ul>
          ) : null}
          {data.models.some((m) => m.unavailable) ? (
            <ul className="space-y-0.5 text-xs text-muted-foreground">
              {data.models
                .filter((m) => m.unavailable)
                .map((m) => (
                  <li key={m.modelId}>
                    Model #{m.modelId} was not replayed: {m.unavailable}
                  </li>
                ))}
            </ul>
          ) : null}
        </>
      )}
      <p className="text-xs text-muted-foreground">{HOW}</p>
    </div>
  );
}

/** Loading and failure states around ForecastReport. */
export function ForecastState({ query, className }: { query: { isPending: boolean; isError: boolean; error: Error | null; data?: ForecastWire }; className?: string }) {
  if (query.isError) {
    return (
      <p className={cn("text-xs text-muted-foreground", className)} data-testid="forecast-error">
        Could not forecast this file&apos;s earnings: {query.error?.message}
      </p>
    );
  }
  if (query.isPending || !query.data) {
    return (
      <div className={cn("space-y-1", className)} aria-live="polite" data-testid="forecast-loading">
        <p className="text-xs text-muted-foreground">Replaying this Datanet&apos;s models on their recent paid requests with your file (at most {FORECAST_BUDGET_MS / 1000} s)…</p>
        <Skeleton className="h-8 w-full" />
      </div>
    );
  }
  return <ForecastReport data={query.data} className={className} />;
}
