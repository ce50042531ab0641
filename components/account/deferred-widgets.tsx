"use client";

import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { deferred } from "@/components/ui/deferred";
import { Skeleton } from "@/components/ui/skeleton";
import type { ClaimCardWithWallet } from "./claim-card-with-wallet";
import type { EarningsChart as EarningsChartType } from "./earnings-chart";

/*
 * The account view's two heavy widgets (Recharts; the wallet stack for the owner's Claim) load after the page, so
 * the public account page's first load stays small. /dashboard loads the wallet stack with the page anyway.
 */

export const DeferredClaimCard = deferred<Parameters<typeof ClaimCardWithWallet>[0]>(
  () => import("./claim-card-with-wallet").then((m) => m.ClaimCardWithWallet),
  function ClaimCardLoading() {
    return (
      <Card data-testid="claim-card-loading">
        <CardHeader>
          <CardTitle>Claimable balance</CardTitle>
        </CardHeader>
        <CardContent className="space-y-2">
          <Skeleton className="h-8 w-40" />
          <Skeleton className="h-4 w-56" />
        </CardContent>
      </Card>
    );
  },
);

export const DeferredEarningsChart = deferred<Parameters<typeof EarningsChartType>[0]>(
  () => import("./earnings-chart").then((m) => m.EarningsChart),
  function EarningsChartLoading() {
    return <Skeleton className="h-72 w-full" data-testid="earnings-chart-loading" />;
  },
);
