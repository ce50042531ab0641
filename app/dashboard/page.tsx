import type { Metadata } from "next";
import { PageHeader } from "@/components/domain";
import { DashboardClient } from "@/components/account/dashboard-client";

export const metadata: Metadata = { title: "Dashboard", description: "Your earnings, attribution credits and claimable OPEN." };

export default function DashboardPage() {
  return (
    <>
      <PageHeader title="Dashboard">
        <p className="mt-3 text-sm text-muted-foreground">Earnings, attribution credits and claimable balance of your connected wallet.</p>
      </PageHeader>
      <div className="container-page py-8">
        <DashboardClient />
      </div>
    </>
  );
}
