import { DeferredDatanetUsageChart as DatanetUsageChart } from "@/components/charts/deferred-usage-charts";
import { loadDatanetUsage } from "@/components/charts/usage-data";
import { Contribute } from "@/components/datanet/contribute";
import { CopiedNote } from "@/components/datanet/copied-note";
import { EditDatanet } from "@/components/datanet/edit-datanet";
import { RECORD_PAGE_SIZE } from "@/components/datanet/record-page";
import { RecordViewer } from "@/components/datanet/record-viewer";
import { ReviewQueue } from "@/components/datanet/review-queue";
import { RemoveContribution, WithdrawalNote } from "@/components/datanet/takedown";
import { TermsNote } from "@/components/datanet/contribution-terms";
import { LiveRefresh } from "@/components/live/live-refresh";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache, Suspense } from "react";
import {
  AddressText,
  Breadcrumbs,
  DetailRow,
  ContributionStatusBadge,
  HashText,
  ModelKindBadge,
  OpenAmount,
  PageHeader,
  RootCheck,
  SectionHeading,
  TagLink,
} from "@/components/domain";
import {
  formatBytes,
  formatDate,
  formatDateTime,
  formatNumber,
  formatOpen,
  formatRelativeTime,
  plural,
} from "@/components/format";
import { CoinsIcon, CpuIcon, FileIcon, GitBranchIcon, LayersIcon, UsersIcon } from "@/components/icons";
import { MarkdownText } from "@/components/markdown-text";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Stat } from "@/components/ui/stat";
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { getDatanet, pageRecords } from "@/lib/queries";
import { parseIdParam } from "@/lib/search-params";

export const dynamic = "force-dynamic";

const CONTRIBUTION_LIMIT = 50;

type Params = Promise<{ id: string }>;

const load = cache(async (rawId: string) => {
  const id = parseIdParam(rawId);
  return id === null ? null : getDatanet(id, { contributionLimit: CONTRIBUTION_LIMIT });
});

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const detail = await load((await params).id);
  if (!detail) return { title: "Datanet not found" };
  return { title: detail.datanet.name, description: detail.datanet.summary || undefined };
}

