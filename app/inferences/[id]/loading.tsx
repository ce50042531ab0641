import { HeaderSkeleton, LoadingLabel, StatsSkeleton, TableSkeleton } from "@/components/skeletons";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";

export default function Loading() {
  return (
    <>
      <LoadingLabel />
      <HeaderSkeleton />
      <div className="container-page space-y-10 py-8">
        <StatsSkeleton count={5} className="grid grid-cols-2 gap-3 md:grid-cols-5" />
        <div className="grid gap-8 lg:grid-cols-[1fr_22rem]">
          <div className="space-y-8">
            <Card className="space-y-2 p-5">
              <Skeleton className="h-3 w-1/4" />
              <Skeleton className="h-3 w-full" />
              <Skeleton className="h-3 w-2/3" />
            </Card>
            <Card className="space-y-2 p-5">
              <Skeleton className="h-3 w-1/4" />
              <Skeleton className="h-3 w-full" />
              <Skeleton className="h-3 w-11/12" />
            </Card>
            <TableSkeleton rows={6} />
          </div>
          <Card className="space-y-3 p-5">
            {Array.from({ length: 8 }, (_, i) => (
              <Skeleton key={i} className="h-3 w-full" />
            ))}
          </Card>
        </div>
      </div>
    </>
  );
}
