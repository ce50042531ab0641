import Link from "next/link";
import { AwaitIndexed } from "@/components/inference/await-indexed";
import { buttonVariants } from "@/components/ui/button";

/**
 * An inference that is not indexed (yet): a link followed right after paying can arrive before the indexer has the
 * payment. The page watches for it and shows the inference as soon as it is indexed (AwaitIndexed).
 */
export default function InferenceNotFound() {
  return (
    <div className="container-page flex flex-col items-center justify-center py-24 text-center">
      <p className="font-mono text-sm font-medium text-primary">404</p>
      <h1 className="mt-2 text-3xl font-semibold tracking-tight">Inference not found</h1>
      <p className="mt-3 max-w-md text-muted-foreground">
        No inference with this number is indexed. If it was just paid for, this page shows it once the indexer has it.
      </p>
      <div className="mt-4">
        <AwaitIndexed />
      </div>
      <div className="mt-8 flex gap-3">
        <Link href="/models" className={buttonVariants()}>
          Browse models
        </Link>
        <Link href="/dashboard" className={buttonVariants({ variant: "outline" })}>
          Your dashboard
        </Link>
      </div>
    </div>
  );
}
