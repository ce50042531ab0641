/**
 * Model Factory jobs: a build request becomes a `model_builds` row, a runner claims queued rows one at a
 * time, runs the build in a child process (worker.ts) and writes its progress, evaluation and metadata
 * back. A build interrupted by a restart is queued again when the runner starts.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { modelBuilds, models } from "@/db/schema";
import { storeContent } from "@/lib/content/store";
import { AppError } from "@/lib/errors";
import { serverConfig } from "@/lib/config";
import { tryLock, type Release } from "@/lib/jobs/exclusive";
import { endpointKeySecret, storeEndpointKey } from "./endpoint-keys";
import { canonicalJson, contentUri, type ModelMetadata } from "@/lib/metadata";
import { singleton } from "@/lib/singleton";
import { artifactDir } from "./artifacts";
import { runWorker } from "./worker-process";
import { loadBuildSources, type BuildSources } from "./sources";
import { buildRequestSchema, kindByte, type BuildPhase, type BuildRequest } from "./spec";

export type BuildRow = typeof modelBuilds.$inferSelect;

const MAX_ATTEMPTS = 3;

function withoutKey<P extends { apiKey?: string }>(parameters: P): Omit<P, "apiKey"> {
  const { apiKey: _key, ...rest } = parameters;
  return rest;
}

/** How many builds one account may have queued or running at once (fresh keys are free: the IP limit backs it). */
export const MAX_OPEN_BUILDS_PER_ACCOUNT = 3;

/** Validates the request against the database (404/422 before anything is written), then queues it. */
export async function createBuild(db: Db, request: BuildRequest, runner?: BuildRunner): Promise<BuildRow> {
  await loadBuildSources(db, request.datanets);
  if (request.builder) {
    const [open] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(modelBuilds)
      .where(and(eq(modelBuilds.builder, request.builder), inArray(modelBuilds.status, ["queued", "running"])));
    if (open.n >= MAX_OPEN_BUILDS_PER_ACCOUNT) {
      throw new AppError("rate_limited", `You already have ${open.n} builds queued or running; start another when one has finished.`, { retryAfter: 60 });
    }
  }
  // An endpoint's API key never enters the stored request (which GET /api/factory/builds shows, and the
  // model card is made from): it is kept encrypted on its own, in the same transaction as the build.
  const apiKey = request.kind === "external" || request.kind === "rag" ? request.parameters.apiKey : undefined;
  const stored: BuildRequest =
    request.kind === "external" && apiKey !== undefined
      ? { ...request, parameters: withoutKey(request.parameters) }
      : request.kind === "rag" && apiKey !== undefined
        ? { ...request, parameters: withoutKey(request.parameters) }
        : request;
  const secret = apiKey !== undefined ? endpointKeySecret() : undefined;
  const id = randomUUID();
  const row = await db.transaction(async (tx) => {
    const [inserted] = await tx.insert(modelBuilds).values({ id, kind: stored.kind, builder: stored.builder ?? null, request: stored, status: "queued", phase: "queued" }).returning();
    if (apiKey !== undefined) await storeEndpointKey(tx, id, apiKey, secret);
    return inserted;
  });
  runner?.kick();
  return row;
}

export async function getBuild(db: Db, id: string): Promise<BuildRow | null> {
  const [row] = await db.select().from(modelBuilds).where(eq(modelBuilds.id, id)).limit(1);
  return row ?? null;
}

export async function listBuilds(db: Db, opts: { limit: number; builder?: string }): Promise<BuildRow[]> {
  return db
    .select()
    .from(modelBuilds)
    .where(opts.builder ? eq(modelBuilds.builder, opts.builder) : undefined)
    .orderBy(desc(modelBuilds.createdAt))
    .limit(opts.limit);
}

/** The arguments of ModelRegistry.registerModel for a finished build. */
export function registrationOf(build: BuildRow, price: bigint, builderBps: number) {
  if (build.status !== "succeeded" || !build.artifactHash || !build.metadataHash) {
    throw new Error(`build ${build.id} has not succeeded (status ${build.status})`);
  }
  const request = buildRequestSchema.parse(build.request);
  return [
    contentUri(build.metadataHash),
    build.metadataHash as `0x${string}`,
    build.artifactHash as `0x${string}`,
    request.datanets.map((d) => BigInt(d.id)),
    request.datanets.map((d) => d.version),
    price,
    builderBps,
    kindByte(request.kind),
  ] as const;
}

