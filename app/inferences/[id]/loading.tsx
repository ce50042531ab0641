import { DetailPageSkeleton } from "@/components/skeletons";

export default function Loading() {
  return <DetailPageSkeleton textCards={2} tables={[6]} sideRows={8} wideSide />;
}
