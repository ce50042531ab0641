/**
 * Process singletons: one value per server process, kept on globalThis under Symbol.for("ledgerline.<name>"),
 * so Next's dev-mode module reloads and separately bundled copies of a module (route handlers,
 * instrumentation.ts) all share it. A test may stand in its own value at the same symbol.
 */

const symbolOf = (name: string) => Symbol.for(`ledgerline.${name}`);
const store = globalThis as unknown as Record<symbol, unknown>;

/** A named process-wide slot whose value may be set, replaced or cleared (undefined). */
export interface ProcessSlot<T> {
  get(): T | undefined;
  set(value: T | undefined): void;
}

export function processSlot<T>(name: string): ProcessSlot<T> {
  const key = symbolOf(name);
  return {
    get: () => store[key] as T | undefined,
    set: (value) => {
      if (value === undefined) delete store[key];
      else store[key] = value;
    },
  };
}

/** The process-wide value `name`, created by `create` on first use. */
export function singleton<T>(name: string, create: () => T): T {
  const key = symbolOf(name);
  if (store[key] === undefined) store[key] = create();
  return store[key] as T;
}

/**
 * The process-wide result of an async start-up `name` (database, indexer, jobs): started once, shared by
 * every caller; a start that fails is forgotten, so the next call tries again.
 */
export function singletonPromise<T>(name: string, start: () => Promise<T>): Promise<T> {
  const slot = processSlot<Promise<T>>(name);
  const existing = slot.get();
  if (existing) return existing;
  const started = (async () => start())().catch((err: unknown) => {
    if (slot.get() === started) slot.set(undefined);
    throw err;
  });
  slot.set(started);
  return started;
}