/** The model card stored content-addressed; its sha-256 is the on-chain metadataHash. */
export function metadataOf(request: BuildRequest, sources: BuildSources, result: WorkerResult): ModelMetadata {
  return {
    name: request.name,
    description: request.description,
    parameters: {
      kind: request.kind,
      ...request.parameters,
      ...(request.examples?.length ? { examples: request.examples } : {}),
      datanets: sources.versions.map((v) => ({ id: v.datanetId, version: v.version, root: v.root })),
      artifactHash: result.artifactHash,
      artifactBytes: result.artifactBytes,
      contributions: result.contributions,
      records: result.records,
      tokens: result.tokens,
    },
    evaluation: result.evaluation,
  };
}

interface WorkerResult {
  artifactHash: `0x${string}`;
  artifactBytes: number;
  contributions: number;
  records: number;
  tokens: number;
  evaluation: Record<string, unknown>;
}

export interface BuildRunnerOptions {
  db: Db;
  /**
   * Taken around each drain so that one runner among the web instances on a database builds at a time
   * (lib/jobs/exclusive.ts); null = another holds it, retry shortly. Unset: this runner is the only one.
   */
  lock?: () => Promise<Release | null>;
  artifactDir?: string;
  log?: (msg: string) => void;
}

/** Runs queued builds one at a time (builds are CPU-bound; the machine has few cores). */
export class BuildRunner {
  private running: Promise<void> | null = null;
  private child: ChildProcess | null = null;
  private stopped = false;

  constructor(private readonly opts: BuildRunnerOptions) {}

  private retry: NodeJS.Timeout | null = null;

  /** Starts working; what a runner that died left running is queued again by the next one to hold the lock. */
  async start(): Promise<void> {
    if (!this.opts.lock) await this.requeueOrphans();
    this.kick();
  }

  /** Builds marked running while no runner holds the lock were left by one that died: queue them again. */
  private async requeueOrphans(): Promise<void> {
    await this.opts.db.update(modelBuilds).set({ status: "queued", phase: "queued", progress: 0 }).where(eq(modelBuilds.status, "running"));
  }

  kick(): void {
    if (this.stopped || this.running) return;
    this.running = this.drain()
      .catch((err: unknown) => this.opts.log?.(`factory: runner error: ${(err as Error).message}`))
      .finally(() => {
        this.running = null;
      });
  }

