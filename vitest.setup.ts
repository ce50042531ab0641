/**
 * Test files share their worker's process and module cache (vitest.config.ts: `isolate: false`, which saves about a
 * fifth of the run in module loading). Each file still starts with the environment the worker started with: files
 * set DEPLOYMENT_FILE, RPC_URL and limits for their own stack. Process singletons (lib/singleton.ts) are left alone:
 * modules hold them from their first import, and files stand in their own values where they need to.
 */
const FIRST_ENV = Symbol.for("vitest-setup.first-env");
const store = globalThis as unknown as Record<symbol, unknown>;

const first = (store[FIRST_ENV] ??= { ...process.env }) as NodeJS.ProcessEnv;
for (const key of Object.keys(process.env)) if (!(key in first)) delete process.env[key];
Object.assign(process.env, first);