export default async function DatanetPage({ params }: { params: Params }) {
  const detail = await load((await params).id);
  if (!detail) notFound();
  const { datanet: d, versions, contributions, statusCounts, leaderboard, models } = detail;
  const [firstRecords, usage] = await Promise.all([pageRecords(d.id, { limit: RECORD_PAGE_SIZE }), loadDatanetUsage(d.id)]);
  const totalContributions = statusCounts.pending + statusCounts.accepted + statusCounts.rejected;

  return (
    <>
      <PageHeader
        eyebrow={<Breadcrumbs items={[{ href: "/datanets", label: "Datanets" }, { label: d.name }]} />}
        title={
          <span className="flex flex-wrap items-center gap-3">
            {d.name}
            <Badge variant={d.curated ? "info" : "secondary"}>{d.curated ? "Curated" : "Open"}</Badge>
          </span>
        }
        description={d.summary || undefined}
      >
        <div className="mt-4 flex flex-wrap items-center gap-x-4 gap-y-2 text-sm text-muted-foreground">
          <span>
            Owner <AddressText address={d.owner} className="text-foreground" />
          </span>
          {d.license ? <span>License <span className="font-medium text-foreground">{d.license}</span></span> : null}
          <span>
            Bond <OpenAmount wei={d.bond} className="font-medium text-foreground" />
          </span>
          <span title={formatDateTime(d.createdAt)}>Created {formatRelativeTime(d.createdAt)}</span>
          <LiveRefresh datanetId={d.id} />
        </div>
        {d.tags.length ? (
          <div className="mt-4 flex flex-wrap gap-1.5">
            {d.tags.map((t) => (
              <TagLink key={t} tag={t} />
            ))}
          </div>
        ) : null}
        <div className="mt-4 empty:hidden">
          <EditDatanet
            datanet={{
              id: d.id,
              owner: d.owner,
              name: d.name,
              license: d.license,
              summary: d.summary,
              description: d.description,
              tags: d.tags,
              metadataHash: d.metadataHash,
              bond: d.bond.toString(),
            }}
          />
        </div>
      </PageHeader>

      <div className="container-page space-y-10 py-8">
        <dl className="grid grid-cols-2 gap-3 md:grid-cols-5">
          <Stat
            label="Contributions"
            value={formatNumber(totalContributions)}
            hint={`${formatNumber(statusCounts.accepted)} accepted · ${formatNumber(statusCounts.pending)} pending · ${formatNumber(statusCounts.rejected)} rejected`}
            icon={<FileIcon />}
          />
          <Stat label="Accepted records" value={formatNumber(detail.acceptedRecords)} icon={<LayersIcon />} />
          <Stat label="Contributors" value={formatNumber(detail.contributors)} icon={<UsersIcon />} />
          <Stat
            label="Versions"
            value={formatNumber(versions.length)}
            hint={versions[0] ? `Latest v${versions[0].version} · ${formatRelativeTime(versions[0].publishedAt)}` : "None published"}
            icon={<GitBranchIcon />}
          />
          <Stat
            label="Paid to contributors"
            value={formatOpen(detail.totalEarned, { maxDecimals: 2 })}
            title={formatOpen(detail.totalEarned)}
            hint="Attribution credits from inferences"
            icon={<CoinsIcon />}
          />
        </dl>

        <div className="grid gap-8 lg:grid-cols-[1fr_20rem]">
          <div className="min-w-0 space-y-10">
            <section aria-labelledby="about-heading">
              <SectionHeading id="about-heading" title="About" />
              <Card>
                <CardContent className="pt-5">
                  {d.description.trim() ? (
                    <MarkdownText source={d.description} />
                  ) : (
                    <p className="text-sm italic text-muted-foreground">The owner has not written a description yet.</p>
                  )}
                </CardContent>
              </Card>
            </section>

            <section aria-labelledby="records-heading">
              <SectionHeading
                id="records-heading"
                title="Records"
                description="Every record of the accepted and pending contributions, as the attribution engine and the Model Factory split them."
              />
              <RecordViewer
                datanetId={d.id}
                initial={firstRecords}
                versions={versions.map((v) => v.version)}
                contributionIds={contributions.filter((c) => c.status !== "rejected" && !c.withdrawnBy).map((c) => c.id).sort((a, b) => a - b)}
              />
            </section>

            <section aria-labelledby="usage-heading">
              <SectionHeading
                id="usage-heading"
                title="Usage"
                description="Settled inferences whose attribution credited this Datanet, and what its contributors were paid."
              />
              {/* The page's LiveRefresh already subscribes to the stream (and invalidates the chart's query). */}
              <DatanetUsageChart datanetId={d.id} initial={usage} subscribe={false} />
            </section>

            <section aria-labelledby="versions-heading">
              <SectionHeading
                id="versions-heading"
                title="Versions"
                description="Each version is a Merkle root over the accepted contributions at the time it was published."
              />
              {versions.length ? (
                <Card>
                  <Table>
                    <TableHeader>
                      <TableRow>
                        <TableHead>Version</TableHead>
                        <TableHead>Root</TableHead>
                        <TableHead className="text-right">Contributions</TableHead>
                        <TableHead>Published</TableHead>
                      </TableRow>
                    </TableHeader>
                    <TableBody>
                      {versions.map((v) => (
                        <TableRow key={v.version} id={`v${v.version}`}>
                          <TableCell className="font-medium">v{v.version}</TableCell>
                          <TableCell>
                            <span className="flex items-center gap-2">
                              <HashText hash={v.root} />
                              <RootCheck verified={v.rootVerified} />
                            </span>
                          </TableCell>
                          <TableCell className="text-right tabular-nums">{formatNumber(v.count)}</TableCell>
                          <TableCell title={formatDateTime(v.publishedAt)}>{formatDate(v.publishedAt)}</TableCell>
                        </TableRow>
                      ))}
                    </TableBody>
                  </Table>
                </Card>
              ) : (
                <EmptyState
                  compact
                  icon={<GitBranchIcon />}
                  title="No versions published yet"
                  description="The owner publishes a version once contributions have been reviewed; models are built from versions."
                />
              )}
            </section>

            <section aria-labelledby="contribute-heading">
              <SectionHeading
                id="contribute-heading"
                title="Contribute"
                description={
                  d.curated
                    ? `Upload a file and register it on-chain with a bond of ${formatOpen(d.bond)}; the owner reviews it.`
                    : `Upload a file and register it on-chain; this open Datanet accepts it at once and returns the ${formatOpen(d.bond)} bond.`
                }
              />
              <Contribute datanetId={d.id} bond={d.bond.toString()} curated={d.curated} />
            </section>

            <section aria-labelledby="review-heading">
              <SectionHeading
                id="review-heading"
                title="Review"
                description="The owner accepts or rejects pending contributions and publishes versions."
              />
              <ReviewQueue datanetId={d.id} owner={d.owner} curated={d.curated} />
            </section>

            <section aria-labelledby="contributions-heading">
              <SectionHeading
                id="contributions-heading"
                title="Contributions"
                description="Uploads registered on-chain with their content hash and bond. A contribution that repeats earlier ones is marked with how much and from which (copied runs earn their original). A withdrawn or removed contribution says by whom, when and why; models skip it."
              />
              {contributions.length ? (
                <Card>
                  <Table>
                    <TableHeader>
                      <TableRow>
                        <TableHead>ID</TableHead>
                        <TableHead>Contributor</TableHead>
                        <TableHead className="text-right">Records</TableHead>
                        <TableHead className="text-right">Size</TableHead>
                        <TableHead>Status</TableHead>
                        <TableHead>Submitted</TableHead>
                        <TableHead>
                          <span className="sr-only">Takedown</span>
                        </TableHead>
                      </TableRow>
                    </TableHeader>
                    <TableBody>
                      {contributions.map((c) => (
                        <TableRow key={c.id} data-testid="datanet-contribution-row" data-id={c.id} data-withdrawn={c.withdrawnBy ? "true" : "false"}>
                          <TableCell className="font-mono text-xs text-muted-foreground">#{c.id}</TableCell>
                          <TableCell>
                            <AddressText address={c.contributor} />
                          </TableCell>
                          <TableCell className="text-right tabular-nums">{formatNumber(c.records)}</TableCell>
                          <TableCell className="text-right tabular-nums">{formatBytes(c.bytes)}</TableCell>
                          <TableCell>
                            <ContributionStatusBadge status={c.status} />
                            <WithdrawalNote c={c} className="mt-1" />
                            <TermsNote c={c} className="mt-1" />
                            {c.status !== "rejected" ? (
                              <Suspense fallback={null}>
                                <CopiedNote datanetId={d.id} contributionId={c.id} className="mt-1" />
                              </Suspense>
                            ) : null}
                          </TableCell>
                          <TableCell title={formatDateTime(c.submittedAt)}>{formatRelativeTime(c.submittedAt)}</TableCell>
                          <TableCell>
                            {!c.withdrawnBy && c.status !== "rejected" ? (
                              <RemoveContribution contributionId={c.id} datanetId={d.id} owner={d.owner} contributor={c.contributor} />
                            ) : null}
                          </TableCell>
                        </TableRow>
                      ))}
                    </TableBody>
                    {totalContributions > contributions.length ? (
                      <TableCaption className="pb-3">
                        Showing the latest {formatNumber(contributions.length)} of {formatNumber(totalContributions)}{" "}
                        contributions.
                      </TableCaption>
                    ) : null}
                  </Table>
                </Card>
              ) : (
                <EmptyState
                  compact
                  icon={<FileIcon />}
                  title="No contributions yet"
                  description={`Contributors register uploads on-chain with a bond of ${formatOpen(d.bond)}; they appear here once indexed.`}
                />
              )}
            </section>

            <section aria-labelledby="leaderboard-heading">
              <SectionHeading
                id="leaderboard-heading"
                title="Contributor leaderboard"
                description="Ranked by what their data earned through this Datanet (attribution credits from paid inferences), then by accepted records."
              />
              {leaderboard.length ? (
                <Card>
                  <Table>
                    <TableHeader>
                      <TableRow>
                        <TableHead className="w-12">#</TableHead>
                        <TableHead>Contributor</TableHead>
                        <TableHead className="text-right">Accepted</TableHead>
                        <TableHead className="text-right">Accepted records</TableHead>
                        <TableHead className="text-right">Earned</TableHead>
                      </TableRow>
                    </TableHeader>
                    <TableBody>
                      {leaderboard.map((e, i) => (
                        <TableRow key={e.contributor}>
                          <TableCell className="tabular-nums text-muted-foreground">{i + 1}</TableCell>
                          <TableCell>
                            <AddressText address={e.contributor} />
                          </TableCell>
                          <TableCell className="text-right tabular-nums">
                            {formatNumber(e.accepted)}
                            <span className="text-muted-foreground"> / {formatNumber(e.contributions)}</span>
                          </TableCell>
                          <TableCell className="text-right tabular-nums">{formatNumber(e.acceptedRecords)}</TableCell>
                          <TableCell className="text-right">
                            <OpenAmount wei={e.earned} className={e.earned > 0n ? "font-medium text-success" : undefined} />
                          </TableCell>
                        </TableRow>
                      ))}
                    </TableBody>
                    {detail.contributors > leaderboard.length ? (
                      <TableCaption className="pb-3">
                        Top {formatNumber(leaderboard.length)} of {plural(detail.contributors, "contributor")}.
                      </TableCaption>
                    ) : null}
                  </Table>
                </Card>
              ) : (
                <EmptyState
                  compact
                  icon={<UsersIcon />}
                  title="No contributors yet"
                  description="The leaderboard fills in as contributions are submitted and reviewed."
                />
              )}
            </section>
          </div>

          <aside className="space-y-6">
            <Card>
              <CardHeader>
                <CardTitle>Details</CardTitle>
              </CardHeader>
              <CardContent>
                <dl className="space-y-3 text-sm">
                  <DetailRow label="Datanet ID" value={<span className="font-mono">#{d.id}</span>} />
                  <DetailRow label="Curation" value={d.curated ? "Curated by owner" : "Open"} />
                  <DetailRow label="License" value={d.license || "—"} />
                  <DetailRow label="Contribution bond" value={<OpenAmount wei={d.bond} maxDecimals={18} />} />
                  <DetailRow label="Owner" value={<AddressText address={d.owner} chars={6} />} />
                  <DetailRow label="Treasury" value={<AddressText address={d.treasury} chars={6} />} />
                  <DetailRow label="Metadata hash" value={<HashText hash={d.metadataHash} />} />
                  <DetailRow label="Created" value={formatDateTime(d.createdAt)} />
                  <DetailRow label="Creation tx" value={<HashText hash={d.createdTx} />} />
                </dl>
              </CardContent>
            </Card>

            <Card>
              <CardHeader>
                <CardTitle>Models built from it</CardTitle>
              </CardHeader>
              <CardContent>
                {models.length ? (
                  <ul className="divide-y divide-border">
                    {models.map((m) => (
                      <li key={m.id} className="flex items-center justify-between gap-3 py-2.5 first:pt-0 last:pb-0">
                        <div className="min-w-0">
                          <Link href={`/models/${m.id}`} className="block truncate text-sm font-medium hover:text-primary">
                            {m.name}
                          </Link>
                          <p className="text-xs text-muted-foreground">
                            from v{m.version} · {plural(m.inferenceCount, "inference")}
                          </p>
                        </div>
                        <ModelKindBadge kind={m.kind} />
                      </li>
                    ))}
                  </ul>
                ) : (
                  <div className="flex items-start gap-3 text-sm text-muted-foreground">
                    <CpuIcon className="mt-0.5 size-4 shrink-0" />
                    <p>No models yet. Builders pick a published version in the Model Factory; their models show up here.</p>
                  </div>
                )}
              </CardContent>
            </Card>
          </aside>
        </div>
      </div>
    </>
  );
}

