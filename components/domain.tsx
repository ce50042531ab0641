import Link from "next/link";
import type { ReactNode } from "react";
import { formatOpen, shortAddress, shortHash } from "@/components/format";
import { Badge, badgeVariants, type BadgeVariant } from "@/components/ui/badge";
import { cn } from "@/lib/utils";

/** An address in mono, shortened, with the full value on hover. */
export function AddressText({ address, className, chars = 4 }: { address: string | null | undefined; className?: string; chars?: number }) {
  return (
    <span className={cn("font-mono text-[0.8125rem]", className)} title={address ?? undefined}>
      {shortAddress(address, chars)}
    </span>
  );
}

export function HashText({ hash, className }: { hash: string | null | undefined; className?: string }) {
  return (
    <span className={cn("font-mono text-[0.8125rem]", className)} title={hash ?? undefined}>
      {shortHash(hash)}
    </span>
  );
}

/** An OPEN amount: exact value on hover, optionally truncated for display. */
export function OpenAmount({ wei, maxDecimals = 4, className }: { wei: bigint; maxDecimals?: number; className?: string }) {
  return (
    <span className={cn("tabular-nums", className)} title={formatOpen(wei)}>
      {formatOpen(wei, { maxDecimals })}
    </span>
  );
}

const CONTRIBUTION_STATUS: Record<string, { variant: BadgeVariant; label: string }> = {
  pending: { variant: "warning", label: "Pending review" },
  accepted: { variant: "success", label: "Accepted" },
  rejected: { variant: "destructive", label: "Rejected" },
};

export function ContributionStatusBadge({ status }: { status: string }) {
  const s = CONTRIBUTION_STATUS[status] ?? { variant: "secondary" as const, label: status };
  return <Badge variant={s.variant}>{s.label}</Badge>;
}

const INFERENCE_STATUS: Record<string, { variant: BadgeVariant; label: string }> = {
  paid: { variant: "info", label: "Paid" },
  settled: { variant: "success", label: "Settled" },
  refunded: { variant: "secondary", label: "Refunded" },
};

export function InferenceStatusBadge({ status }: { status: string }) {
  const s = INFERENCE_STATUS[status] ?? { variant: "secondary" as const, label: status };
  return <Badge variant={s.variant}>{s.label}</Badge>;
}

export const MODEL_KIND_LABEL: Record<string, string> = {
  infinigram: "∞-gram",
  knn: "kNN classifier",
  external: "External",
  rag: "RAG",
};

export function ModelKindBadge({ kind }: { kind: string }) {
  return <Badge variant="info">{MODEL_KIND_LABEL[kind] ?? kind}</Badge>;
}

/** A tag linking to the Datanet list filtered by it. */
export function TagLink({ tag, active, className }: { tag: string; active?: boolean; className?: string }) {
  return (
    <Link
      href={`/datanets?tag=${encodeURIComponent(tag)}`}
      className={cn(
        badgeVariants({ variant: active ? "default" : "outline" }),
        "relative z-10 font-normal hover:border-primary/40 hover:text-primary",
        className,
      )}
    >
      #{tag}
    </Link>
  );
}

export function PageHeader({
  eyebrow,
  title,
  description,
  actions,
  children,
}: {
  eyebrow?: ReactNode;
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <div className="border-b border-border bg-card">
      <div className="container-page py-8">
        {eyebrow ? <div className="mb-3 text-sm text-muted-foreground">{eyebrow}</div> : null}
        <div className="flex flex-col gap-4 md:flex-row md:items-start md:justify-between">
          <div className="min-w-0 space-y-2">
            <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">{title}</h1>
            {description ? <div className="max-w-3xl text-muted-foreground">{description}</div> : null}
          </div>
          {actions ? <div className="flex shrink-0 items-center gap-2">{actions}</div> : null}
        </div>
        {children}
      </div>
    </div>
  );
}

export function SectionHeading({ title, description, action, id }: { title: ReactNode; description?: ReactNode; action?: ReactNode; id?: string }) {
  return (
    <div className="mb-4 flex items-end justify-between gap-4">
      <div>
        <h2 id={id} className="text-lg font-semibold tracking-tight">
          {title}
        </h2>
        {description ? <p className="text-sm text-muted-foreground">{description}</p> : null}
      </div>
      {action}
    </div>
  );
}

/** Breadcrumb trail: "Datanets / Name". */
export function Breadcrumbs({ items }: { items: { href?: string; label: ReactNode }[] }) {
  return (
    <nav aria-label="Breadcrumb">
      <ol className="flex flex-wrap items-center gap-1.5">
        {items.map((it, i) => (
          <li key={i} className="flex items-center gap-1.5">
            {i > 0 ? <span aria-hidden="true" className="text-border">/</span> : null}
            {it.href ? (
              <Link href={it.href} className="hover:text-foreground">
                {it.label}
              </Link>
            ) : (
              <span aria-current="page" className="text-foreground">
                {it.label}
              </span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

/** A label/value row for <dl> detail cards. */
export function DetailRow({ label, value }: { label: ReactNode; value: ReactNode }) {
  return (
    <div className="flex items-start justify-between gap-4">
      <dt className="shrink-0 text-muted-foreground">{label}</dt>
      <dd className="min-w-0 truncate text-right font-medium">{value}</dd>
    </div>
  );
}

/** Whether a version's on-chain Merkle root matches the root recomputed from the indexed contributions. */
export function RootCheck({ verified }: { verified: boolean }) {
  return verified ? (
    <Badge variant="success" title="The on-chain root matches the root recomputed from the indexed contributions">
      Verified
    </Badge>
  ) : (
    <Badge variant="warning" title="The on-chain root does not (yet) match the root recomputed from the indexed contributions">
      Unverified
    </Badge>
  );
}
