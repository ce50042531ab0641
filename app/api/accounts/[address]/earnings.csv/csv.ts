import { formatUnits } from "viem";
import { earningsLedger, type EarningsLedgerRow } from "@/lib/queries";

export const EARNINGS_CSV_COLUMNS = [
  "time_utc",
  "role",
  "amount_open",
  "amount_wei",
  "model_id",
  "model_name",
  "datanet_id",
  "datanet_name",
  "contribution_id",
  "inference_id",
  "tx",
] as const;

/**
 * RFC 4180: a cell with a comma, quote or line break is quoted, quotes doubled. Text that a spreadsheet
 * would run as a formula (a model or Datanet name starting with = + - @, tab or CR) gets a leading `'`
 * (OWASP's CSV-injection rule); numbers stay numbers.
 */
export function csvCell(v: string | number | null): string {
  if (v === null) return "";
  const s = typeof v === "string" && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function earningsCsvLine(r: EarningsLedgerRow): string {
  return [
    r.at.toISOString(),
    r.role,
    formatUnits(r.amount, 18), // exact: viem formats bigint without floats
    r.amount.toString(),
    r.modelId,
    r.modelName,
    r.datanetId,
    r.datanetName,
    r.contributionId,
    r.requestId,
    r.tx,
  ]
    .map(csvCell)
    .join(",");
}

/**
 * The account's whole earnings ledger as CSV, pulled batch by batch as the client reads: the response
 * never holds more than one batch, and a client that stops reading stops the queries.
 */
export function earningsCsvStream(account: string): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let batches: AsyncGenerator<EarningsLedgerRow[]> | null = null;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode(`${EARNINGS_CSV_COLUMNS.join(",")}\r\n`));
      },
      async pull(controller) {
        batches ??= earningsLedger(account);
        const next = await batches.next();
        if (next.done) {
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(next.value.map((r) => `${earningsCsvLine(r)}\r\n`).join("")));
      },
      async cancel() {
        await batches?.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}
