import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache, type ReactNode } from "react";
import {
  AddressText,
  Breadcrumbs,
  DetailRow,
  InferenceStatusBadge,
  OpenAmount,
  PageHeader,
  SectionHeading,
} from "@/components/domain";
import { formatBps, formatDateTime, formatNumber, formatOpen, formatRelativeTime } from "@/components/format";
import { TracedAnswer, TracedAttributionTable, TracedSpansProvider } from "@/components/inference/traced-answer";
import { CopyableHash, VerifyButton } from "@/components/inference/verify-button";
import { RecordTerms } from "@/components/inference/record-terms";
import { LiveRefresh } from "@/components/live/live-refresh";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { ZapIcon } from "@/components/icons";
import { getDb } from "@/db/client";
import { inferenceSpans } from "@/lib/inference/spans";
import { getInference } from "@/lib/queries";
import { parseIdParam } from "@/lib/search-params";

export const dynamic = "force-dynamic";

type Params = Promise<{ id: string }>;

const load = cache(async (rawId: string) => {
  const id = parseIdParam(rawId);
  return id === null ? null : getInference(id);
});

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const detail = await load((await params).id);
  if (!detail) return { title: "Inference not found" };
  const i = detail.inference;
  return { title: `Inference #${i.requestId}`, description: `Inference #${i.requestId} on ${detail.modelName ?? `model #${i.modelId}`}` };
}

/** amount / total as a percentage with basis-point precision, in bigint math. */
function share(amount: bigint, total: bigint): string {
  if (total <= 0n) return "—";
  return formatBps(Number((amount * 10_000n) / total));
}

function paramText(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return JSON.stringify(v);
}

function TextBlock({ label, children, testId }: { label: string; children: ReactNode; testId: string }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>{label}</CardTitle>
      </CardHeader>
      <CardContent>
        <pre data-testid={testId} className="whitespace-pre-wrap break-words rounded-md bg-muted/40 p-3 font-sans text-sm leading-relaxed">
          {children}
        </pre>
      </CardContent>
    </Card>
  );
}

