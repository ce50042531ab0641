import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import {
  AddressText,
  Breadcrumbs,
  DetailRow,
  HashText,
  InferenceStatusBadge,
  ModelKindBadge,
  OpenAmount,
  PageHeader,
  RootCheck,
  SectionHeading,
} from "@/components/domain";
import { facts, type Fact } from "@/components/model-facts";
import { formatBps, formatDate, formatDateTime, formatNumber, formatOpen, formatRelativeTime } from "@/components/format";
import { ActivityIcon, CoinsIcon, DatabaseIcon, ScaleIcon, ZapIcon } from "@/components/icons";
import { DeferredModelUsageCharts as ModelUsageCharts } from "@/components/charts/deferred-usage-charts";
import { loadModelUsage } from "@/components/charts/usage-data";
import { ApiSnippet } from "@/components/inference/api-snippet";
import { Playground } from "@/components/inference/playground";
import { TokenRatesText } from "@/components/inference/token-rates";
import { MarkdownText } from "@/components/markdown-text";
import { ManagePricing } from "@/components/model/manage-pricing";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Stat } from "@/components/ui/stat";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { isPerToken, type TokenRates } from "@/lib/inference/pricing";
import { modelTokenizerName } from "@/lib/attribution/tokenizer-names";
import { per1kTokens } from "@/lib/inference/rate-units";
import { getModel } from "@/lib/queries";
import { parseIdParam } from "@/lib/search-params";

export const dynamic = "force-dynamic";

type Params = Promise<{ id: string }>;

const load = cache(async (rawId: string) => {
  const id = parseIdParam(rawId);
  return id === null ? null : getModel(id, { inferenceLimit: 20 });
});

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const detail = await load((await params).id);
  if (!detail) return { title: "Model not found" };
  return { title: detail.model.name, description: detail.model.description.slice(0, 200) || undefined };
}

/** A model's parameters or evaluation as label/value rows (components/model-facts.ts), nested rows indented. */
function FactList({ items, nested = false }: { items: Fact[]; nested?: boolean }) {
  return (
    <dl className={nested ? "mt-1 space-y-1 border-l border-border pl-3 text-xs" : "space-y-2 text-sm"}>
      {items.map((f) => (
        <div key={f.key} className="grid grid-cols-[auto_minmax(0,1fr)] items-start gap-x-4">
          <dt className="text-muted-foreground">{f.label}</dt>
          <dd className={f.key === "note" ? "text-right text-xs text-muted-foreground" : "break-words text-right font-medium tabular-nums"} title={f.exact}>
            {f.text}
          </dd>
          {f.rows?.length ? (
            <dd className="col-span-2">
              <FactList items={f.rows} nested />
            </dd>
          ) : null}
        </div>
      ))}
    </dl>
  );
}

