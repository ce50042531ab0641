import { SearchForm } from "@/components/search-form";
import type { Metadata } from "next";
import Link from "next/link";
import { ModelCard } from "@/components/cards";
import { MODEL_KIND_LABEL, PageHeader } from "@/components/domain";
import { formatNumber } from "@/components/format";
import { CpuIcon, SearchIcon } from "@/components/icons";
import { buttonVariants } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { countModels, listDatanetNames, listModels, MODEL_KINDS, MODEL_SORTS, modelUsageSparklines, type ModelSort } from "@/lib/queries";
import { enumParam, hrefWith, idSearchParam, textParam, type RawSearchParams } from "@/lib/search-params";
import { DatanetFilter } from "./datanet-filter";
import { cn } from "@/lib/utils";

export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Models",
  description: "Models built from Datanet versions. Every paid inference is attributed back to the data it used.",
};

const SORT_LABEL: Record<ModelSort, string> = {
  newest: "Newest",
  inferences: "Most used",
  price: "Cheapest",
  revenue: "Top earning",
};

export default async function ModelsPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const sp = await searchParams;
  const q = textParam(sp.q);
  const kind = enumParam(sp.kind, MODEL_KINDS);
  const sort = enumParam(sp.sort, MODEL_SORTS) ?? "newest";
  const datanetId = idSearchParam(sp.datanet);
  const [models, total, datanetNames] = await Promise.all([
    listModels({ q, kind, datanetId, sort, limit: 60 }),
    countModels({ q, kind, datanetId }),
    listDatanetNames(),
  ]);
  const usage = await modelUsageSparklines(models.map((m) => m.id));
  const datanetName = datanetNames.find((d) => d.id === datanetId)?.name;
  const filtered = Boolean(q || kind || datanetId);
  const datanet = datanetId === undefined ? undefined : String(datanetId);
  const sortParam = sort === "newest" ? undefined : sort;
  const href = (over: Partial<Record<"q" | "kind" | "sort" | "datanet", string | undefined>>) =>
    hrefWith("/models", { q, kind, datanet, sort: sortParam, ...over });

  return (
    <>
      <PageHeader
        title="Models"
        description="Built in the Model Factory from published Datanet versions. Pay per inference; the fee is split on-chain and the contributor pool follows attribution."
      >
        <SearchForm action="/models" id="model-search" label="Search models" placeholder="Search models" q={q} keep={{ kind, datanet, sort: sortParam }} />
      </PageHeader>

      <div className="container-page py-8">
        <div className="mb-5 flex flex-col gap-3 md:flex-row md:items-center md:justify-between">
          <nav aria-label="Model kind" className="flex flex-wrap gap-1.5">
            {[undefined, ...MODEL_KINDS].map((k) => (
              <Link
                key={k ?? "all"}
                href={href({ kind: k })}
                aria-current={k === kind ? "page" : undefined}
                className={cn(
                  "rounded-full border px-3 py-1 text-sm",
                  k === kind
                    ? "border-primary/30 bg-primary/10 font-medium text-primary"
                    : "border-border bg-card text-muted-foreground hover:text-foreground",
                )}
              >
                {k ? MODEL_KIND_LABEL[k] : "All kinds"}
              </Link>
            ))}
          </nav>
          <div className="flex flex-wrap items-center gap-3">
            <DatanetFilter datanets={datanetNames} value={datanetId} keep={{ q, kind, sort: sortParam }} />
            <p className="text-sm text-muted-foreground" data-testid="model-count">
              <span className="font-semibold text-foreground">{formatNumber(total)}</span> {total === 1 ? "model" : "models"}
              {datanetName ? (
                <>
                  {" "}
                  built from <span className="font-medium text-foreground">{datanetName}</span>
                </>
              ) : null}
            </p>
            <nav aria-label="Sort" className="flex rounded-lg border border-border bg-card p-0.5 text-sm shadow-xs">
              {MODEL_SORTS.map((s) => (
                <Link
                  key={s}
                  href={href({ sort: s === "newest" ? undefined : s })}
                  aria-current={s === sort ? "page" : undefined}
                  className={cn(
                    "rounded-md px-3 py-1",
                    s === sort ? "bg-muted font-medium text-foreground" : "text-muted-foreground hover:text-foreground",
                  )}
                >
                  {SORT_LABEL[s]}
                </Link>
              ))}
            </nav>
          </div>
        </div>

        {models.length ? (
          <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
            {models.map((m) => (
              <ModelCard key={m.id} model={m} usage7d={usage.get(m.id)} />
            ))}
          </div>
        ) : filtered ? (
          <EmptyState
            icon={<SearchIcon />}
            title="No models match"
            description={`Nothing matches${q ? ` “${q}”` : ""}${kind ? ` of kind ${MODEL_KIND_LABEL[kind]}` : ""}${datanetName ? ` built from ${datanetName}` : ""}. Try a different search or clear the filters.`}
            action={
              <Link href="/models" className={buttonVariants({ variant: "outline", size: "sm" })}>
                Clear filters
              </Link>
            }
          />
        ) : (
          <EmptyState
            icon={<CpuIcon />}
            title="No models yet"
            description="Models appear here once the Model Factory registers them on-chain, each with its lineage back to the Datanet versions it was built from."
            action={
              <Link href="/datanets" className={buttonVariants({ variant: "outline", size: "sm" })}>
                Browse Datanets
              </Link>
            }
          />
        )}
      </div>
    </>
  );
}
