/**
 * Splitting an upload into records. A record is the unit a contributor is credited for in the
 * attribution engine, so the split must be deterministic: same bytes, same records.
 */
import { AppError } from "@/lib/errors";

export type ContentFormat = "text" | "markdown" | "jsonl" | "csv" | "json";

export interface ParsedContent {
  format: ContentFormat;
  records: string[];
}

/** An upload that cannot be stored as sent (→ 422 invalid_content). */
export class ContentError extends AppError {
  constructor(message: string) {
    super("invalid_content", message);
  }
}

export const MAX_CONTENT_BYTES = 4 * 1024 * 1024;

export function formatOf(filename: string | undefined, mediaType: string | undefined): ContentFormat {
  const ext = filename?.toLowerCase().split(".").pop();
  if (ext === "jsonl" || mediaType === "application/jsonl" || mediaType === "application/x-ndjson") return "jsonl";
  if (ext === "json" || mediaType === "application/json") return "json";
  if (ext === "csv" || mediaType === "text/csv") return "csv";
  if (ext === "md" || ext === "markdown" || mediaType === "text/markdown") return "markdown";
  if (ext === undefined || ext === "txt" || !mediaType || mediaType.startsWith("text/")) return "text";
  throw new ContentError(`Unsupported file type "${filename ?? mediaType}": upload .txt, .md, .jsonl, .csv or .json.`);
}

export function parseRecords(text: string, format: ContentFormat): ParsedContent {
  const normalized = text.replace(/\r\n?/g, "\n");
  let records: string[];
  switch (format) {
    case "text":
    case "markdown":
      records = normalized
        .split(/\n\s*\n/)
        .map((p) => p.trim())
        .filter(Boolean);
      break;
    case "jsonl":
      records = normalized
        .split("\n")
        .map((line, i) => {
          const trimmed = line.trim();
          if (!trimmed) return "";
          try {
            JSON.parse(trimmed);
          } catch {
            throw new ContentError(`Line ${i + 1} is not valid JSON: each line of a .jsonl file must be one JSON value.`);
          }
          return trimmed;
        })
        .filter(Boolean);
      break;
    case "json":
      try {
        JSON.parse(normalized);
      } catch {
        throw new ContentError("The file is not valid JSON.");
      }
      records = [normalized];
      break;
    case "csv": {
      const rows = parseCsv(normalized);
      if (rows.length < 2) throw new ContentError("A .csv file needs a header row and at least one data row.");
      const header = rows[0];
      records = rows.slice(1).map((row, i) => {
        if (row.length !== header.length) {
          throw new ContentError(`CSV row ${i + 2} has ${row.length} fields; the header has ${header.length}.`);
        }
        return JSON.stringify(Object.fromEntries(header.map((h, j) => [h, row[j]])));
      });
      break;
    }
  }
  if (records.length === 0) throw new ContentError("The file holds no records: it is empty or only whitespace.");
  return { format, records };
}

/** RFC 4180 CSV: quoted fields, doubled quotes, newlines inside quotes. Blank lines are skipped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n") {
      row.push(field);
      if (row.some((f) => f !== "")) rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (quoted) throw new ContentError("The CSV file ends inside a quoted field.");
  row.push(field);
  if (row.some((f) => f !== "")) rows.push(row);
  return rows;
}
