import { CardGridSkeleton, HeaderSkeleton, LoadingLabel, StatsSkeleton, TableSkeleton } from "@/components/skeletons";

export default function Loading() {
  return (
    <>
      <LoadingLabel />
      <HeaderSkeleton />
      <div className="container-page space-y-10 py-10">
        <StatsSkeleton count={3} className="grid grid-cols-1 gap-3 sm:grid-cols-3" />
        <StatsSkeleton />
        <TableSkeleton rows={5} />
        <CardGridSkeleton count={3} />
      </div>
    </>
  );
}
