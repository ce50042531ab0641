/**
 * The server's configuration: every environment variable the server reads, parsed with zod into one typed,
 * frozen object (the README's Configuration table documents them). Server-only: nothing here may reach a
 * browser bundle. An empty variable counts as unset. An invalid value is one error naming the variable,
 * thrown at startup (instrumentation.ts asks for the config first) and by every later serverConfig().
 *
 * serverConfig() parses once and answers from memory while the variables it reads keep their values; tests
 * and scripts that set process.env before a call see their change, as when each module read process.env
 * itself. parseConfig(env) parses an explicit env object (tests).
 */
import path from "node:path";
import { z } from "zod";
import { ANVIL_CHAIN_ID } from "@/lib/chain/anvil";

export type Env = Record<string, string | undefined>;

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** 0.05 of the gas token (ETH or OPEN): a few hundred settlements at typical L2 gas prices. */
export const DEFAULT_OPERATOR_LOW_BALANCE = 5n * 10n ** 16n;

export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";
export const DEFAULT_EPOCH_INTERVAL_MINUTES = 10;

/** A variable's parsed value, or an issue saying what it must be ("must be …", after the variable's name). */
const parsed = <T>(parse: (raw: string) => T | undefined, must: string, echo = true) =>
  z.string().transform((raw, ctx): T => {
    const value = parse(raw);
    if (value === undefined) {
      ctx.addIssue({ code: "custom", message: echo ? `must be ${must}, got "${raw}"` : `must be ${must}` });
      return z.NEVER;
    }
    return value;
  });

const numberWhere = (ok: (n: number) => boolean, must: string) =>
  parsed((raw) => {
    const n = Number(raw);
    return Number.isFinite(n) && ok(n) ? n : undefined;
  }, must);

const httpUrl = parsed((raw) => {
  try {
    return ["http:", "https:"].includes(new URL(raw).protocol) ? raw : undefined;
  } catch {
    return undefined;
  }
}, "an http(s) URL");

