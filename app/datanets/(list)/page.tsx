import { SearchForm } from "@/components/search-form";
import type { Metadata } from "next";
import Link from "next/link";
import { DatanetCard } from "@/components/cards";
import { PageHeader } from "@/components/domain";
import { formatNumber, plural } from "@/components/format";
import { DatabaseIcon, PlusIcon, SearchIcon, TagIcon } from "@/components/icons";
import { buttonVariants } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { countDatanets, DATANET_SORTS, listDatanets, listDatanetTags, type DatanetSort } from "@/lib/queries";
import { enumParam, hrefWith, textParam, type RawSearchParams } from "@/lib/search-params";
import { cn } from "@/lib/utils";

export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Datanets",
  description: "Community datasets whose contributors are paid every time a model uses their data.",
};

const SORT_LABEL: Record<DatanetSort, string> = {
  newest: "Newest",
  used: "Most used",
  contributors: "Most contributors",
  records: "Most records",
};

export default async function DatanetsPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const sp = await searchParams;
  const q = textParam(sp.q);
  const tag = textParam(sp.tag, 32)?.toLowerCase();
  const sort = enumParam(sp.sort, DATANET_SORTS) ?? "newest";

  const [datanets, total, tags] = await Promise.all([
    listDatanets({ q, tag, sort, limit: 60 }),
    countDatanets({ q, tag }),
    listDatanetTags(30),
  ]);
  const filtered = Boolean(q || tag);
  const href = (over: Partial<Record<"q" | "tag" | "sort", string | undefined>>) =>
    hrefWith("/datanets", { q, tag, sort: sort === "newest" ? undefined : sort, ...over });

  return (
    <>
      <PageHeader
        actions={
          <Link href="/datanets/new" className={buttonVariants()} data-testid="list-new-datanet">
            <PlusIcon /> New Datanet
          </Link>
        }
        title="Datanets"
        description="Community datasets with on-chain provenance. Contributors bond each upload, owners curate, and every version is a Merkle root models can cite."
      >
        <SearchForm action="/datanets" id="datanet-search" label="Search Datanets" placeholder="Search by name, summary or description" q={q} keep={{ tag, sort: sort !== "newest" ? sort : undefined }} />
      </PageHeader>

      <div className="container-page grid gap-8 py-8 lg:grid-cols-[14rem_1fr]">
        <aside aria-labelledby="tags-heading" className="space-y-3">
          <h2 id="tags-heading" className="flex items-center gap-2 text-sm font-semibold">
            <TagIcon className="size-4 text-muted-foreground" /> Tags
          </h2>
          {tags.length ? (
            <ul className="flex flex-wrap gap-1.5 lg:flex-col lg:gap-0.5">
              <li>
                <Link
                  href={href({ tag: undefined })}
                  aria-current={!tag ? "page" : undefined}
                  className={cn(
                    "flex items-center justify-between rounded-md px-2 py-1 text-sm",
                    !tag ? "bg-primary/10 font-medium text-primary" : "text-muted-foreground hover:bg-muted",
                  )}
                >
                  All tags
                </Link>
              </li>
              {tags.map((t) => (
                <li key={t.tag}>
                  <Link
                    href={href({ tag: t.tag === tag ? undefined : t.tag })}
                    aria-current={t.tag === tag ? "page" : undefined}
                    className={cn(
                      "flex items-center justify-between gap-3 rounded-md px-2 py-1 text-sm",
                      t.tag === tag ? "bg-primary/10 font-medium text-primary" : "text-muted-foreground hover:bg-muted",
                    )}
                  >
                    <span className="truncate">#{t.tag}</span>
                    <span className="text-xs tabular-nums opacity-70">{t.count}</span>
                  </Link>
                </li>
              ))}
            </ul>
          ) : (
            <p className="text-sm text-muted-foreground">No tags yet.</p>
          )}
        </aside>

        <section aria-labelledby="results-heading" className="min-w-0">
          <div className="mb-4 flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
            <h2 id="results-heading" className="text-sm text-muted-foreground">
              <span className="font-semibold text-foreground">{formatNumber(total)}</span>{" "}
              {total === 1 ? "Datanet" : "Datanets"}
              {q ? (
                <>
                  {" "}
                  matching <span className="font-medium text-foreground">“{q}”</span>
                </>
              ) : null}
              {tag ? (
                <>
                  {" "}
                  tagged <span className="font-medium text-foreground">#{tag}</span>
                </>
              ) : null}
              {filtered ? (
                <>
                  {" · "}
                  <Link href="/datanets" className="text-primary hover:underline">
                    Clear filters
                  </Link>
                </>
              ) : null}
            </h2>
            <nav aria-label="Sort" className="flex rounded-lg border border-border bg-card p-0.5 text-sm shadow-xs">
              {DATANET_SORTS.map((s) => (
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

          {datanets.length ? (
            <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
              {datanets.map((d) => (
                <DatanetCard key={d.id} datanet={d} />
              ))}
            </div>
          ) : filtered ? (
            <EmptyState
              icon={<SearchIcon />}
              title="No Datanets match"
              description={`Nothing matches${q ? ` “${q}”` : ""}${tag ? ` with #${tag}` : ""}. Try a different search or clear the filters.`}
              action={
                <Link href="/datanets" className={buttonVariants({ variant: "outline", size: "sm" })}>
                  Clear filters
                </Link>
              }
            />
          ) : (
            <EmptyState
              icon={<DatabaseIcon />}
              title="No Datanets yet"
              description="Datanets appear here as soon as they are created on-chain and indexed."
            />
          )}
          {datanets.length && total > datanets.length ? (
            <p className="mt-6 text-center text-sm text-muted-foreground">
              Showing {plural(datanets.length, "Datanet")} of {formatNumber(total)}. Narrow the search to find more.
            </p>
          ) : null}
        </section>
      </div>
    </>
  );
}
