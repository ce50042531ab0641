"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { AddressText, ContributionStatusBadge } from "@/components/domain";
import { formatNumber } from "@/components/format";
import { SearchIcon } from "@/components/icons";
import { inlinePlainText, parseInline } from "@/components/markdown-inline";
import { MarkdownInline } from "@/components/markdown-text";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { apiGet } from "@/lib/api/client";
import { queryKeys } from "@/lib/live/query-keys";
import { RECORD_PAGE_SIZE, type RecordPageWire } from "./record-page";

const SEARCH_DEBOUNCE_MS = 300;

interface Filters {
  q: string;
  version: string;
  contribution: string;
}

/** One page of records under the filters (empty filters are left out of the query). */
function fetchRecords(datanetId: number, f: Filters, cursor: string | null): Promise<RecordPageWire> {
  return apiGet("/api/datanets/{id}/records", {
    params: { id: datanetId },
    query: { limit: RECORD_PAGE_SIZE, q: f.q, version: f.version, contribution: f.contribution, cursor },
  });
}

/**
 * A dataset viewer over a Datanet's records: search (debounced), filter by version or contribution,
 * page forward and back with the API's cursors. The first page comes server-rendered.
 */
export function RecordViewer({
  datanetId,
  initial,
  versions,
  contributionIds,
}: {
  datanetId: number;
  initial: RecordPageWire;
  versions: number[];
  contributionIds: number[];
}) {
  const id = useId();
  const [input, setInput] = useState("");
  const [filters, setFilters] = useState<Filters>({ q: "", version: "", contribution: "" });
  // Cursors of the pages before the current one (null = first page), so "Previous" needs no backwards query.
  const [trail, setTrail] = useState<(string | null)[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);

  useEffect(() => {
    const q = input.trim();
    if (q === filters.q) return;
    const timer = setTimeout(() => {
      setFilters((f) => ({ ...f, q }));
      setTrail([]);
      setCursor(null);
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [input, filters.q]);

  const isInitial = !filters.q && !filters.version && !filters.contribution && cursor === null;
  const query = useQuery({
    queryKey: queryKeys.datanetRecords(datanetId, filters, cursor),
    queryFn: () => fetchRecords(datanetId, filters, cursor),
    initialData: isInitial ? initial : undefined,
    staleTime: 10_000,
  });

  const setFilter = (k: "version" | "contribution", v: string) => {
    setFilters((f) => ({ ...f, [k]: v }));
    setTrail([]);
    setCursor(null);
  };
  const data = query.data;
  const first = trail.length * RECORD_PAGE_SIZE + 1;
  const filtered = Boolean(filters.q || filters.version || filters.contribution);

  return (
    <div className="space-y-3" data-testid="record-viewer">
      <div className="flex flex-col gap-2 sm:flex-row sm:items-center">
        <label htmlFor={`${id}-q`} className="sr-only">
          Search records
        </label>
        <div className="relative flex-1">
          <SearchIcon className="pointer-events-none absolute left-3 top-1/2 size-4 -translate-y-1/2 text-muted-foreground" />
          <input
            id={`${id}-q`}
            type="search"
            value={input}
            onChange={(e) => setInput(e.target.value)}
            placeholder="Search the records"
            maxLength={100}
            className="h-9 w-full rounded-md border border-input bg-card pl-9 pr-3 text-sm shadow-xs placeholder:text-muted-foreground focus:border-ring focus:outline-none focus:ring-2 focus:ring-ring/30"
          />
        </div>
        <label htmlFor={`${id}-version`} className="sr-only">
          Version
        </label>
        <select
          id={`${id}-version`}
          value={filters.version}
          onChange={(e) => setFilter("version", e.target.value)}
          className="h-9 rounded-md border border-input bg-card px-2 text-sm shadow-xs focus:outline-none focus:ring-2 focus:ring-ring/30"
        >
          <option value="">All versions</option>
          {versions.map((v) => (
            <option key={v} value={String(v)}>
              In v{v}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-contribution`} className="sr-only">
          Contribution
        </label>
        <select
          id={`${id}-contribution`}
          value={filters.contribution}
          onChange={(e) => setFilter("contribution", e.target.value)}
          className="h-9 rounded-md border border-input bg-card px-2 text-sm shadow-xs focus:outline-none focus:ring-2 focus:ring-ring/30"
        >
          <option value="">All contributions</option>
          {contributionIds.map((c) => (
            <option key={c} value={String(c)}>
              Contribution #{c}
            </option>
          ))}
        </select>
      </div>

      <p className="text-xs text-muted-foreground" aria-live="polite" data-testid="record-count">
        {data
          ? data.total === 0
            ? "No records"
            : `Records ${formatNumber(Math.min(first, data.total))}–${formatNumber(first + data.items.length - 1)} of ${formatNumber(data.total)}${filters.q ? ` matching “${filters.q}”` : ""}`
          : "Loading records…"}
        {data?.unavailable ? ` · ${data.unavailable} contribution(s) not stored on this server` : ""}
      </p>

      {query.isError && !data ? (
        <p role="alert" className="rounded-md border border-destructive/30 bg-destructive/5 px-3 py-2 text-sm text-destructive">
          Could not load records: {query.error.message}
        </p>
      ) : !data ? (
        <div className="space-y-2 rounded-xl border border-border bg-card p-4" data-testid="records-loading">
          {Array.from({ length: 6 }, (_, i) => (
            <Skeleton key={i} className="h-6 w-full" />
          ))}
        </div>
      ) : data.items.length === 0 ? (
        <EmptyState
          compact
          icon={<SearchIcon />}
          title={filters.q ? `No records match “${filters.q}”` : "No records here"}
          description={
            filtered
              ? "Try another word, or clear the version and contribution filters."
              : "Records appear once contributions are uploaded and registered on-chain."
          }
          action={
            filtered ? (
              <Button
                size="sm"
                variant="outline"
                onClick={() => {
                  setInput("");
                  setFilters({ q: "", version: "", contribution: "" });
                  setTrail([]);
                  setCursor(null);
                }}
              >
                Clear search and filters
              </Button>
            ) : undefined
          }
        />
      ) : (
        <div className="overflow-hidden rounded-xl border border-border bg-card shadow-xs" aria-busy={query.isFetching}>
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead className="w-14">#</TableHead>
                <TableHead>Record</TableHead>
                <TableHead>Contribution</TableHead>
                <TableHead>Contributor</TableHead>
                <TableHead>Status</TableHead>
              </TableRow>
            </TableHeader>
            {/* Not dimmed while a live update refetches in the background: the rows stay readable (a dimmed body fell
                below WCAG contrast); aria-busy above tells assistive technology. */}
            <TableBody>
              {data.items.map((r, i) => (
                <TableRow key={`${r.contributionId}:${r.index}`} data-testid="record-row">
                  <TableCell className="align-top tabular-nums text-muted-foreground">{formatNumber(first + i)}</TableCell>
                  <TableCell className="max-w-xl whitespace-normal align-top">
                    <p className="line-clamp-3 whitespace-pre-line break-words text-sm" title={r.text.length > 240 ? inlinePlainText(parseInline(r.text)) : undefined}>
                      <MarkdownInline source={r.text} needle={filters.q} />
                    </p>
                  </TableCell>
                  <TableCell className="align-top font-mono text-xs text-muted-foreground">
                    #{r.contributionId}
                    <span className="text-muted-foreground"> · {r.index + 1}</span>
                  </TableCell>
                  <TableCell className="align-top">
                    <AddressText address={r.contributor} />
                  </TableCell>
                  <TableCell className="align-top">
                    <span className="flex flex-wrap items-center gap-1.5">
                      <ContributionStatusBadge status={r.status} />
                      {r.version !== null ? <span className="font-mono text-xs text-muted-foreground">v{r.version}</span> : null}
                    </span>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}

      <nav aria-label="Record pages" className="flex items-center justify-end gap-2">
        <Button
          size="sm"
          variant="outline"
          disabled={trail.length === 0 || query.isFetching}
          onClick={() => {
            setCursor(trail[trail.length - 1] ?? null);
            setTrail((t) => t.slice(0, -1));
          }}
        >
          Previous
        </Button>
        <Button
          size="sm"
          variant="outline"
          disabled={!data?.nextCursor || query.isFetching}
          onClick={() => {
            if (!data?.nextCursor) return;
            setTrail((t) => [...t, cursor]);
            setCursor(data.nextCursor);
          }}
        >
          Next
        </Button>
      </nav>
    </div>
  );
}
