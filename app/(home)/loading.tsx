import { CardGridSkeleton, HeaderSkeleton, LoadingLabel, StatsSkeleton } from "@/components/skeletons";

export default function Loading() {
  return (
    <>
      <LoadingLabel />
      <HeaderSkeleton />
      <div className="container-page space-y-10 py-10">
        <StatsSkeleton />
        <CardGridSkeleton count={3} />
      </div>
    </>
  );
}