export default async function InferencePage({ params }: { params: Params }) {
  const detail = await load((await params).id);
  if (!detail) notFound();
  const { inference: i, modelName, result, attribution, attributionCount, terms } = detail;
  // Recomputed from the model artifact (not stored); null leaves the answer plain.
  const spans = result ? await inferenceSpans(await getDb(), i.requestId) : null;
  const modelLabel = modelName ?? `Model #${i.modelId}`;

  const split =
    i.protocolFee !== null && i.operatorFee !== null && i.builderFee !== null && i.contributorPool !== null
      ? [
          { key: "protocol", label: "Protocol", amount: i.protocolFee, who: null },
          { key: "operator", label: "Operator", amount: i.operatorFee, who: i.operator },
          { key: "builder", label: "Builder", amount: i.builderFee, who: i.builder },
          { key: "contributors", label: "Contributors", amount: i.contributorPool, who: null },
        ]
      : null;
  const params_ = Object.entries(result?.params ?? {});
  // A rag record names α, the share of the pool that followed retrieval (the record is canonical JSON: read the field).
  const alphaMatch = result?.attributionMethod === "rag" ? /"alphaPpm":(\d+)\}$/.exec(result.attributionRecord ?? "") : null;
  const alphaPpm = alphaMatch ? Number(alphaMatch[1]) : null;

  return (
    <>
      <PageHeader
        eyebrow={
          <Breadcrumbs
            items={[
              { href: "/models", label: "Models" },
              { href: `/models/${i.modelId}`, label: modelLabel },
              { label: `Inference #${i.requestId}` },
            ]}
          />
        }
        title={
          <span className="flex flex-wrap items-center gap-3">
            Inference #{i.requestId}
            <InferenceStatusBadge status={i.status} />
            {i.viaAuthorization ? (
              <Badge variant="outline" title="Paid with a signed EIP-3009 authorization (gasless)">
                x402
              </Badge>
            ) : null}
          </span>
        }
        actions={i.status === "paid" ? <LiveRefresh types={["inference.settled", "inference.refunded"]} modelId={i.modelId} /> : undefined}
      >
        <div className="mt-4 flex flex-wrap items-center gap-x-4 gap-y-2 text-sm text-muted-foreground">
          <span>
            Model{" "}
            <Link href={`/models/${i.modelId}`} className="font-medium text-foreground hover:text-primary">
              {modelLabel}
            </Link>
          </span>
          <span>
            Payer <AddressText address={i.payer} className="text-foreground" />
          </span>
          <span>
            Price <OpenAmount wei={i.price} className="font-medium text-foreground" />
          </span>
          <span title={formatDateTime(i.paidAt)}>Paid {formatRelativeTime(i.paidAt)}</span>
        </div>
      </PageHeader>

      <div className="container-page space-y-10 py-8">
        <section aria-labelledby="split-heading">
          <SectionHeading
            id="split-heading"
            title="Split"
            description={`How the ${formatOpen(i.price)} fee was divided at settlement.`}
          />
          {split ? (
            <dl className="grid grid-cols-2 gap-3 md:grid-cols-4" data-testid="split">
              {split.map((s) => (
                <div key={s.key} className="rounded-xl border border-border bg-card p-4 shadow-xs" data-testid={`split-${s.key}`}>
                  <dt className="text-xs font-medium uppercase tracking-wide text-muted-foreground">{s.label}</dt>
                  <dd className="mt-2 truncate text-xl font-semibold tabular-nums tracking-tight" title={formatOpen(s.amount)}>
                    {formatOpen(s.amount, { maxDecimals: 6 })}
                  </dd>
                  <dd className="mt-1 text-xs text-muted-foreground">
                    {share(s.amount, i.price)} of the price
                    {s.who ? (
                      <>
                        {" · "}
                        <AddressText address={s.who} />
                      </>
                    ) : null}
                  </dd>
                </div>
              ))}
            </dl>
          ) : (
            <EmptyState
              compact
              icon={<ZapIcon />}
              title={i.status === "refunded" ? "Refunded: nothing was split" : "Not settled yet"}
              description={
                i.status === "refunded"
                  ? `The payer was refunded ${formatOpen(i.price)}.`
                  : `The fee is held in escrow until the operator settles. The builder will keep ${formatBps(i.builderBps)}.`
              }
            />
          )}
        </section>

        <div className="grid gap-8 lg:grid-cols-[minmax(0,1fr)_22rem]">
          <TracedSpansProvider>
            <div className="min-w-0 space-y-10">
              <section aria-labelledby="io-heading" className="space-y-4">
                <SectionHeading id="io-heading" title="Request and answer" />
                {result ? (
                  <>
                    <TextBlock label="Prompt" testId="prompt">
                      {result.prompt}
                    </TextBlock>
                    <Card>
                      <CardHeader>
                        <CardTitle>Output</CardTitle>
                      </CardHeader>
                      <CardContent>
                        <TracedAnswer text={result.output} spans={spans} testId="output" emptyText="The model answered with empty text." />
                      </CardContent>
                    </Card>
                  </>
                ) : (
                  <EmptyState
                    compact
                    icon={<ZapIcon />}
                    title="No answer stored"
                    description="The operator has not served this request yet, or served it elsewhere."
                  />
                )}
              </section>

              <section aria-labelledby="attribution-heading">
                <SectionHeading
                  id="attribution-heading"
                  title="Attribution"
                  description={
                    attribution[0]?.contributionId === null
                      ? "Nothing in the answer matched the model's contributions: the contributor pool went to its Datanets' treasuries, in equal shares."
                      : `${formatNumber(attributionCount)} credited ${attributionCount === 1 ? "contribution" : "contributions"}, sharing the contributor pool by weight.`
                  }
                />
                <div className="space-y-4">
                  <TracedAttributionTable entries={attribution} totalCount={attributionCount} />
                  <RecordTerms terms={terms} />
                </div>
              </section>

              <section aria-labelledby="verify-heading">
                <SectionHeading id="verify-heading" title="Proof of Attribution" />
                <Card>
                  <CardContent className="pt-5">
                    <VerifyButton requestId={i.requestId} />
                  </CardContent>
                </Card>
              </section>
            </div>
          </TracedSpansProvider>

          <aside className="min-w-0 space-y-6">
            <Card>
              <CardHeader>
                <CardTitle>Details</CardTitle>
              </CardHeader>
              <CardContent>
                <dl className="space-y-3 text-sm">
                  <DetailRow label="Request" value={<span className="font-mono">#{i.requestId}</span>} />
                  <DetailRow
                    label="Model"
                    value={
                      <Link href={`/models/${i.modelId}`} className="hover:text-primary">
                        {modelLabel}
                      </Link>
                    }
                  />
                  <DetailRow label="Status" value={<InferenceStatusBadge status={i.status} />} />
                  <DetailRow label="Price" value={<OpenAmount wei={i.price} maxDecimals={18} />} />
                  <DetailRow label="Payer" value={<AddressText address={i.payer} chars={6} />} />
                  <DetailRow label="Method" value={result?.attributionMethod ?? "—"} />
                  {alphaPpm !== null ? (
                    <DetailRow
                      label="α (retrieval share)"
                      value={<span title={`${alphaPpm} ppm of the pool follows the retrieval scores; the rest follows the answer's verbatim spans`}>{`${alphaPpm / 10_000} %`}</span>}
                    />
                  ) : null}
                  <DetailRow label="Paid" value={formatDateTime(i.paidAt)} />
                  {i.settledAt ? <DetailRow label="Settled" value={formatDateTime(i.settledAt)} /> : null}
                  {i.refundedAt ? <DetailRow label="Refunded" value={formatDateTime(i.refundedAt)} /> : null}
                </dl>
              </CardContent>
            </Card>

            <Card id="transactions" className="scroll-mt-20">
              <CardHeader>
                <CardTitle>Hashes and transactions</CardTitle>
              </CardHeader>
              <CardContent>
                <dl className="space-y-3 text-sm">
                  {(
                    [
                      ["Attribution hash", "attribution", i.attributionHash],
                      ["Output hash", "output", i.outputHash],
                      ["Request hash", "request", i.requestHash],
                      ["Payment tx", "paid-tx", i.paidTx],
                      ...(i.settledTx ? [["Settlement tx", "settled-tx", i.settledTx]] : []),
                      ...(i.refundedTx ? [["Refund tx", "refunded-tx", i.refundedTx]] : []),
                    ] as [string, string, string | null][]
                  ).map(([label, key, value]) => (
                    <div key={key} className="space-y-1">
                      <dt className="text-muted-foreground">{label}</dt>
                      <dd>
                        <CopyableHash value={value} label={key} />
                      </dd>
                    </div>
                  ))}
                </dl>
              </CardContent>
            </Card>

            {params_.length ? (
              <Card>
                <CardHeader>
                  <CardTitle>Parameters</CardTitle>
                </CardHeader>
                <CardContent className="px-0">
                  <Table>
                    <TableHeader>
                      <TableRow>
                        <TableHead>Name</TableHead>
                        <TableHead>Value</TableHead>
                      </TableRow>
                    </TableHeader>
                    <TableBody>
                      {params_.map(([k, v]) => (
                        <TableRow key={k}>
                          <TableCell className="text-muted-foreground">{k}</TableCell>
                          <TableCell className="whitespace-normal break-all font-mono text-xs">{paramText(v)}</TableCell>
                        </TableRow>
                      ))}
                    </TableBody>
                  </Table>
                </CardContent>
              </Card>
            ) : null}
          </aside>
        </div>
      </div>
    </>
  );
}
