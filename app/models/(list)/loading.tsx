import { CardGridSkeleton, HeaderSkeleton, LoadingLabel } from "@/components/skeletons";

export default function Loading() {
  return (
    <>
      <LoadingLabel>Loading models…</LoadingLabel>
      <HeaderSkeleton withSearch />
      <div className="container-page py-8">
        <CardGridSkeleton />
      </div>
    </>
  );
}
