import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";

export function CardGridSkeleton({ count = 6 }: { count?: number }) {
  return (
    <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
      {Array.from({ length: count }, (_, i) => (
        <Card key={i} className="p-5">
          <div className="flex items-start gap-3">
            <Skeleton className="size-9 rounded-lg" />
            <div className="flex-1 space-y-2">
              <Skeleton className="h-4 w-2/3" />
              <Skeleton className="h-3 w-1/2" />
            </div>
          </div>
          <Skeleton className="mt-4 h-3 w-full" />
          <Skeleton className="mt-2 h-3 w-4/5" />
          <div className="mt-4 flex gap-1.5">
            <Skeleton className="h-5 w-14 rounded-full" />
            <Skeleton className="h-5 w-16 rounded-full" />
          </div>
          <Skeleton className="mt-5 h-10 w-full" />
        </Card>
      ))}
    </div>
  );
}

export function StatsSkeleton({ count = 6, className = "grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6" }: { count?: number; className?: string }) {
  return (
    <div className={className}>
      {Array.from({ length: count }, (_, i) => (
        <Card key={i} className="space-y-3 p-4">
          <Skeleton className="h-3 w-20" />
          <Skeleton className="h-7 w-16" />
        </Card>
      ))}
    </div>
  );
}

export function TableSkeleton({ rows = 5 }: { rows?: number }) {
  return (
    <Card className="divide-y divide-border">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="flex items-center gap-4 px-5 py-3">
          <Skeleton className="h-3 w-10" />
          <Skeleton className="h-3 w-28" />
          <Skeleton className="ml-auto h-3 w-16" />
          <Skeleton className="h-5 w-20 rounded-full" />
        </div>
      ))}
    </Card>
  );
}

export function HeaderSkeleton({ withSearch = false }: { withSearch?: boolean }) {
  return (
    <div className="border-b border-border bg-card">
      <div className="container-page space-y-3 py-8">
        <Skeleton className="h-4 w-32" />
        <Skeleton className="h-8 w-72" />
        <Skeleton className="h-4 w-full max-w-xl" />
        {withSearch ? <Skeleton className="mt-6 h-10 w-full max-w-2xl" /> : null}
      </div>
    </div>
  );
}

/** Screen-reader announcement for loading states. */
export function LoadingLabel({ children = "Loading…" }: { children?: string }) {
  return (
    <p role="status" className="sr-only">
      {children}
    </p>
  );
}

/** A detail page loading: header, stats, a main column of text cards and tables, a side panel. */
export function DetailPageSkeleton({ textCards = 1, tables = [3, 6], sideRows = 7, wideSide = false }: { textCards?: number; tables?: number[]; sideRows?: number; wideSide?: boolean }) {
  return (
    <>
      <LoadingLabel />
      <HeaderSkeleton />
      <div className="container-page space-y-10 py-8">
        <StatsSkeleton count={5} className="grid grid-cols-2 gap-3 md:grid-cols-5" />
        <div className={wideSide ? "grid gap-8 lg:grid-cols-[1fr_22rem]" : "grid gap-8 lg:grid-cols-[1fr_20rem]"}>
          <div className="space-y-8">
            {Array.from({ length: textCards }, (_, i) => (
              <Card key={i} className="space-y-2 p-5">
                <Skeleton className="h-3 w-full" />
                <Skeleton className="h-3 w-11/12" />
                <Skeleton className="h-3 w-2/3" />
              </Card>
            ))}
            {tables.map((rows, i) => (
              <TableSkeleton key={i} rows={rows} />
            ))}
          </div>
          <Card className="space-y-3 p-5">
            {Array.from({ length: sideRows }, (_, i) => (
              <Skeleton key={i} className="h-3 w-full" />
            ))}
          </Card>
        </div>
      </div>
    </>
  );
}
