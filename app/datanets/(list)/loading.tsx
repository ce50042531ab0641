import { CardGridSkeleton, HeaderSkeleton, LoadingLabel } from "@/components/skeletons";
import { Skeleton } from "@/components/ui/skeleton";

export default function Loading() {
  return (
    <>
      <LoadingLabel>Loading Datanets…</LoadingLabel>
      <HeaderSkeleton withSearch />
      <div className="container-page grid gap-8 py-8 lg:grid-cols-[14rem_1fr]">
        <div className="space-y-2">
          {Array.from({ length: 6 }, (_, i) => (
            <Skeleton key={i} className="h-6 w-full" />
          ))}
        </div>
        <CardGridSkeleton />
      </div>
    </>
  );
}
