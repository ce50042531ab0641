import { HeaderSkeleton, LoadingLabel, StatsSkeleton, TableSkeleton } from "@/components/skeletons";

export default function Loading() {
  return (
    <>
      <LoadingLabel>Loading the operator console…</LoadingLabel>
      <HeaderSkeleton />
      <div className="container-page space-y-8 py-8">
        <StatsSkeleton />
        <TableSkeleton rows={4} />
      </div>
    </>
  );
}
