"use client";

import { createContext, useContext, useId, useMemo, useState, type ReactNode } from "react";
import { shortAddress } from "@/components/format";
import type { DescribedSpan } from "@/lib/inference/spans";
import { cn } from "@/lib/utils";
import { AttributionTable, formatPpm } from "./attribution-table";

type TableProps = Parameters<typeof AttributionTable>[0];

/** Which contributions the focused or hovered span came from, shared by the answer and the table. */
const ActiveContributions = createContext<{ active: ReadonlySet<number> | null; setActive: (ids: ReadonlySet<number> | null) => void } | null>(null);

export function TracedSpansProvider({ children }: { children: ReactNode }) {
  const [active, setActive] = useState<ReadonlySet<number> | null>(null);
  const value = useMemo(() => ({ active, setActive }), [active]);
  return <ActiveContributions.Provider value={value}>{children}</ActiveContributions.Provider>;
}

/** The AttributionTable with the rows of the focused span's contributions highlighted. */
export function TracedAttributionTable(props: TableProps) {
  const ctx = useContext(ActiveContributions);
  return <AttributionTable {...props} highlighted={ctx?.active ?? undefined} />;
}

function sourceLabel(s: DescribedSpan["sources"][number]): string {
  const datanet = s.datanetName ? `${s.datanetName} (Datanet #${s.datanetId})` : `Datanet #${s.datanetId}`;
  return `Contribution #${s.contributionId} by ${s.contributor ? shortAddress(s.contributor) : "an unindexed contributor"} in ${datanet}, ${formatPpm(s.sharePpm)} of this span`;
}

function SpanDescription({ span }: { span: DescribedSpan }) {
  return (
    <>
      <span className="mb-1 block font-medium">Traced to {span.sources.length === 1 ? "one contribution" : `${span.sources.length} contributions`}:</span>{" "}
      {span.sources.map((s) => (
        <span key={s.contributionId} className="block">
          {sourceLabel(s)}.{" "}
        </span>
      ))}
    </>
  );
}

/**
 * An answer with its traced spans highlighted (stronger colour = more strongly traced). Each span is
 * keyboard focusable; hovering or focusing it names the contributions it came from and highlights their
 * rows in a TracedAttributionTable under the same TracedSpansProvider. While `busy` (tokens still
 * arriving) it is plain text with a caret, and screen readers wait for the end (aria-busy).
 */
export function TracedAnswer({
  text,
  spans,
  busy = false,
  className,
  testId,
  emptyText = "No text yet.",
}: {
  text: string;
  spans: DescribedSpan[] | null | undefined;
  busy?: boolean;
  className?: string;
  testId?: string;
  emptyText?: string;
}) {
  const ctx = useContext(ActiveContributions);
  const [local, setLocal] = useState<number | null>(null);
  const ids = useId();
  const [open, setOpen] = useState<number | null>(null);

  const segments = useMemo(() => {
    const out: { text: string; span: DescribedSpan | null; index: number }[] = [];
    let at = 0;
    (busy ? [] : (spans ?? [])).forEach((s, index) => {
      if (s.start < at || s.end > text.length || s.end <= s.start) return;
      if (s.start > at) out.push({ text: text.slice(at, s.start), span: null, index: -1 });
      out.push({ text: text.slice(s.start, s.end), span: s, index });
      at = s.end;
    });
    if (at < text.length) out.push({ text: text.slice(at), span: null, index: -1 });
    return out;
  }, [busy, spans, text]);

  const activate = (index: number | null, span: DescribedSpan | null) => {
    setOpen(index);
    setLocal(index);
    ctx?.setActive(span ? new Set(span.sources.map((s) => s.contributionId)) : null);
  };

  return (
    <div className="space-y-2">
      <p
        data-testid={testId}
        aria-busy={busy}
        aria-live="polite"
        className={cn("whitespace-pre-wrap break-words rounded-md bg-muted/40 p-3 text-sm leading-relaxed", className)}
      >
        {text.length === 0 ? <span className="text-muted-foreground">{busy ? "Generating…" : emptyText}</span> : null}
        {segments.map((seg, i) =>
          seg.span ? (
            <span key={i} className="relative">
              <mark
                tabIndex={0}
                data-testid="traced-span"
                data-contributions={seg.span.sources.map((s) => s.contributionId).join(" ")}
                aria-describedby={`${ids}-span-${seg.index}`}
                onMouseEnter={() => activate(seg.index, seg.span)}
                onMouseLeave={() => activate(null, null)}
                onFocus={() => activate(seg.index, seg.span)}
                onBlur={() => activate(null, null)}
                onKeyDown={(e) => {
                  if (e.key === "Escape") activate(null, null);
                }}
                style={{ backgroundColor: `color-mix(in oklch, var(--color-primary) ${Math.round(8 + seg.span.strength * 27)}%, transparent)` }}
                className={cn(
                  "rounded-sm px-px text-foreground outline-none transition-shadow focus-visible:ring-2 focus-visible:ring-ring",
                  local === seg.index && "ring-2 ring-primary/60",
                )}
              >
                {seg.text}
              </mark>
              {open === seg.index ? (
                <span
                  role="tooltip"
                  className="absolute left-0 top-full z-20 mt-1 w-max max-w-[min(24rem,80vw)] rounded-md border border-border bg-card p-2 text-xs text-card-foreground shadow-md"
                >
                  <SpanDescription span={seg.span} />
                </span>
              ) : null}
            </span>
          ) : (
            <span key={i}>{seg.text}</span>
          ),
        )}
        {busy ? <span aria-hidden className="ml-0.5 inline-block h-4 w-1.5 animate-pulse rounded-sm bg-primary/70 align-text-bottom" /> : null}
      </p>
      {/* The accessible descriptions of the spans (aria-describedby reads hidden elements). */}
      <div hidden>
        {segments.map((seg) =>
          seg.span ? (
            <span key={seg.index} id={`${ids}-span-${seg.index}`}>
              <SpanDescription span={seg.span} />
            </span>
          ) : null,
        )}
      </div>
      {!busy && spans && spans.length > 0 ? (
        <p className="text-xs text-muted-foreground">
          Highlighted: spans traced to contributions (darker = more strongly traced). Hover or focus one to see where it came from.
        </p>
      ) : null}
    </div>
  );
}
