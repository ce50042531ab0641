import { HeaderSkeleton, LoadingLabel } from "@/components/skeletons";
import { Skeleton } from "@/components/ui/skeleton";

export default function Loading() {
  return (
    <>
      <LoadingLabel />
      <HeaderSkeleton />
      <div className="container-page space-y-5 py-8">
        {[0, 1, 2].map((i) => (
          <Skeleton key={i} className="h-40 w-full" />
        ))}
      </div>
    </>
  );
}
