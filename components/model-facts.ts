/**
 * A model's parameters and evaluation as a reader wants them: named in words, rounded to what the number can
 * tell (no "perplexity 366.6083811187948"), shares as percentages, nested objects as their own rows instead of
 * raw JSON. Pure functions, shared by the model page and its tests.
 */
import { formatNumber } from "./format";

export interface Fact {
  key: string;
  label: string;
  /** The formatted value. */
  text: string;
  /** The exact value, for a tooltip, when `text` rounds it. */
  exact?: string;
  /** Rows under this one (per-class results, nested settings). */
  rows?: Fact[];
}

const LABELS: Record<string, string> = {
  accuracy: "Accuracy",
  macroF1: "Macro F1",
  nextTokenAccuracy: "Next-token accuracy",
  perplexity: "Perplexity",
  heldOutRecords: "Held-out records",
  heldOutTokens: "Held-out tokens",
  perClass: "Per class",
  tokenizer: "Tokenizer",
  note: "Note",
  maxSupport: "Max support",
  maxTokens: "Max tokens",
  temperature: "Temperature",
  topK: "Top-k",
  topP: "Top-p",
  k: "Neighbours (k)",
  dims: "Hashed dimensions",
  baseUrl: "Endpoint",
  model: "Model",
  contributions: "Contributions",
  records: "Records",
  tokens: "Tokens",
  artifactHash: "Artifact hash",
  kind: "Kind",
  precision: "Precision",
  recall: "Recall",
  f1: "F1",
  support: "Support",
};

/** Keys whose value is a share in [0, 1], shown as a percentage. */
const SHARES = new Set(["accuracy", "macroF1", "nextTokenAccuracy", "precision", "recall", "f1"]);

/** "heldOutTokens" → "Held out tokens" for keys without a label of their own. */
export function labelOf(key: string): string {
  if (LABELS[key]) return LABELS[key];
  const words = key
    .replace(/[_-]+/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .trim()
    .toLowerCase();
  return words ? words[0].toUpperCase() + words.slice(1) : key;
}

/** A number rounded for reading: integers grouped; others to 4 significant digits (at most 2 decimals above 100). */
export function readableNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return formatNumber(n);
  const abs = Math.abs(n);
  const decimals = abs >= 100 ? 1 : abs >= 1 ? 2 : Math.min(6, Math.max(2, 1 - Math.floor(Math.log10(abs)) + 2));
  return new Intl.NumberFormat("en-US", { maximumFractionDigits: decimals, minimumFractionDigits: 0 }).format(n);
}

/** A share in [0, 1] as a percentage with one decimal ("93.3%"); never rounds to 100 % or 0 % unless exact. */
export function percent(share: number): string {
  if (share === 1) return "100%";
  if (share === 0) return "0%";
  const p = Math.round(share * 1000) / 10;
  if (p >= 100) return ">99.9%";
  if (p <= 0) return "<0.1%";
  return `${p}%`;
}

function valueText(key: string, v: unknown): { text: string; exact?: string } {
  if (v === null || v === undefined) return { text: "—" };
  if (typeof v === "boolean") return { text: v ? "yes" : "no" };
  if (typeof v === "bigint") return { text: formatNumber(v) };
  if (typeof v === "number") {
    const text = SHARES.has(key) && v >= 0 && v <= 1 ? percent(v) : readableNumber(v);
    return { text, exact: text === String(v) ? undefined : String(v) };
  }
  if (typeof v === "string") return { text: v };
  if (Array.isArray(v) && v.every((x) => typeof x !== "object" || x === null)) return { text: v.map((x) => valueText(key, x).text).join(", ") };
  return { text: "" };
}

/** One fact per entry; objects and arrays of objects become nested rows, never JSON. */
export function facts(record: Record<string, unknown> | null | undefined, depth = 0): Fact[] {
  if (!record) return [];
  return Object.entries(record).map(([key, v]): Fact => {
    const label = labelOf(key);
    if (key === "perClass" && Array.isArray(v)) {
      return {
        key,
        label,
        text: `${v.length} ${v.length === 1 ? "class" : "classes"}`,
        rows: v.map((c: Record<string, unknown>, i) => {
          const name = typeof c.label === "string" ? c.label : `#${i + 1}`;
          const parts = [
            typeof c.f1 === "number" ? `F1 ${percent(c.f1)}` : null,
            typeof c.precision === "number" ? `precision ${percent(c.precision)}` : null,
            typeof c.recall === "number" ? `recall ${percent(c.recall)}` : null,
            typeof c.support === "number" ? `${formatNumber(c.support)} held out` : null,
          ].filter(Boolean);
          return { key: `${key}.${i}`, label: name, text: parts.join(" · ") };
        }),
      };
    }
    if (v !== null && typeof v === "object" && depth < 3) {
      const entries = Array.isArray(v) ? Object.fromEntries(v.map((x, i) => [`#${i + 1}`, x])) : (v as Record<string, unknown>);
      const rows = facts(entries, depth + 1);
      if (rows.length || Array.isArray(v)) {
        if (Array.isArray(v) && v.every((x) => typeof x !== "object" || x === null)) return { key, label, ...valueText(key, v) };
        return { key, label, text: rows.length ? "" : "—", rows };
      }
    }
    return { key, label, ...valueText(key, v) };
  });
}
