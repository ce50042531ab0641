import { CardGridSkeleton, HeaderSkeleton, LoadingLabel, StatsSkeleton } from "@/components/skeletons";

export default function Loading() {
  return (
    <>
      <LoadingLabel>Loading governance…</LoadingLabel>
      <HeaderSkeleton />
      <div className="container-page space-y-8 py-8">
        <StatsSkeleton />
        <CardGridSkeleton count={2} />
      </div>
    </>
  );
}
