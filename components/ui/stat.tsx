import * as React from "react";
import { cn } from "@/lib/utils";

export interface StatProps {
  label: React.ReactNode;
  value: React.ReactNode;
  hint?: React.ReactNode;
  icon?: React.ReactNode;
  className?: string;
  /** Full-precision value for the tooltip (e.g. exact OPEN amount). */
  title?: string;
}

/** One label/value group of a <dl> (StatGrid or a page's own <dl>): only <dt>/<dd> inside, as axe requires. */
export function Stat({ label, value, hint, icon, className, title }: StatProps) {
  return (
    <div className={cn("rounded-xl border border-border bg-card p-4 shadow-xs", className)}>
      <dt className="flex items-center justify-between gap-2 text-xs font-medium uppercase tracking-wide text-muted-foreground">
        <span>{label}</span>
        {icon ? <span aria-hidden="true" className="[&_svg]:size-4">{icon}</span> : null}
      </dt>
      <dd className="mt-2 truncate text-2xl font-semibold tabular-nums tracking-tight" title={title}>
        {value}
      </dd>
      {hint ? <dd className="mt-1 text-xs leading-snug text-muted-foreground">{hint}</dd> : null}
    </div>
  );
}

/** A <dl> grid for Stat children. */
export function StatGrid({ className, children }: { className?: string; children: React.ReactNode }) {
  return <dl className={cn("grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6", className)}>{children}</dl>;
}
