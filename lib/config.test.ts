import { afterEach, describe, expect, it } from "vitest";
import { parseConfig, serverConfig } from "./config";
import { processSlot, singleton, singletonPromise } from "./singleton";

describe("server config", () => {
  const saved = process.env.ARTIFACT_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.ARTIFACT_DIR;
    else process.env.ARTIFACT_DIR = saved;
  });

  it("has the documented defaults; an empty variable counts as unset", () => {
    const cfg = parseConfig({ DATABASE_URL: "", SESSION_SECRET: "" });
    expect(cfg).toMatchObject({
      databaseUrl: undefined,
      databasePoolSize: 10,
      rpcUrl: "http://127.0.0.1:8545",
      publicRpcUrl: "http://127.0.0.1:8545",
      chainId: 31337,
      indexerInProcess: true,
      epochIntervalMs: 600_000,
      rateLimits: { ipPerMinute: 120, payerPerMinute: 60, attestationsPerMinute: 30 },
      attesterKey: undefined,
      attestationTtlSeconds: 3_600,
      sessionSecret: undefined,
      siweDomains: undefined,
    });
    expect(parseConfig({ RPC_URL: "https://rpc.example" }).publicRpcUrl).toBe("https://rpc.example");
    expect(parseConfig({ SIWE_DOMAIN: " a.example, ,b.example:3000" }).siweDomains).toEqual(["a.example", "b.example:3000"]);
    expect(parseConfig({ NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID: "p" }).walletConnectProjectId).toBe("p");
    expect(parseConfig({ LEDGERLINE_INDEXER: "off" }).indexerInProcess).toBe(false);
  });

  it("refuses invalid values with one error naming each variable (never echoing secrets)", () => {
    const parse = () => parseConfig({ CHAIN_ID: "mainnet", OPERATOR_PRIVATE_KEY: "0xsecret", RATE_LIMIT_IP_PER_MINUTE: "0" });
    expect(parse).toThrow(/^Invalid server configuration: .*CHAIN_ID must be .*OPERATOR_PRIVATE_KEY must be .*RATE_LIMIT_IP_PER_MINUTE must be/);
    expect(parse).not.toThrow(/0xsecret/);
    expect(() => parseConfig({ SESSION_SECRET: "short" })).toThrow(/SESSION_SECRET must be at least 32 characters/);
    expect(() => parseConfig({ ATTESTER_KEY: "0xsecret" })).toThrow(/ATTESTER_KEY must be a 0x-prefixed 32-byte hex key\.$/);
    expect(() => parseConfig({ ATTESTATION_TTL_SECONDS: "10" })).toThrow(/ATTESTATION_TTL_SECONDS must be a whole number of seconds from 60/);
    expect(() => parseConfig({ METRICS_TOKEN: "short-secret" })).toThrow(/METRICS_TOKEN must be at least 16 characters\.$/);
    expect(() => parseConfig({ LOG_LEVEL: "verbose" })).toThrow(/LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "verbose"/);
    expect(() => parseConfig({ OPERATOR_LOW_BALANCE: "0.5" })).toThrow(/OPERATOR_LOW_BALANCE must be a whole number of wei/);
    expect(() => parseConfig({ HEALTH_MAX_INDEXER_LAG: "-1" })).toThrow(/HEALTH_MAX_INDEXER_LAG must be a number of blocks/);
    expect(() => parseConfig({ PUBLIC_URL: "ftp://x" })).toThrow(/PUBLIC_URL must be an http\(s\) URL/);
    expect(parseConfig({ LOG_LEVEL: " Debug " }).logLevel).toBe("debug");
    expect(parseConfig({ OPERATOR_LOW_BALANCE: "7" }).operatorLowBalance).toBe(7n);
  });

  it("chooses on-disk models by id list, all, or artifact size; unset keeps every model in memory", () => {
    expect(parseConfig({}).onDisk).toEqual({ all: false, modelIds: [], minBytes: undefined });
    expect(parseConfig({ ON_DISK_MODELS: " 3, 17 ," }).onDisk).toEqual({ all: false, modelIds: [3, 17], minBytes: undefined });
    expect(parseConfig({ ON_DISK_MODELS: "ALL" }).onDisk.all).toBe(true);
    expect(parseConfig({ ON_DISK_MIN_BYTES: "2GiB" }).onDisk.minBytes).toBe(2 * 2 ** 30);
    expect(parseConfig({ ON_DISK_MIN_BYTES: "1.5 MiB" }).onDisk.minBytes).toBe(1.5 * 2 ** 20);
    expect(parseConfig({ ON_DISK_MIN_BYTES: "4096" }).onDisk.minBytes).toBe(4096);
    expect(() => parseConfig({ ON_DISK_MODELS: "gram-a" })).toThrow(/ON_DISK_MODELS must be "all" or comma-separated model ids/);
    expect(() => parseConfig({ ON_DISK_MIN_BYTES: "2GB" })).toThrow(/ON_DISK_MIN_BYTES must be a number of bytes/);
  });

  it("is frozen, parsed once, and parsed again when a variable it reads changes", () => {
    const first = serverConfig();
    expect(Object.isFrozen(first)).toBe(true);
    expect(serverConfig()).toBe(first);
    process.env.ARTIFACT_DIR = "/tmp/ledgerline-config-test";
    expect(serverConfig().artifactDir).toBe("/tmp/ledgerline-config-test");
  });
});

describe("process singletons", () => {
  it("creates a value once per process, under Symbol.for(ledgerline.<name>)", () => {
    const a = singleton("configTest", () => ({}));
    expect(singleton("configTest", () => ({}))).toBe(a);
    expect((globalThis as Record<symbol, unknown>)[Symbol.for("ledgerline.configTest")]).toBe(a);
    processSlot("configTest").set(undefined);
  });

  it("forgets a start that failed, so the next call starts again", async () => {
    await expect(singletonPromise("configTestStart", async () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    await expect(singletonPromise("configTestStart", async () => 42)).resolves.toBe(42);
    await expect(singletonPromise("configTestStart", async () => 43)).resolves.toBe(42);
    processSlot("configTestStart").set(undefined);
  });
});
