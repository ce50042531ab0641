/**
 * Runs lib/factory/worker.ts in a child process: one JSON input on stdin, JSON lines back (progress, one result
 * or an error). Builds and earnings forecasts go through it, so CPU-heavy work never blocks the web server.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

export interface WorkerRun<R> {
  child: ChildProcess;
  result: Promise<R>;
}

export function runWorker<R>(input: unknown, opts: { onProgress?: (msg: Record<string, unknown>) => void; timeoutMs?: number } = {}): WorkerRun<R> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(/*turbopackIgnore: true*/ process.cwd(), "lib", "factory", "worker.ts")], {
    cwd: process.cwd(),
    stdio: ["pipe", "pipe", "pipe"],
  });
  const result = new Promise<R>((resolve, reject) => {
    let value: R | null = null;
    let error: string | null = null;
    let buffer = "";
    let stderr = "";
    const timer = opts.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs) : null;
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith("{")) continue;
        const msg = JSON.parse(line) as { type: string } & Record<string, unknown>;
        if (msg.type === "progress") opts.onProgress?.(msg);
        else if (msg.type === "result") value = msg as unknown as R;
        else if (msg.type === "error") error = msg.message as string;
      }
    });
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-4_000);
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (timer) clearTimeout(timer);
      if (value) resolve(value);
      else reject(new Error(error ?? `The worker process stopped (${signal ?? `exit ${code}`}). ${stderr.trim().split("\n").pop() ?? ""}`.trim()));
    });
    child.stdin!.end(JSON.stringify(input));
  });
  return { child, result };
}
