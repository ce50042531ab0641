/**
 * This process's metrics in Prometheus' text exposition format (version 0.0.4): counters and a histogram
 * updated where things happen (paid requests, serving, settle, refund, SSE subscribers), and gauges read at
 * scrape time (indexer lag, job queue, operator balance: lib/ops/status.ts). No client library: the format is
 * small, and every series here is written out explicitly.
 */
import { singleton } from "@/lib/singleton";

type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  /** label set (JSON of sorted entries) → value */
  values: Map<string, number>;
  buckets?: number[];
  /** histogram: label set → { counts per bucket, sum, count } */
  hist?: Map<string, { counts: number[]; sum: number; count: number }>;
}

const families = singleton("ops.metrics", () => new Map<string, Family>());

const keyOf = (labels: Labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function family(name: string, help: string, type: Family["type"], buckets?: number[]): Family {
  let f = families.get(name);
  if (!f) {
    f = { name, help, type, values: new Map(), buckets, hist: type === "histogram" ? new Map() : undefined };
    families.set(name, f);
  }
  return f;
}

export function counter(name: string, help: string) {
  const f = family(name, help, "counter");
  return {
    inc(labels: Labels = {}, by = 1) {
      const k = keyOf(labels);
      f.values.set(k, (f.values.get(k) ?? 0) + by);
    },
    get: (labels: Labels = {}) => f.values.get(keyOf(labels)) ?? 0,
  };
}

export function gauge(name: string, help: string) {
  const f = family(name, help, "gauge");
  return {
    set(value: number, labels: Labels = {}) {
      f.values.set(keyOf(labels), value);
    },
    inc(labels: Labels = {}, by = 1) {
      const k = keyOf(labels);
      f.values.set(k, (f.values.get(k) ?? 0) + by);
    },
    get: (labels: Labels = {}) => f.values.get(keyOf(labels)) ?? 0,
  };
}

export function histogram(name: string, help: string, buckets: number[]) {
  const f = family(name, help, "histogram", [...buckets].sort((a, b) => a - b));
  return {
    observe(value: number, labels: Labels = {}) {
      const k = keyOf(labels);
      let h = f.hist!.get(k);
      if (!h) f.hist!.set(k, (h = { counts: f.buckets!.map(() => 0), sum: 0, count: 0 }));
      f.buckets!.forEach((le, i) => {
        if (value <= le) h.counts[i]++;
      });
      h.sum += value;
      h.count++;
    },
  };
}

// The metrics the issue asks for (names follow Prometheus' conventions: _total counters, base units).
export const paidRequests = counter("ledgerline_paid_requests_total", "Paid inference requests answered, by payment scheme and HTTP status.");
export const serveSeconds = histogram(
  "ledgerline_serve_duration_seconds",
  "Time from claiming a paid request to its settled answer (model run, store and settle), by outcome.",
  [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
);
export const settlements = counter("ledgerline_settlements_total", "settle() calls by the operator, by result (settled, refunded before settling, pending: to retry).");
export const refunds = counter("ledgerline_refunds_total", "refund() calls by the operator, by result (ok, error).");
export const sseSubscribers = gauge("ledgerline_sse_subscribers", "Open /api/stream connections in this process.");

/** Escapes a label value: backslash, double quote and line feed. */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labelText(key: string, extra?: [string, string]): string {
  const entries = JSON.parse(key) as [string, string][];
  if (extra) entries.push(extra);
  return entries.length ? `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}` : "";
}

function num(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return String(n);
}

/** A scrape-time sample (gauges read from the database or the chain). */
export interface Sample {
  name: string;
  help: string;
  type: "gauge" | "counter";
  samples: { labels?: Labels; value: number }[];
}

/** The exposition text: every registered family, then the scrape-time ones. */
export function renderMetrics(extra: Sample[] = []): string {
  const lines: string[] = [];
  for (const f of families.values()) {
    lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${f.name} ${f.type}`);
    if (f.type === "histogram") {
      for (const [k, h] of f.hist!) {
        f.buckets!.forEach((le, i) => lines.push(`${f.name}_bucket${labelText(k, ["le", num(le)])} ${h.counts[i]}`));
        lines.push(`${f.name}_bucket${labelText(k, ["le", "+Inf"])} ${h.count}`, `${f.name}_sum${labelText(k)} ${num(h.sum)}`, `${f.name}_count${labelText(k)} ${h.count}`);
      }
    } else {
      for (const [k, v] of f.values) lines.push(`${f.name}${labelText(k)} ${num(v)}`);
    }
  }
  for (const s of extra) {
    if (families.has(s.name)) continue;
    lines.push(`# HELP ${s.name} ${s.help}`, `# TYPE ${s.name} ${s.type}`);
    for (const x of s.samples) lines.push(`${s.name}${labelText(keyOf(x.labels ?? {}))} ${num(x.value)}`);
  }
  return lines.join("\n") + "\n";
}
