import Link from "next/link";
import { buttonVariants } from "@/components/ui/button";

export default function NotFound() {
  return (
    <div className="container-page flex flex-col items-center justify-center py-24 text-center">
      <p className="font-mono text-sm font-medium text-primary">404</p>
      <h1 className="mt-2 text-3xl font-semibold tracking-tight">Page not found</h1>
      <p className="mt-3 max-w-md text-muted-foreground">
        There is nothing at this address. The Datanet or model may not exist, or may not be indexed yet.
      </p>
      <div className="mt-8 flex gap-3">
        <Link href="/datanets" className={buttonVariants()}>
          Browse Datanets
        </Link>
        <Link href="/models" className={buttonVariants({ variant: "outline" })}>
          Browse models
        </Link>
      </div>
    </div>
  );
}
