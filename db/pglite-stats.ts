/**
 * Where a process's PGlite time goes, per statement: opt-in (PGLITE_STATS_FILE) for benchmarks. Every trip into the
 * WebAssembly backend is timed and charged to the first statement of its message (a simple query's text or a
 * Parse's), and the totals are written to the file once a second, so a benchmark reads them from outside the process.
 */
import fs from "node:fs";

export interface StatementStats {
  /** The statement's text, cut to 160 characters. */
  statement: string;
  trips: number;
  ms: number;
}

const decoder = new TextDecoder();

/** The statement a protocol message starts with: 'Q' (simple query) or 'P' (Parse: name, then text). */
export function statementOf(message: Uint8Array): string {
  const type = message[0];
  if (type !== 0x51 && type !== 0x50) return type === 0x53 ? "(sync)" : `(message ${String.fromCharCode(type ?? 32)})`;
  let start = 5;
  if (type === 0x50) start = message.indexOf(0, start) + 1;
  const end = message.indexOf(0, start);
  return decoder.decode(message.subarray(start, Math.min(end < 0 ? message.length : end, start + 160)));
}

export class PgliteStats {
  private readonly byStatement = new Map<string, StatementStats>();
  private timer: NodeJS.Timeout;

  constructor(private readonly file: string) {
    this.timer = setInterval(() => this.write(), 1_000);
    this.timer.unref();
  }

  add(statement: string, ms: number): void {
    const s = this.byStatement.get(statement) ?? { statement, trips: 0, ms: 0 };
    s.trips++;
    s.ms += ms;
    this.byStatement.set(statement, s);
  }

  write(): void {
    const rows = [...this.byStatement.values()].sort((a, b) => b.ms - a.ms);
    fs.writeFileSync(`${this.file}.partial`, JSON.stringify(rows));
    fs.renameSync(`${this.file}.partial`, this.file);
  }

  stop(): void {
    clearInterval(this.timer);
    this.write();
  }
}