  /** Resolves when nothing is queued (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.child?.kill("SIGKILL");
    await this.running?.catch(() => {});
  }

  private async drain(): Promise<void> {
    if (!this.opts.lock) return this.drainQueue();
    const release = await this.opts.lock();
    if (!release) {
      // Another instance is building; it drains the queue, but try again in case it just finished.
      this.retry ??= setTimeout(() => {
        this.retry = null;
        this.kick();
      }, 2_000).unref();
      return;
    }
    try {
      await this.requeueOrphans();
      await this.drainQueue();
    } finally {
      await release();
    }
  }

  private async drainQueue(): Promise<void> {
    const { db } = this.opts;
    while (!this.stopped) {
      // Accounts take turns: the next build is from the builder whose last build started longest ago.
      const [next] = await db
        .select({ id: modelBuilds.id })
        .from(modelBuilds)
        .where(eq(modelBuilds.status, "queued"))
        .orderBy(
          sql`(select max(s.started_at) from model_builds s where s.builder is not distinct from ${modelBuilds.builder}) asc nulls first`,
          modelBuilds.createdAt,
        )
        .limit(1);
      if (!next) return;
      // Claim it: several web instances may share one Postgres.
      const [build] = await db
        .update(modelBuilds)
        .set({ status: "running", phase: "loading", progress: 0, startedAt: new Date(), attempts: sql`${modelBuilds.attempts} + 1`, error: null })
        .where(and(eq(modelBuilds.id, next.id), eq(modelBuilds.status, "queued")))
        .returning();
      if (!build) continue;
      await this.run(build);
    }
  }

  private async run(build: BuildRow): Promise<void> {
    const { db } = this.opts;
    const fail = (message: string) =>
      db.update(modelBuilds).set({ status: "failed", phase: "done", error: message, finishedAt: new Date() }).where(eq(modelBuilds.id, build.id));
    if (build.attempts > MAX_ATTEMPTS) {
      await fail(`The build was interrupted ${MAX_ATTEMPTS} times; start a new build.`);
      return;
    }
    try {
      const request = buildRequestSchema.parse(build.request);
      const sources = await loadBuildSources(db, request.datanets);
      let lastWrite = 0;
      const result = await this.spawnWorker({ request, sources, artifactDir: this.opts.artifactDir ?? artifactDir() }, (phase, progress) => {
        const now = Date.now();
        if (now - lastWrite < 250) return;
        lastWrite = now;
        void db
          .update(modelBuilds)
          .set({ phase, progress })
          .where(and(eq(modelBuilds.id, build.id), eq(modelBuilds.status, "running")))
          .catch(() => {});
      });
      const metadata = metadataOf(request, sources, result);
      const stored = await storeContent(db, { body: new TextEncoder().encode(canonicalJson(metadata)), filename: "model.json" });
      await db
        .update(modelBuilds)
        .set({
          status: "succeeded",
          phase: "done",
          progress: 1,
          artifactHash: result.artifactHash,
          artifactBytes: result.artifactBytes,
          contributions: result.contributions,
          tokens: result.tokens,
          evaluation: result.evaluation,
          metadataHash: stored.hash,
          finishedAt: new Date(),
        })
        .where(eq(modelBuilds.id, build.id));
      this.opts.log?.(`factory: build ${build.id} (${request.kind} "${request.name}") → artifact ${result.artifactHash}`);
    } catch (err) {
      if (this.stopped) return; // left "running": the next start queues it again
      await fail((err as Error).message);
    }
  }

  private async spawnWorker(input: unknown, onProgress: (phase: BuildPhase, progress: number) => void): Promise<WorkerResult> {
    const run = runWorker<WorkerResult>({ task: "build", ...(input as object) }, { onProgress: (msg) => onProgress(msg.phase as BuildPhase, msg.progress as number) });
    this.child = run.child;
    try {
      return await run.result;
    } finally {
      this.child = null;
    }
  }
}

/** Finished builds whose artifact is registered, by artifact hash (for cards and the wizard). */
export async function buildsByArtifact(db: Db, hashes: string[]): Promise<Map<string, BuildRow>> {
  if (hashes.length === 0) return new Map();
  const rows = await db.select().from(modelBuilds).where(inArray(modelBuilds.artifactHash, hashes));
  return new Map(rows.map((r) => [r.artifactHash!, r]));
}

/** The process-wide runner of the web app (started by instrumentation.ts or on first use). */
export function processBuildRunner(db: Db): BuildRunner {
  return singleton("buildRunner", () => {
    // On Postgres (several web instances), one runner at a time builds: a shared lock per drain.
    const url = serverConfig().databaseUrl;
    const runner = new BuildRunner({ db, lock: () => tryLock("builds", url), log: (m) => console.log(m) });
    void runner.start();
    return runner;
  });
}

/** A build as the API shows it: with its registration arguments and the model registered from it. */
export async function describeBuilds(db: Db, rows: BuildRow[]) {
  const hashes = [...new Set(rows.flatMap((r) => (r.artifactHash ? [r.artifactHash] : [])))];
  const registered = hashes.length
    ? await db
        .select({ id: models.id, artifactHash: models.artifactHash, metadataHash: models.metadataHash })
        .from(models)
        .where(inArray(models.artifactHash, hashes))
        .orderBy(models.id)
    : [];
  return rows.map((row) => {
    const request = buildRequestSchema.parse(row.request);
    const model = registered.find((m) => m.artifactHash === row.artifactHash && m.metadataHash === row.metadataHash);
    const args = row.status === "succeeded" ? registrationOf(row, 0n, 0) : null;
    return {
      id: row.id,
      kind: row.kind,
      name: request.name,
      builder: row.builder,
      status: row.status,
      phase: row.phase as BuildPhase,
      progress: row.progress,
      error: row.error,
      datanets: request.datanets,
      parameters: request.parameters as Record<string, unknown>,
      artifactHash: row.artifactHash,
      artifactBytes: row.artifactBytes,
      contributions: row.contributions,
      tokens: row.tokens,
      evaluation: row.evaluation ?? null,
      registration: args && {
        metadataURI: args[0],
        metadataHash: args[1],
        artifactHash: args[2],
        datanetIds: args[3].map(String),
        versions: [...args[4]],
        kind: args[7],
      },
      modelId: model?.id ?? null,
      createdAt: row.createdAt,
      startedAt: row.startedAt,
      finishedAt: row.finishedAt,
    };
  });
}
