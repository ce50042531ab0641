import type { Metadata } from "next";
import { PageHeader } from "@/components/domain";
import { DashboardClient } from "@/components/account/dashboard-client";
import { topContributor } from "@/lib/queries";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Dashboard", description: "Your earnings, attribution credits and claimable OPEN." };

export default async function DashboardPage() {
  // Before a wallet is connected the page shows what it will show, on the public view of the top contributor.
  const demo = await topContributor().catch(() => null);
  return (
    <>
      <PageHeader title="Dashboard">
        <p className="mt-3 text-sm text-muted-foreground">Earnings, attribution credits and claimable balance of your connected wallet.</p>
      </PageHeader>
      <div className="container-page py-8">
        <DashboardClient demo={demo} />
      </div>
    </>
  );
}
