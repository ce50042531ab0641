import Link from "next/link";
import { formatNumber, formatOpen, formatRelativeTime, plural } from "@/components/format";
import { CpuIcon, DatabaseIcon } from "@/components/icons";
import { AddressText, ModelKindBadge, OpenAmount, TagLink } from "@/components/domain";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { TokenRatesText } from "@/components/inference/token-rates";
import { isPerToken, type TokenRates } from "@/lib/inference/pricing";
import type { DatanetSummary, ModelSummary } from "@/lib/queries";
import { cn } from "@/lib/utils";

function Metric({ label, value, title }: { label: string; value: React.ReactNode; title?: string }) {
  return (
    <div className="min-w-0 px-3 py-2.5" title={title}>
      <dt className="truncate text-[10.5px] font-medium uppercase tracking-wide text-muted-foreground">{label}</dt>
      <dd className="mt-0.5 text-sm font-semibold tabular-nums">{value}</dd>
    </div>
  );
}

/** A Datanet in a grid. The name is the card's link (its accessible name is exactly the Datanet name). */
export function DatanetCard({ datanet, className }: { datanet: DatanetSummary; className?: string }) {
  const tags = datanet.tags.slice(0, 4);
  return (
    <Card
      className={cn(
        "group relative flex flex-col transition-[border-color,box-shadow] hover:border-primary/40 hover:shadow-md",
        className,
      )}
    >
      <div className="flex flex-1 flex-col gap-3 p-5">
        <div className="flex items-start gap-3">
          <div className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-primary/10 text-primary">
            <DatabaseIcon className="size-[18px]" />
          </div>
          <div className="min-w-0 flex-1">
            <h3 className="truncate text-[15px] font-semibold leading-tight tracking-tight">
              <Link
                href={`/datanets/${datanet.id}`}
                className="outline-none after:absolute after:inset-0 after:rounded-xl after:content-[''] group-hover:text-primary focus-visible:after:ring-2 focus-visible:after:ring-ring"
              >
                {datanet.name}
              </Link>
            </h3>
            <p className="mt-1 flex items-center gap-1.5 truncate text-xs text-muted-foreground">
              <span>by</span> <AddressText address={datanet.owner} className="text-xs" />
              <span aria-hidden="true">·</span>
              <span>{datanet.curated ? "Curated" : "Open"}</span>
              {datanet.license ? (
                <>
                  <span aria-hidden="true">·</span>
                  <span className="truncate">{datanet.license}</span>
                </>
              ) : null}
            </p>
          </div>
        </div>
        <p className="line-clamp-2 min-h-10 text-sm text-muted-foreground">
          {datanet.summary || <span className="italic">No summary yet.</span>}
        </p>
        {tags.length ? (
          <div className="flex flex-wrap gap-1.5">
            {tags.map((t) => (
              <TagLink key={t} tag={t} />
            ))}
            {datanet.tags.length > tags.length ? (
              <span className="text-xs leading-6 text-muted-foreground">+{datanet.tags.length - tags.length}</span>
            ) : null}
          </div>
        ) : null}
      </div>
      <dl className="grid grid-cols-[repeat(3,minmax(0,1fr))_minmax(0,1.6fr)] divide-x divide-border border-t border-border">
        <Metric label="Size" value={formatNumber(datanet.acceptedRecords)} title="Size: records in accepted contributions" />
        <Metric label="People" value={formatNumber(datanet.contributors)} title="Distinct contributors" />
        <Metric label="Models" value={formatNumber(datanet.models)} title="Models built on it" />
        <Metric
          label="Paid out"
          value={<OpenAmount wei={datanet.contributorEarnings} maxDecimals={2} />}
          title={`Paid to its contributors: ${formatOpen(datanet.contributorEarnings)} over ${formatNumber(datanet.inferences)} inferences`}
        />
      </dl>
      <div className="flex items-center justify-between gap-2 border-t border-border px-5 py-2.5 text-xs text-muted-foreground">
        <span title={`Contribution bond: ${formatOpen(datanet.bond)}`}>
          {plural(datanet.contributionCount, "contribution")} · {plural(datanet.versionCount, "version")}
        </span>
        <span>Created {formatRelativeTime(datanet.createdAt)}</span>
      </div>
    </Card>
  );
}

/**
 * A tiny server-rendered SVG line of daily counts (no chart library on list pages). Colors come from
 * the theme (currentColor = text-primary), so it follows light and dark themes.
 */
