import Link from "next/link";
import { DatanetCard, ModelCard } from "@/components/cards";
import { OpenAmount, SectionHeading } from "@/components/domain";
import { LiveRefresh } from "@/components/live/live-refresh";
import { formatNumber, formatOpen } from "@/components/format";
import { ArrowRightIcon, CoinsIcon, CpuIcon, DatabaseIcon, FileIcon, UsersIcon, ZapIcon } from "@/components/icons";
import { buttonVariants } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Stat, StatGrid } from "@/components/ui/stat";
import { NetworkStats } from "@/components/home/network-stats";
import { SettlementFeed } from "@/components/home/settlement-feed";
import { FEED_SIZE } from "@/components/home/constants";
import { settlementsFeed, stats as statsEndpoint } from "@/lib/api/endpoints";
import { getHomeStats, getRecentStats, listDatanets, listModels, pageSettlements } from "@/lib/queries";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  const [stats, recent, settlements, datanets, models] = await Promise.all([
    getHomeStats(),
    getRecentStats(),
    pageSettlements({ limit: FEED_SIZE }),
    listDatanets({ sort: "contributors", limit: 6 }),
    listModels({ sort: "inferences", limit: 6 }),
  ]);
  // The client components start from exactly what their API routes answer (same codecs), then stay live.
  const recentWire = statsEndpoint.response.encode(recent);
  const settlementsWire = settlementsFeed.response.encode(settlements);

  return (
    <>
      <section className="relative overflow-hidden border-b border-border bg-card">
        <div
          aria-hidden="true"
          className="pointer-events-none absolute inset-0 bg-[radial-gradient(60rem_30rem_at_85%_-10%,color-mix(in_oklch,var(--color-primary)_12%,transparent),transparent),radial-gradient(40rem_20rem_at_0%_110%,color-mix(in_oklch,var(--color-success)_10%,transparent),transparent)]"
        />
        <div className="container-page relative py-14 sm:py-20">
          <p className="mb-4 inline-flex items-center gap-2 rounded-full border border-border bg-card/80 px-3 py-1 text-xs font-medium text-muted-foreground">
            <span className="size-1.5 rounded-full bg-success" aria-hidden="true" />
            Proof of Attribution, settled on-chain
          </p>
          <h1 className="max-w-3xl text-4xl font-semibold tracking-tight text-balance sm:text-5xl">
            Pay the people who feed AI.
          </h1>
          <p className="mt-4 max-w-2xl text-lg text-muted-foreground text-pretty">
            Ledgerline routes every inference fee back to the contributors whose data produced the answer — exact,
            recomputable, and claimable with a wallet.
          </p>
          <div className="mt-8 flex flex-wrap gap-3">
            <Link href="/datanets" className={buttonVariants({ size: "lg" })}>
              Browse Datanets <ArrowRightIcon />
            </Link>
            <Link href="/models" className={buttonVariants({ size: "lg", variant: "outline" })}>
              Explore models
            </Link>
          </div>
        </div>
      </section>

      <div className="container-page space-y-14 py-10">
        <section aria-labelledby="stats-heading" className="space-y-3">
          <div className="flex items-center justify-between gap-3">
            <h2 id="stats-heading" className="text-lg font-semibold tracking-tight">
              Last 24 hours
            </h2>
            {/* One SSE subscription for the page: it refreshes the server parts and invalidates the live queries below. */}
            <LiveRefresh />
          </div>
          <NetworkStats initial={recentWire} />
          <StatGrid className="lg:grid-cols-6">
            <Stat label="Datanets" value={formatNumber(stats.datanets)} icon={<DatabaseIcon />} />
            <Stat label="Contributions" value={formatNumber(stats.contributions)} icon={<FileIcon />} />
            <Stat label="Contributors" value={formatNumber(stats.contributors)} icon={<UsersIcon />} />
            <Stat label="Models" value={formatNumber(stats.models)} icon={<CpuIcon />} />
            <Stat label="Inferences" value={formatNumber(stats.settledInferences)} hint="all time, settled on-chain" icon={<ZapIcon />} />
            <Stat
              label="Fees paid"
              value={formatOpen(stats.feesPaid, { maxDecimals: 2 })}
              title={formatOpen(stats.feesPaid)}
              hint={<>all time; <OpenAmount wei={stats.contributorEarnings} maxDecimals={2} /> to contributors</>}
              icon={<CoinsIcon />}
            />
          </StatGrid>
        </section>

        <section aria-labelledby="feed-heading">
          <SectionHeading
            id="feed-heading"
            title="Settling now"
            description="Paid inferences as the operator settles them on-chain, with the contributors each one paid."
          />
          <SettlementFeed initial={settlementsWire} />
        </section>

        <section aria-labelledby="datanets-heading">
          <SectionHeading
            id="datanets-heading"
            title="Top Datanets"
            description="Community datasets, ranked by contributors. Every accepted record can earn."
            action={
              <Link href="/datanets" className={buttonVariants({ variant: "ghost", size: "sm" })}>
                All Datanets <ArrowRightIcon />
              </Link>
            }
          />
          {datanets.length ? (
            <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
              {datanets.map((d) => (
                <DatanetCard key={d.id} datanet={d} />
              ))}
            </div>
          ) : (
            <EmptyState
              icon={<DatabaseIcon />}
              title="No Datanets yet"
              description="Datanets appear here as soon as they are created on-chain and indexed."
            />
          )}
        </section>

        <section aria-labelledby="models-heading">
          <SectionHeading
            id="models-heading"
            title="Models"
            description="Built from Datanet versions; each inference pays the data it used."
            action={
              models.length ? (
                <Link href="/models" className={buttonVariants({ variant: "ghost", size: "sm" })}>
                  All models <ArrowRightIcon />
                </Link>
              ) : null
            }
          />
          {models.length ? (
            <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
              {models.map((m) => (
                <ModelCard key={m.id} model={m} />
              ))}
            </div>
          ) : (
            <EmptyState
              icon={<CpuIcon />}
              title="No models yet"
              description="Models appear here once the Model Factory registers them on-chain, with their lineage back to the Datanet versions they were built from."
            />
          )}
        </section>
      </div>
    </>
  );
}