export default async function ModelPage({ params }: { params: Params }) {
  const detail = await load((await params).id);
  if (!detail) notFound();
  const { model: m, lineage, recentInferences, statusCounts } = detail;
  const usage = await loadModelUsage(m.id);
  // The tokenizer has its own row in Details (every model has one, named in the card or not).
  const { examples: rawExamples, tokenizer: _tokenizer, ...shownParameters } = m.parameters ?? {};
  const tokenizer = modelTokenizerName(m.kind, m.parameters);
  const examples = Array.isArray(rawExamples) ? (rawExamples as unknown[]).filter((x): x is string => typeof x === "string").slice(0, 5) : undefined;
  const parameters = facts(shownParameters);
  const evaluation = facts(m.evaluation);
  const rates: TokenRates = { fee: m.price, inputRate: m.inputRate, outputRate: m.outputRate };
  const perToken = isPerToken(rates);

  return (
    <>
      <PageHeader
        eyebrow={<Breadcrumbs items={[{ href: "/models", label: "Models" }, { label: m.name }]} />}
        title={
          <span className="flex flex-wrap items-center gap-3">
            {m.name}
            <ModelKindBadge kind={m.kind} />
            {m.active ? <Badge variant="success">Active</Badge> : <Badge variant="secondary">Inactive</Badge>}
          </span>
        }
      >
        <div className="mt-4 flex flex-wrap items-center gap-x-4 gap-y-2 text-sm text-muted-foreground">
          <span>
            Builder <AddressText address={m.builder} className="text-foreground" />
          </span>
          {perToken ? (
            <span>
              Price <TokenRatesText rates={rates} />
            </span>
          ) : (
            <span>
              Price <OpenAmount wei={m.price} className="font-medium text-foreground" /> per inference
            </span>
          )}
          <span title={formatDateTime(m.createdAt)}>Registered {formatRelativeTime(m.createdAt)}</span>
        </div>
      </PageHeader>

      <div className="container-page space-y-10 py-8">
        <dl className="grid grid-cols-2 gap-3 md:grid-cols-4">
          <Stat
            label={perToken ? "Fixed fee" : "Price"}
            value={formatOpen(m.price, { maxDecimals: 4 })}
            title={formatOpen(m.price)}
            hint={perToken ? `Plus the tokens used · builder keeps ${formatBps(m.builderBps)}` : `Builder keeps ${formatBps(m.builderBps)}`}
            icon={<CoinsIcon />}
          />
          <Stat
            label="Settled inferences"
            value={formatNumber(statusCounts.settled)}
            hint={`${formatNumber(statusCounts.paid)} in flight · ${formatNumber(statusCounts.refunded)} refunded`}
            icon={<ZapIcon />}
          />
          <Stat
            label="Revenue"
            value={formatOpen(detail.settledRevenue, { maxDecimals: 2 })}
            title={formatOpen(detail.settledRevenue)}
            hint="Fees of settled inferences"
            icon={<ActivityIcon />}
          />
          <Stat
            label="Paid to contributors"
            value={formatOpen(detail.paidToContributors, { maxDecimals: 2 })}
            title={formatOpen(detail.paidToContributors)}
            hint="Contributor pools, by attribution"
            icon={<ScaleIcon />}
          />
        </dl>

        <div className="grid gap-8 lg:grid-cols-[1fr_20rem]">
          <div className="min-w-0 space-y-10">
            <section aria-labelledby="about-heading">
              <SectionHeading id="about-heading" title="About" />
              <Card>
                <CardContent className="pt-5">
                  {m.description.trim() ? (
                    <MarkdownText source={m.description} />
                  ) : (
                    <p className="text-sm italic text-muted-foreground">The builder has not written a description.</p>
                  )}
                </CardContent>
              </Card>
            </section>

            {/* Renders only for the connected builder (a client check; the registry enforces it). */}
            <ManagePricing
              model={{ id: m.id, builder: m.builder, price: m.price.toString(), inputRate: m.inputRate.toString(), outputRate: m.outputRate.toString(), active: m.active }}
            />

            <section aria-labelledby="playground-heading">
              <SectionHeading
                id="playground-heading"
                title="Playground"
                description="Pay for one inference with a signed OPEN authorization and see how its price is split and attributed."
              />
              <Playground modelId={m.id} kind={m.kind} active={m.active} examples={examples} card={m.parameters ?? {}} tokenizer={tokenizer} />
            </section>

            <section aria-labelledby="api-heading">
              <SectionHeading id="api-heading" title="Use it from code" description="The same payment and attribution, from a script or an OpenAI client." />
              <ApiSnippet modelId={m.id} kind={m.kind} />
            </section>

            <section aria-labelledby="usage-heading">
              <SectionHeading
                id="usage-heading"
                title="Usage and revenue"
                description="Settled inferences and the fees they paid; updates live as inferences settle."
              />
              <ModelUsageCharts modelId={m.id} initial={usage} />
            </section>

            <section aria-labelledby="lineage-heading">
              <SectionHeading
                id="lineage-heading"
                title="Lineage"
                description="The exact Datanet versions this model was built from. Its artifact hash commits to these contributions."
              />
              {lineage.length ? (
                <Card>
                  <Table>
                    <TableHeader>
                      <TableRow>
                        <TableHead>Datanet</TableHead>
                        <TableHead>Version</TableHead>
                        <TableHead>Root</TableHead>
                        <TableHead className="text-right">Contributions</TableHead>
                        <TableHead>Published</TableHead>
                      </TableRow>
                    </TableHeader>
                    <TableBody>
                      {lineage.map((l) => (
                        <TableRow key={l.datanetId}>
                          <TableCell className="max-w-[16rem] whitespace-normal">
                            <Link href={`/datanets/${l.datanetId}`} className="font-medium hover:text-primary">
                              {l.datanetName}
                            </Link>
                            {l.datanetSummary ? (
                              <p className="line-clamp-1 text-xs text-muted-foreground">{l.datanetSummary}</p>
                            ) : null}
                          </TableCell>
                          <TableCell>
                            <Link
                              href={`/datanets/${l.datanetId}#v${l.version}`}
                              className="rounded-md border border-border bg-muted/40 px-1.5 py-0.5 font-mono text-xs hover:border-primary/40 hover:text-primary"
                            >
                              v{l.version}
                            </Link>
                          </TableCell>
                          <TableCell>
                            <span className="flex items-center gap-2">
                              <HashText hash={l.root} />
                              {l.rootVerified === null ? null : <RootCheck verified={l.rootVerified} />}
                            </span>
                          </TableCell>
                          <TableCell className="text-right tabular-nums">
                            {l.count === null ? "—" : formatNumber(l.count)}
                          </TableCell>
                          <TableCell>{formatDate(l.publishedAt)}</TableCell>
                        </TableRow>
                      ))}
                    </TableBody>
                  </Table>
                </Card>
              ) : (
                <EmptyState
                  compact
                  icon={<DatabaseIcon />}
                  title="No lineage recorded"
                  description="This model does not cite any Datanet version (for example, an external model whose attribution uses span tracing only)."
                />
              )}
            </section>

            <section aria-labelledby="inferences-heading">
              <SectionHeading
                id="inferences-heading"
                title="Recent inferences"
                description="Paid requests and how they settled."
              />
              {recentInferences.length ? (
                <Card>
                  <Table>
                    <TableHeader>
                      <TableRow>
                        <TableHead>Request</TableHead>
                        <TableHead>Payer</TableHead>
                        <TableHead className="text-right">Price</TableHead>
                        <TableHead className="text-right">Contributor pool</TableHead>
                        <TableHead>Status</TableHead>
                        <TableHead>Method</TableHead>
                        <TableHead>Paid</TableHead>
                      </TableRow>
                    </TableHeader>
                    <TableBody>
                      {recentInferences.map((r) => (
                        <TableRow key={r.requestId}>
                          <TableCell className="font-mono text-xs">
                            <Link href={`/inferences/${r.requestId}`} className="text-muted-foreground hover:text-primary">
                              #{r.requestId}
                            </Link>
                          </TableCell>
                          <TableCell>
                            <AddressText address={r.payer} />
                            {r.viaAuthorization ? (
                              <Badge variant="outline" className="ml-2" title="Paid with a signed EIP-3009 authorization (gasless)">
                                x402
                              </Badge>
                            ) : null}
                          </TableCell>
                          <TableCell className="text-right">
                            <OpenAmount wei={r.price} />
                          </TableCell>
                          <TableCell className="text-right">
                            {r.contributorPool === null ? "—" : <OpenAmount wei={r.contributorPool} />}
                          </TableCell>
                          <TableCell>
                            <InferenceStatusBadge status={r.status} />
                          </TableCell>
                          <TableCell className="text-muted-foreground">{r.attributionMethod ?? "—"}</TableCell>
                          <TableCell title={formatDateTime(r.paidAt)}>{formatRelativeTime(r.paidAt)}</TableCell>
                        </TableRow>
                      ))}
                    </TableBody>
                  </Table>
                </Card>
              ) : (
                <EmptyState
                  compact
                  icon={<ZapIcon />}
                  title="No inferences yet"
                  description="Paid inferences show up here once they are indexed, with their settlement and attribution."
                />
              )}
            </section>
          </div>

          <aside className="min-w-0 space-y-6">
            <Card>
              <CardHeader>
                <CardTitle>Details</CardTitle>
              </CardHeader>
              <CardContent>
                <dl className="space-y-3 text-sm">
                  <DetailRow label="Model ID" value={<span className="font-mono">#{m.id}</span>} />
                  <DetailRow label="Kind" value={<ModelKindBadge kind={m.kind} />} />
                  <DetailRow label="Tokenizer" value={<span className="font-mono" data-testid="model-tokenizer">{tokenizer}</span>} />
                  <DetailRow label="Status" value={m.active ? "Accepting inferences" : "Inactive"} />
                  <DetailRow label={perToken ? "Fixed fee" : "Price"} value={<OpenAmount wei={m.price} maxDecimals={18} />} />
                  {perToken ? (
                    <>
                      <DetailRow label="Input rate" value={<span title={`${m.inputRate} wei per token`}><OpenAmount wei={per1kTokens(m.inputRate)} maxDecimals={18} /> / 1k tokens</span>} />
                      <DetailRow label="Output rate" value={<span title={`${m.outputRate} wei per token`}><OpenAmount wei={per1kTokens(m.outputRate)} maxDecimals={18} /> / 1k tokens</span>} />
                    </>
                  ) : null}
                  <DetailRow label="Builder share" value={formatBps(m.builderBps)} />
                  <DetailRow label="Builder" value={<AddressText address={m.builder} chars={6} />} />
                  <DetailRow label="Artifact hash" value={<HashText hash={m.artifactHash} />} />
                  <DetailRow label="Metadata hash" value={<HashText hash={m.metadataHash} />} />
                  <DetailRow label="Registered" value={formatDateTime(m.createdAt)} />
                  <DetailRow label="Registration tx" value={<HashText hash={m.createdTx} />} />
                </dl>
              </CardContent>
            </Card>

            {parameters.length ? (
              <Card>
                <CardHeader>
                  <CardTitle>Parameters</CardTitle>
                </CardHeader>
                <CardContent>
                  <FactList items={parameters} />
                </CardContent>
              </Card>
            ) : null}

            {evaluation.length ? (
              <Card>
                <CardHeader>
                  <CardTitle>Evaluation</CardTitle>
                </CardHeader>
                <CardContent>
                  <FactList items={evaluation} />
                </CardContent>
              </Card>
            ) : null}
          </aside>
        </div>
      </div>
    </>
  );
}