const variables = {
  /** postgres://… ; unset: the embedded PGlite. */
  DATABASE_URL: parsed((raw) => (/^postgres(ql)?:\/\//i.test(raw) ? raw : undefined), "a postgres:// URL", false),
  PGLITE_DIR: z.string(),
  DATABASE_POOL_SIZE: numberWhere((n) => Number.isInteger(n) && n >= 1, "a whole number ≥ 1"),
  RPC_URL: httpUrl,
  PUBLIC_RPC_URL: httpUrl,
  CHAIN_ID: numberWhere((n) => Number.isInteger(n) && n >= 1, "a chain id (a whole number ≥ 1)"),
  DEPLOYMENT_FILE: z.string(),
  FINALITY_DEPTH: numberWhere((n) => Number.isInteger(n) && n >= 0, "a number of blocks ≥ 0"),
  INDEXER_POLL_MS: numberWhere((n) => n >= 0, "a number of milliseconds ≥ 0"),
  INDEXER_JOURNAL_BLOCKS: numberWhere((n) => Number.isInteger(n) && n >= 0, "a number of blocks ≥ 0"),
  LEDGERLINE_INDEXER: z.string(),
  OPERATOR_PRIVATE_KEY: parsed((raw) => (/^0x[0-9a-fA-F]{64}$/.test(raw) ? (raw as `0x${string}`) : undefined), "a 0x-prefixed 32-byte hex key", false),
  /** Signs content attestations (DatanetRegistry's `attester`); unset: the operator's key on the local chain. */
  ATTESTER_KEY: parsed((raw) => (/^0x[0-9a-fA-F]{64}$/.test(raw) ? (raw as `0x${string}`) : undefined), "a 0x-prefixed 32-byte hex key", false),
  ATTESTATION_TTL_SECONDS: numberWhere((n) => Number.isInteger(n) && n >= 60 && n <= 7 * 86_400, "a whole number of seconds from 60 to 604800 (7 days)"),
  RATE_LIMIT_ATTESTATIONS_PER_MINUTE: numberWhere((n) => n > 0, "a number of requests > 0"),
  EPOCH_INTERVAL_MINUTES: z.string(),
  EPOCH_TRIGGER_TOKEN: z.string(),
  RATE_LIMIT_IP_PER_MINUTE: numberWhere((n) => n > 0, "a number of requests > 0"),
  RATE_LIMIT_PAYER_PER_MINUTE: numberWhere((n) => n > 0, "a number of requests > 0"),
  /** Wei of OPEN; unset: the gas of pay + settle + refund at the chain's gas price. */
  MIN_PRICE: parsed((raw) => (/^[0-9]{1,78}$/.test(raw) ? BigInt(raw) : undefined), "a whole number of wei"),
  /** Wei of OPEN; unset: the gas of one booked inference's share of a claim and a bookBatch at the chain's gas price. */
  MIN_CHANNEL_PRICE: parsed((raw) => (/^[0-9]{1,78}$/.test(raw) ? BigInt(raw) : undefined), "a whole number of wei"),
  MAX_PROMPT_TOKENS: numberWhere((n) => Number.isInteger(n) && n >= 1, "a whole number of tokens ≥ 1"),
  RATE_LIMIT_NONCE_PER_MINUTE: numberWhere((n) => n > 0, "a number of requests > 0"),
  RATE_LIMIT_VERIFY_PER_MINUTE: numberWhere((n) => n > 0, "a number of requests > 0"),
  RATE_LIMIT_BUILDS_PER_HOUR: numberWhere((n) => n > 0, "a number of requests > 0"),
  RATE_LIMIT_ORIGINALITY_PER_MINUTE: numberWhere((n) => n > 0, "a number of requests > 0"),
  RATE_LIMIT_FORECAST_PER_MINUTE: numberWhere((n) => n > 0, "a number of requests > 0"),
  /** Proxies whose X-Forwarded-For is believed: comma-separated addresses or CIDRs. */
  TRUST_PROXY: parsed((raw) => {
    const list = raw.split(",").map((s) => s.trim()).filter(Boolean);
    return list.every((r) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(r)) ? list : undefined;
  }, "comma-separated IP addresses or CIDRs (e.g. 10.0.0.0/8,::1)"),
  /** host:port pairs an external model may call although they are not public (local development, tests). */
  EXTERNAL_MODEL_ALLOW_HOSTS: parsed((raw) => {
    const list = raw.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
    return list.every((h) => /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):\d{1,5}$/.test(h)) ? list.map((h) => h.replace(/^\[|\](?=:)/g, "")) : undefined;
  }, "comma-separated host:port pairs (e.g. 127.0.0.1:11434)"),
  SESSION_SECRET: parsed((raw) => (raw.length >= 32 ? raw : undefined), "at least 32 characters", false),
  ENDPOINT_KEY_SECRET: parsed((raw) => (raw.length >= 32 ? raw : undefined), "at least 32 characters", false),
  SIWE_DOMAIN: z.string(),
  ARTIFACT_DIR: z.string(),
  /** Corpus models served on disk (memory-mapped): "all", or comma-separated model ids. */
  ON_DISK_MODELS: parsed((raw) => {
    if (raw.trim().toLowerCase() === "all") return "all" as const;
    const ids = raw.split(",").map((s) => s.trim()).filter(Boolean);
    return ids.length > 0 && ids.every((s) => /^[0-9]{1,9}$/.test(s)) ? ids.map(Number) : undefined;
  }, '"all" or comma-separated model ids (e.g. 3,17)'),
  /** Corpus artifacts at least this large are served on disk: bytes, or with a KiB/MiB/GiB/TiB suffix. */
  ON_DISK_MIN_BYTES: parsed((raw) => {
    const m = /^([0-9]+(?:\.[0-9]+)?)\s*(KiB|MiB|GiB|TiB)?$/i.exec(raw.trim());
    if (!m) return undefined;
    const units: Record<string, number> = { kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };
    return Math.ceil(Number(m[1]) * (m[2] ? units[m[2].toLowerCase()] : 1));
  }, "a number of bytes, optionally with KiB, MiB, GiB or TiB (e.g. 2GiB)"),
  WALLETCONNECT_PROJECT_ID: z.string(),
  NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID: z.string(),
  /** The site's public origin, for absolute links in previews (social image, canonical). */
  PUBLIC_URL: httpUrl,
  /** Bearer token for GET /metrics; unset: open on the local chain only. */
  METRICS_TOKEN: parsed((raw) => (raw.length >= 16 ? raw : undefined), "at least 16 characters", false),
  LOG_LEVEL: parsed((raw) => (LOG_LEVELS.includes(raw.trim().toLowerCase() as LogLevel) ? (raw.trim().toLowerCase() as LogLevel) : undefined), `one of ${LOG_LEVELS.join(", ")}`),
  /** Wei of the chain's gas token below which the operator's balance is reported low. */
  OPERATOR_LOW_BALANCE: parsed((raw) => (/^[0-9]{1,78}$/.test(raw) ? BigInt(raw) : undefined), "a whole number of wei"),
  /** x402 batch-settlement: seconds a payer's timed withdrawal waits (the scheme's 900..2,592,000). */
  BATCH_WITHDRAW_DELAY_SECONDS: numberWhere((n) => Number.isInteger(n) && n >= 900 && n <= 2_592_000, "a whole number of seconds from 900 to 2592000"),
  /** x402 batch-settlement: the longest a charge waits before the operator books it on-chain (seconds). */
  BOOKING_MAX_DELAY_SECONDS: numberWhere((n) => Number.isInteger(n) && n >= 1 && n <= 86_400, "a whole number of seconds from 1 to 86400"),
  /** x402 batch-settlement: pending charges that make a booking due at once (however recent). */
  BOOKING_MIN_RECORDS: numberWhere((n) => Number.isInteger(n) && n >= 1 && n <= 1_000, "a whole number from 1 to 1000"),
  /** Blocks the indexer may trail the chain head before /api/health reports it down. */
  HEALTH_MAX_INDEXER_LAG: numberWhere((n) => Number.isInteger(n) && n >= 0, "a number of blocks ≥ 0"),
};

type Name = keyof typeof variables;
const NAMES = Object.keys(variables) as Name[];

const unsetWhenEmpty = (v: unknown) => (v === "" ? undefined : v);
const envSchema = z.object(
  Object.fromEntries(NAMES.map((name) => [name, z.preprocess(unsetWhenEmpty, variables[name].optional())])) as {
    [K in Name]: z.ZodPipe<z.ZodTransform<unknown, unknown>, z.ZodOptional<(typeof variables)[K]>>;
  },
);

/** EPOCH_INTERVAL_MINUTES (default 10) in ms; 0 or "off" = on demand only (0). */
function epochIntervalMs(value: string | undefined, ctx: z.RefinementCtx): number {
  const raw = value?.trim();
  if (raw === undefined || raw === "") return DEFAULT_EPOCH_INTERVAL_MINUTES * 60_000;
  if (raw === "off") return 0;
  const minutes = Number(raw);
  if (!Number.isFinite(minutes) || minutes < 0) {
    ctx.addIssue({ code: "custom", path: ["EPOCH_INTERVAL_MINUTES"], message: `must be a number of minutes ≥ 0 or "off", got "${raw}"` });
    return 0;
  }
  return Math.round(minutes * 60_000);
}

const configSchema = envSchema.transform((env, ctx) => {
  const rpcUrl = env.RPC_URL ?? DEFAULT_RPC_URL;
  const siweDomains = env.SIWE_DOMAIN?.split(",").map((s) => s.trim()).filter(Boolean);
  return {
    /** Postgres when set (any number of web instances), else PGlite in pgliteDir. */
    databaseUrl: env.DATABASE_URL,
    pgliteDir: env.PGLITE_DIR ?? path.join(process.cwd(), ".data", "pglite"),
    databasePoolSize: env.DATABASE_POOL_SIZE ?? 10,
    /** The RPC the server uses. */
    rpcUrl,
    /** The RPC the browser's wallet uses. */
    publicRpcUrl: env.PUBLIC_RPC_URL ?? rpcUrl,
    /** The chain whose deployment file is read when DEPLOYMENT_FILE is unset. */
    chainId: env.CHAIN_ID ?? ANVIL_CHAIN_ID,
    /** Unset: .data/deployments/<chainId>.json (lib/chain/config.ts). */
    deploymentFile: env.DEPLOYMENT_FILE,
    /** Unset: by chain (0 on anvil, 64 elsewhere; lib/indexer/runtime.ts). */
    finalityDepth: env.FINALITY_DEPTH,
    /** Unset: by chain (250 ms on anvil, 2 s elsewhere). */
    indexerPollMs: env.INDEXER_POLL_MS,
    /** Unset: 128 (lib/indexer/indexer.ts); 0 turns the undo journal off. */
    indexerJournalBlocks: env.INDEXER_JOURNAL_BLOCKS,
    /** LEDGERLINE_INDEXER=off: the web server runs without its in-process indexer. */
    indexerInProcess: env.LEDGERLINE_INDEXER !== "off",
    /** Unset: anvil's account 0 on the local chain, required elsewhere (lib/chain/operator.ts). */
    operatorPrivateKey: env.OPERATOR_PRIVATE_KEY,
    /** Unset: the operator's key on the local chain, required elsewhere (lib/content/attestation.ts). */
    attesterKey: env.ATTESTER_KEY,
    /** How long a content attestation stays usable on-chain: the contributor signs within this. */
    attestationTtlSeconds: env.ATTESTATION_TTL_SECONDS ?? 3_600,
    /** 0 = epochs on demand only. */
    epochIntervalMs: epochIntervalMs(env.EPOCH_INTERVAL_MINUTES, ctx),
    /** Unset: POST /api/settlement/epoch is open on the local chain only. */
    epochTriggerToken: env.EPOCH_TRIGGER_TOKEN,
    rateLimits: Object.freeze({
      ipPerMinute: env.RATE_LIMIT_IP_PER_MINUTE ?? 120,
      payerPerMinute: env.RATE_LIMIT_PAYER_PER_MINUTE ?? 60,
      noncePerMinute: env.RATE_LIMIT_NONCE_PER_MINUTE ?? 20,
      verifyPerMinute: env.RATE_LIMIT_VERIFY_PER_MINUTE ?? 10,
      buildsPerHour: env.RATE_LIMIT_BUILDS_PER_HOUR ?? 20,
      attestationsPerMinute: env.RATE_LIMIT_ATTESTATIONS_PER_MINUTE ?? 30,
      /** Originality measurements that miss the cache (each builds a suffix array over a Datanet). */
      originalityPerMinute: env.RATE_LIMIT_ORIGINALITY_PER_MINUTE ?? 30,
      forecastPerMinute: env.RATE_LIMIT_FORECAST_PER_MINUTE ?? 6,
    }),
    minPrice: env.MIN_PRICE,
    /** The lowest price paid from a batch-settlement channel (no transaction per call, so far below minPrice). */
    minChannelPrice: env.MIN_CHANNEL_PRICE,
    /** The longest prompt a paid route takes, in tokens (checked before anything is signed). */
    maxPromptTokens: env.MAX_PROMPT_TOKENS ?? 2_048,
    /** Unset: no proxy is trusted; the client is the socket's address. */
    trustProxy: Object.freeze(env.TRUST_PROXY ?? []),
    /** Non-public host:port pairs external models may reach (everything else must be public). */
    externalModelAllowHosts: Object.freeze(env.EXTERNAL_MODEL_ALLOW_HOSTS ?? []),
    /** Unset: a secret generated once and kept in the database (lib/auth/session.ts). */
    sessionSecret: env.SESSION_SECRET,
    /** Unset: builds that give an endpoint API key are refused (keys are only ever stored encrypted). */
    endpointKeySecret: env.ENDPOINT_KEY_SECRET,
    /** The authorities a sign-in may name; unset: the request's host. */
    siweDomains: siweDomains?.length ? Object.freeze(siweDomains) : undefined,
    artifactDir: env.ARTIFACT_DIR ?? path.join(process.cwd(), ".data", "artifacts"),
    /**
     * Which corpus models are served on disk (mapped: memory is the pages queries touch) instead of loaded: the
     * listed ids (or all), and any whose artifact is at least minBytes. An operator names the few models they know
     * are big, or sets a size above which nothing should be loaded whole; either matching is enough. kNN artifacts
     * stay in memory. Unset: every model is loaded, as before.
     */
    onDisk: Object.freeze({
      all: env.ON_DISK_MODELS === "all",
      modelIds: Object.freeze(env.ON_DISK_MODELS === "all" ? [] : (env.ON_DISK_MODELS ?? [])),
      minBytes: env.ON_DISK_MIN_BYTES,
    }),
    /** WalletConnect-based wallets are offered only when set. */
    walletConnectProjectId: env.WALLETCONNECT_PROJECT_ID ?? env.NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID,
    /** Unset: absolute links in previews use the request's own origin. */
    publicUrl: env.PUBLIC_URL,
    /** Unset: GET /metrics is open on the local chain and refused elsewhere. */
    metricsToken: env.METRICS_TOKEN,
    /** Unset: "error" under vitest (readable test output), "info" otherwise. */
    logLevel: env.LOG_LEVEL ?? (process.env.VITEST ? "error" : "info"),
    operatorLowBalance: env.OPERATOR_LOW_BALANCE ?? DEFAULT_OPERATOR_LOW_BALANCE,
    /** Unset: 64 blocks (a minute or more of chain time almost everywhere). */
    healthMaxIndexerLag: env.HEALTH_MAX_INDEXER_LAG ?? 64,
    /**
     * x402 batch-settlement channels' withdrawDelay: how long a payer's timed withdrawal waits, so the operator claims
     * charged vouchers first. Unset: 1 day.
     */
    batchWithdrawDelaySeconds: env.BATCH_WITHDRAW_DELAY_SECONDS ?? 86_400,
    /** The settle-latency bound of batch-settlement charges: booked within 60 s, or at once when 100 are pending. */
    bookingMaxDelayMs: (env.BOOKING_MAX_DELAY_SECONDS ?? 60) * 1000,
    bookingMinRecords: env.BOOKING_MIN_RECORDS ?? 100,
  };
});

export type ServerConfig = Readonly<z.output<typeof configSchema>>;

/** The configuration an env object describes; throws one error naming every invalid variable. */
export function parseConfig(env: Env): ServerConfig {
  const result = configSchema.safeParse(Object.fromEntries(NAMES.map((name) => [name, env[name]])));
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
    throw new Error(`Invalid server configuration: ${problems.join("; ")}.`);
  }
  return Object.freeze(result.data);
}

let memo: { values: string; config: ServerConfig } | undefined;

/** This process's configuration (process.env), parsed once per set of values. */
export function serverConfig(): ServerConfig {
  const env = process.env;
  const values = NAMES.map((name) => env[name] ?? "\u0000").join("\u0001");
  if (memo?.values !== values) memo = { values, config: parseConfig(env) };
  return memo.config;
}