export function Sparkline({ values, label, className }: { values: number[]; label: string; className?: string }) {
  const W = 96;
  const H = 24;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? W / (values.length - 1) : W;
  const pts = values.map((v, i) => [i * step, H - 2 - (v / max) * (H - 4)] as const);
  const line = pts.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`).join(" ");
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={label} className={cn("overflow-visible text-primary", className)}>
      <path d={`${line} L${W} ${H} L0 ${H} Z`} fill="currentColor" fillOpacity={0.12} />
      <path d={line} fill="none" stroke="currentColor" strokeWidth={1.5} strokeLinejoin="round" strokeLinecap="round" />
    </svg>
  );
}

export function ModelCard({ model, usage7d, className }: { model: ModelSummary; /** Settled inferences per day, last 7 days, oldest first. */ usage7d?: number[]; className?: string }) {
  const weekTotal = usage7d?.reduce((s, n) => s + n, 0) ?? 0;
  const rates: TokenRates = { fee: model.price, inputRate: model.inputRate, outputRate: model.outputRate };
  const perToken = isPerToken(rates);
  return (
    <Card
      className={cn(
        "group relative flex flex-col transition-[border-color,box-shadow] hover:border-primary/40 hover:shadow-md",
        className,
      )}
    >
      <div className="flex flex-1 flex-col gap-3 p-5">
        <div className="flex items-start gap-3">
          <div className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-info/10 text-info">
            <CpuIcon className="size-[18px]" />
          </div>
          <div className="min-w-0 flex-1">
            <h3 className="truncate text-[15px] font-semibold leading-tight tracking-tight">
              <Link
                href={`/models/${model.id}`}
                className="outline-none after:absolute after:inset-0 after:rounded-xl after:content-[''] group-hover:text-primary focus-visible:after:ring-2 focus-visible:after:ring-ring"
              >
                {model.name}
              </Link>
            </h3>
            <p className="mt-1 flex items-center gap-1.5 truncate text-xs text-muted-foreground">
              <span>by</span> <AddressText address={model.builder} className="text-xs" />
            </p>
          </div>
          <div className="flex shrink-0 flex-col items-end gap-1">
            <ModelKindBadge kind={model.kind} />
            {!model.active ? <Badge variant="secondary">Inactive</Badge> : null}
          </div>
        </div>
        <p className="line-clamp-2 min-h-10 text-sm text-muted-foreground">
          {model.description || <span className="italic">No description.</span>}
        </p>
        {model.lineage.length ? (
          <div className="flex flex-wrap items-center gap-1.5 text-xs text-muted-foreground">
            <span>Built from</span>
            {model.lineage.map((l) => (
              <Link
                key={l.datanetId}
                href={`/datanets/${l.datanetId}#v${l.version}`}
                className="relative z-10 rounded-md border border-border bg-muted/40 px-1.5 py-0.5 font-medium text-foreground hover:border-primary/40 hover:text-primary"
              >
                {l.datanetName} <span className="font-mono text-muted-foreground">v{l.version}</span>
              </Link>
            ))}
          </div>
        ) : null}
        {perToken ? (
          // The metric below holds the fixed fee only: the whole price (fee + rates) reads here.
          <p className="text-xs text-muted-foreground" data-testid="model-card-rates">
            <TokenRatesText rates={rates} maxDecimals={4} />
          </p>
        ) : null}
        {usage7d ? (
          <div className="mt-auto flex items-center justify-between gap-3 text-xs text-muted-foreground" data-testid="model-usage-7d">
            <span>
              <span className="font-semibold tabular-nums text-foreground">{formatNumber(weekTotal)}</span>{" "}
              {weekTotal === 1 ? "inference" : "inferences"} in 7 days
            </span>
            <Sparkline values={usage7d} label={`Settled inferences per day over the last 7 days: ${usage7d.join(", ")}`} />
          </div>
        ) : null}
      </div>
      <dl className="grid grid-cols-3 divide-x divide-border border-t border-border">
        {perToken ? (
          <Metric label="Fee + tokens" value={<OpenAmount wei={model.price} />} title="Fixed fee per inference, plus the tokens used" />
        ) : (
          <Metric label="Price" value={<OpenAmount wei={model.price} />} title="Price per inference" />
        )}
        <Metric label="Inferences" value={formatNumber(model.inferenceCount)} />
        <Metric label="Revenue" value={<OpenAmount wei={model.revenue} maxDecimals={2} />} />
      </dl>
    </Card>
  );
}
