/**
 * Structured JSON logs (pino), one line per event, with the request id of the HTTP request that caused it:
 * route() runs every handler inside withRequest(), so a paid request's lines — the route, the payment, serving
 * and the settlement or refund — all carry the same `reqId` (AsyncLocalStorage follows the awaits and the
 * streamed answer). Level: LOG_LEVEL (default info; error under vitest so test output stays readable).
 *
 * Errors and warnings are also kept in a small in-memory ring (recentProblems) for the /operator page.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import pino, { type Logger } from "pino";
import { serverConfig } from "@/lib/config";
import { singleton } from "@/lib/singleton";

export interface RequestContext {
  reqId: string;
  method?: string;
  path?: string;
}

export interface Problem {
  at: string;
  level: "warn" | "error" | "fatal";
  msg: string;
  reqId?: string;
  component?: string;
}

const RING_SIZE = 50;
const LEVEL_NAMES: Record<number, Problem["level"]> = { 40: "warn", 50: "error", 60: "fatal" };

const state = singleton("ops.log", () => ({
  als: new AsyncLocalStorage<RequestContext>(),
  problems: [] as Problem[],
  logger: undefined as Logger | undefined,
  level: "" as string,
  /** The root's child per component: pino builds a child's bindings on creation, and a paid call logs 3 lines. */
  children: new Map<string, Logger>(),
}));

function remember(level: number, msg: string, fields: Record<string, unknown>): void {
  const name = LEVEL_NAMES[level];
  if (!name) return;
  state.problems.push({
    at: new Date().toISOString(),
    level: name,
    msg: msg.slice(0, 500),
    reqId: (fields.reqId as string | undefined) ?? state.als.getStore()?.reqId,
    component: fields.component as string | undefined,
  });
  if (state.problems.length > RING_SIZE) state.problems.splice(0, state.problems.length - RING_SIZE);
}

/** The process's root logger (level from LOG_LEVEL, re-read when it changes). */
export function logger(): Logger {
  let level: string;
  try {
    level = serverConfig().logLevel;
  } catch {
    level = "info"; // an invalid config is reported by its own error; logging must still work
  }
  if (!state.logger || state.level !== level) {
    state.level = level;
    state.children = new Map();
    const configured = pino.levels.values[level] ?? Infinity; // "silent": nothing is written
    // The logger itself runs at warn or below, so warnings and errors always reach the ring (recentProblems,
    // shown on /operator); the stream writes only what LOG_LEVEL asks for.
    const loggerLevel = configured <= 40 ? level : "warn";
    const streams = Number.isFinite(configured) ? [{ level: level as pino.Level, stream: pino.destination({ dest: 1, sync: true }) }] : [];
    state.logger = pino(
      {
        level: loggerLevel,
        base: { pid: process.pid },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        // Every line carries the request it belongs to.
        mixin: () => {
          const ctx = state.als.getStore();
          return ctx ? { reqId: ctx.reqId } : {};
        },
        hooks: {
          logMethod(args, method, levelValue) {
            if (levelValue >= 40) {
              const [first, second] = args as unknown[];
              const fields = first && typeof first === "object" ? (first as Record<string, unknown>) : {};
              const msg = typeof first === "string" ? first : typeof second === "string" ? second : fields.err instanceof Error ? fields.err.message : "";
              // A component logger's `component` is a binding of the child, not a field of the call.
              const component = fields.component ?? (this as Logger).bindings().component;
              remember(levelValue, msg, { ...fields, component });
            }
            return method.apply(this, args);
          },
        },
        serializers: { err: pino.stdSerializers.err },
      },
      pino.multistream(streams),
    );
  }
  return state.logger;
}

/** A child logger for one part of the system (`component` on every line). */
export function log(component: string): Logger {
  const root = logger();
  let child = state.children.get(component);
  if (!child) {
    child = root.child({ component });
    if (state.children.size < 100) state.children.set(component, child);
  }
  return child;
}

/** `fn` with a request id on every log line it causes (incoming x-request-id when well-formed, else a new one). */
export function withRequest<T>(request: Request, fn: (ctx: RequestContext) => T): T {
  const incoming = request.headers.get("x-request-id");
  const reqId = incoming && /^[A-Za-z0-9._:-]{8,128}$/.test(incoming) ? incoming : randomUUID();
  let path: string | undefined;
  try {
    path = new URL(request.url).pathname;
  } catch {
    path = undefined;
  }
  const ctx: RequestContext = { reqId, method: request.method, path };
  return state.als.run(ctx, () => fn(ctx));
}

/** The request being handled, if any. */
export function currentRequest(): RequestContext | undefined {
  return state.als.getStore();
}

/** The last warnings and errors this process logged, newest first. */
export function recentProblems(limit = 20): Problem[] {
  return state.problems.slice(-limit).reverse();
}

/** A one-line message of anything thrown. */
export function errorMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0];
}
