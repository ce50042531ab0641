/**
 * Models loaded for serving. A model's artifact comes from the artifact store by its on-chain artifact
 * hash (sha-256, checked on read). kNN models are kept as loaded; corpus models (∞-gram and external)
 * join one {@link SharedIndexPool}, so models over overlapping Datanets share one suffix array and each
 * is a view over it (a view answers exactly what the model's own artifact would, byte for byte).
 */
import path from "node:path";
import { and, eq, isNotNull, lte } from "drizzle-orm";
import type { Db } from "@/db/client";
import { contributions, indexerCheckpoints, modelDatanets, models } from "@/db/schema";
import { AttributionError } from "@/lib/attribution/errors";
import { AppError } from "@/lib/errors";
import { SharedIndexPool } from "@/lib/attribution/pool";
import { readyModel, type LoadedModel } from "@/lib/attribution/run";
import type { ModelView } from "@/lib/attribution/view";
import type { WithdrawalsAt } from "@/lib/attribution/record";
import type { VerbatimLimits } from "@/lib/attribution/terms";
import { indexedVerbatimLimits } from "./terms";
import { openModelArtifact, type OnDiskPolicy, type OpenedArtifact } from "./on-disk";
import { withdrawnMembers, withoutWithdrawn } from "@/lib/attribution/withdrawn";
import type { CorpusIndex } from "@/lib/attribution/corpus";
import type { KnnModel } from "@/lib/attribution/knn";
import { artifactDir as defaultArtifactDir, keepArtifactCopyMaps } from "@/lib/factory/artifacts";
import type { ModelKind } from "@/lib/metadata";

export interface ServableModel {
  modelId: number;
  kind: ModelKind;
  name: string;
  artifactHash: `0x${string}`;
  /** The model card's parameters (serving defaults, and for external models baseUrl and model). */
  parameters: Record<string, unknown>;
  /** Current on-chain price and state, as indexed. */
  price: bigint;
  builderBps: number;
  active: boolean;
  /** What runAttribution runs: the kNN model, or for corpus kinds the shared index… */
  model: LoadedModel;
  /** …with this model's view of it (absent when the model is served from its own index). */
  view?: ModelView;
  /** The model's Datanets (lineage): their treasuries take a pool nothing in the answer earned. */
  datanetIds: number[];
  /**
   * Takedowns as of the indexed (final) head: the model and view without the model's withdrawn contributions, and
   * the block whose withdrawal set that is (the newest withdrawal among them: a version-2 record names it as
   * `withdrawalsAt`). Null when none of the model's contributions is withdrawn. The artifact is never rebuilt.
   */
  withdrawals: { at: WithdrawalsAt; ids: number[]; model: LoadedModel; view?: ModelView } | null;
  /** Contributors' "no verbatim over N tokens" terms as indexed (the engine applies those of the model's contributions). */
  verbatimLimits: VerbatimLimits;
}

/**
 * The model cannot be served here (not indexed, artifact missing or unreadable). Before payment: answered
 * 503, nothing charged; after payment the request is refunded with `problem` as its reason.
 */
export class ModelUnavailable extends AppError {
  static override readonly brand: string = "ModelUnavailable";
  constructor(
    readonly problem: string,
    readonly modelId: number,
  ) {
    super("model_unavailable", `${problem} Nothing was charged.`);
  }
}

type Loaded =
  | { artifactHash: string; format: "knn"; model: KnnModel }
  | { artifactHash: string; format: "pooled" }
  /** A corpus model served from its own index: on disk, or refused by the pool (a contribution with different text elsewhere). */
  | { artifactHash: string; format: "own"; index: CorpusIndex };

export interface ModelCatalogOptions {
  db: Db;
  /** Artifact store directory; default ARTIFACT_DIR (see lib/factory/artifacts). */
  artifactDir?: string;
  log?: (msg: string) => void;
  /** Withdrawals count once this many blocks below the indexed head (FINALITY_DEPTH; default 0): a record must not name a block a reorg can drop. */
  finalityDepth?: number;
  /** The chain whose indexer checkpoint says when to re-read takedowns and terms (a database may hold another chain's too). */
  chainId?: number;
  /** Which corpus models are served memory-mapped; default ON_DISK_MODELS / ON_DISK_MIN_BYTES (see ./on-disk). */
  onDisk?: OnDiskPolicy;
}

type Withdrawn = { id: number; block: number; hash: string };
type IndexedState = { withdrawn: Withdrawn[]; limits: VerbatimLimits };

type ModelRow = typeof models.$inferSelect;

/** Loads models on first use and keeps them (by model id); one per process. */
export class ModelCatalog {
  /** Shared indexes are kept under the artifact directory (per tokenizer and member set), so a restart loads instead of sorting. */
  private readonly pool = new SharedIndexPool({ persistDir: () => path.join(this.dir, "shared-index"), log: (m) => this.opts.log?.(m) });
  private readonly loaded = new Map<number, Promise<Loaded>>();
  /** The model without its withdrawn contributions, per model (rebuilt only when its set or its index changes). */
  private state: { key: string; value: Promise<IndexedState> } | null = null;
  /** The checkpoint as read at a chain head: quotes at the same head share it (see {@link get}). */
  private checkpointAt: { head: bigint; value: Promise<{ key: string; state: IndexedState }> } | null = null;
  private headRead: Promise<{ block: number; hash: string } | undefined> | null = null;
  /** Each model's indexed row and lineage, as of the indexer checkpoint `key`. */
  private readonly rows = new Map<number, { key: string; value: Promise<{ row: ModelRow | undefined; lineage: number[] }> }>();
  private readonly withdrawnViews = new Map<number, { key: string; base: LoadedModel; baseView?: ModelView; value: NonNullable<ServableModel["withdrawals"]> }>();

  constructor(private readonly opts: ModelCatalogOptions) {}

  private get dir(): string {
    return this.opts.artifactDir ?? defaultArtifactDir();
  }

  /**
   * The model ready to run. Throws {@link ModelUnavailable} when it cannot be served. `head`: a quote before payment
   * at this chain head may reuse the checkpoint read at the same head (a block's 402 probes and paid requests then
   * read it once); without it the checkpoint is read now, as serving does, so a takedown indexed a moment ago applies.
   */
  async get(modelId: number, opts: { head?: bigint } = {}): Promise<ServableModel> {
    const { row, lineage, state } = await this.indexedModel(modelId, opts.head);
    if (!row) throw new ModelUnavailable(`Model ${modelId} is not known to this server (not registered, or not indexed yet).`, modelId);
    const artifactHash = row.artifactHash.toLowerCase() as `0x${string}`;
    let pending = this.loaded.get(modelId);
    if (!pending) {
      pending = this.load(modelId, row.kind, artifactHash);
      this.loaded.set(modelId, pending);
      // A failure is not cached: the artifact may arrive later.
      pending.catch(() => this.loaded.delete(modelId));
    }
    const loaded = await pending;
    if (loaded.artifactHash !== artifactHash) {
      this.loaded.delete(modelId);
      throw new ModelUnavailable(`Model ${modelId}'s artifact changed while loaded; try again.`, modelId);
    }
    const base = {
      datanetIds: lineage,
      modelId,
      kind: row.kind,
      name: row.name,
      artifactHash,
      parameters: row.parameters,
      price: row.price,
      builderBps: row.builderBps,
      active: row.active,
    };
    let served: { model: LoadedModel; view?: ModelView };
    switch (loaded.format) {
      case "knn":
        served = { model: { format: "knn", model: loaded.model } };
        break;
      case "own":
        served = { model: { format: "corpus", index: loaded.index } };
        break;
      case "pooled": {
        // Asked each time: the shared index is rebuilt when a later model brings new contributions.
        const { index, view } = this.pool.get(modelId);
        served = { model: { format: "corpus", index }, view };
        break;
      }
    }
    return {
      ...base,
      ...served,
      withdrawals: this.withdrawalsOf(modelId, served.model, served.view, state.withdrawn),
      verbatimLimits: state.limits,
    };
  }

  /**
   * The model's indexed row and lineage with the index's takedowns and terms. The indexer writes them in the same
   * transaction as its checkpoint, so they are read again only when the checkpoint has moved: one small query per
   * request stands in for five.
   */
  private async indexedModel(modelId: number, head?: bigint): Promise<{ row: ModelRow | undefined; lineage: number[]; state: IndexedState }> {
    const { key, state } = await this.indexedState(head);
    let cached = this.rows.get(modelId);
    if (cached?.key !== key) {
      const db = this.opts.db;
      const value = Promise.all([
        db.select().from(models).where(eq(models.id, modelId)).limit(1),
        db.select({ id: modelDatanets.datanetId }).from(modelDatanets).where(eq(modelDatanets.modelId, modelId)),
      ]).then(([[row], lineage]) => ({ row, lineage: lineage.map((r) => r.id).sort((a, b) => a - b) }));
      cached = { key, value };
      // Not known yet (not indexed) or failed: asked again next time.
      const entry = cached;
      value.then((v) => !v.row && this.rows.get(modelId) === entry && this.rows.delete(modelId)).catch(() => this.rows.get(modelId) === entry && this.rows.delete(modelId));
      this.rows.set(modelId, cached);
    }
    return { ...(await cached.value), state };
  }

  private indexedState(head?: bigint): Promise<{ key: string; state: IndexedState }> {
    if (head === undefined) {
      const fresh = this.readCheckpoint();
      // Quotes at the cached head take this later read too: the indexer may write the head's checkpoint after a
      // quote cached the one before, and quotes and serving would then alternate between two keys, each switch
      // reading the model's row and lineage again (two extra reads per paid call, seen at c=32).
      const entry = this.checkpointAt;
      if (entry)
        fresh.then(
          (v) => {
            if (this.checkpointAt === entry) entry.value = Promise.resolve(v);
          },
          () => {},
        );
      return fresh;
    }
    if (this.checkpointAt?.head !== head) {
      const value = this.readCheckpoint();
      const entry = { head, value };
      this.checkpointAt = entry;
      value.catch(() => this.checkpointAt === entry && (this.checkpointAt = null));
    }
    return this.checkpointAt.value;
  }

  /**
   * The indexed head, one read shared by every request that asks while it is in flight. A request joins only a read
   * that has not answered yet, which runs after the request arrived, so sharing never serves an older checkpoint than
   * reading alone would; under load the database sees one read per batch of concurrent calls instead of one per call.
   */
  private readHead(): Promise<{ block: number; hash: string } | undefined> {
    if (!this.headRead) {
      const chainId = this.opts.chainId;
      const read = this.opts.db
        .select({ block: indexerCheckpoints.block, hash: indexerCheckpoints.blockHash })
        .from(indexerCheckpoints)
        .where(chainId === undefined ? undefined : eq(indexerCheckpoints.chainId, chainId))
        .limit(1)
        .then(([head]) => head);
      this.headRead = read;
      const done = () => {
        if (this.headRead === read) this.headRead = null;
      };
      read.then(done, done);
    }
    return this.headRead;
  }

  private async readCheckpoint(): Promise<{ key: string; state: IndexedState }> {
    const head = await this.readHead();
    const key = head ? `${head.block}:${head.hash}` : "";
    if (this.state?.key !== key) {
      const value = this.readIndexedState(head?.block ?? null);
      this.state = { key, value };
      value.catch(() => this.state?.value === value && (this.state = null));
    }
    return { key, state: await this.state.value };
  }

  /** Every indexed withdrawal at a final block (at most the indexed head − finalityDepth), and every terms limit. */
  private async readIndexedState(head: number | null): Promise<IndexedState> {
    const db = this.opts.db;
    const limits = await indexedVerbatimLimits(db);
    if (head === null) return { withdrawn: [], limits };
    const rows = await db
      .select({ id: contributions.id, block: contributions.withdrawnBlock, hash: contributions.withdrawnBlockHash })
      .from(contributions)
      .where(and(isNotNull(contributions.withdrawnBlock), lte(contributions.withdrawnBlock, head - (this.opts.finalityDepth ?? 0))));
    return { withdrawn: rows.filter((r): r is Withdrawn => r.block !== null && r.hash !== null), limits };
  }

  /** The model's withdrawn contributions taken out of its view (cached while its set and index stay the same). */
  private withdrawalsOf(modelId: number, model: LoadedModel, view: ModelView | undefined, all: Withdrawn[]): ServableModel["withdrawals"] {
    const byId = new Map(all.map((w) => [w.id, w]));
    const ids = withdrawnMembers(model, view, new Set(byId.keys()));
    if (ids.length === 0) {
      this.withdrawnViews.delete(modelId);
      return null;
    }
    let at = byId.get(ids[0])!;
    for (const id of ids) {
      const w = byId.get(id)!;
      if (w.block > at.block) at = w;
    }
    const key = `${at.block}:${at.hash}:${ids.join(",")}`;
    const cached = this.withdrawnViews.get(modelId);
    const sameBase = cached && (model.format === "knn" ? cached.base.format === "knn" && cached.base.model === model.model : cached.base.format === "corpus" && model.format === "corpus" && cached.base.index === model.index && cached.baseView === view);
    if (cached && cached.key === key && sameBase) return cached.value;
    let filtered: { model: LoadedModel; view?: ModelView };
    try {
      filtered = withoutWithdrawn(model, view, new Set(ids));
    } catch (err) {
      if (err instanceof AttributionError) throw new ModelUnavailable(`Model ${modelId} cannot answer: ${err.message}`, modelId);
      throw err;
    }
    const value = { at: { block: at.block, hash: at.hash.toLowerCase() as `0x${string}` }, ids, ...filtered };
    this.withdrawnViews.set(modelId, { key, base: model, baseView: view, value });
    return value;
  }

  private async load(modelId: number, kind: ModelKind, artifactHash: `0x${string}`): Promise<Loaded> {
    let opened: OpenedArtifact | null;
    try {
      opened = openModelArtifact(artifactHash, { modelId, dir: this.dir, onDisk: this.opts.onDisk });
    } catch (err) {
      // AttributionError: the file is there but is not a model, or (on disk) does not hash to its artifactHash.
      const how = err instanceof AttributionError ? "cannot be opened" : "cannot be read";
      throw new ModelUnavailable(`Model ${modelId}'s artifact ${how}: ${(err as Error).message.replace(/\.$/, "")}.`, modelId);
    }
    if (!opened) throw new ModelUnavailable(`Model ${modelId}'s artifact ${artifactHash} is not in this server's artifact store.`, modelId);
    const artifact = opened.model;
    const wants = kind === "knn" ? "knn" : "corpus";
    if (artifact.format !== wants) {
      throw new ModelUnavailable(`Model ${modelId} is registered as ${kind} but its artifact is a ${artifact.format} artifact.`, modelId);
    }
    if (artifact.format === "knn") return { artifactHash, format: "knn", model: artifact.model };
    // A cl100k_base or o200k_base index needs its BPE tables to answer (loaded once, for the first such model).
    await readyModel(artifact);
    // Joining the pool would copy its tokens into the shared index's memory: an on-disk model keeps its own index.
    if (opened.onDisk) {
      this.opts.log?.(`models: model ${modelId} served on disk (its artifact memory-mapped)`);
      return this.own(artifactHash, artifact.index);
    }
    try {
      this.pool.addModel(modelId, artifact.index);
      // The first model's own index is the shared index as it stands (not rebuilt, so not kept by the pool): its copy
      // maps are kept by its artifact, as an own index's are.
      if (this.pool.sharedIndex === artifact.index) this.keepCopyMaps(artifactHash, artifact.index);
      return { artifactHash, format: "pooled" };
    } catch (err) {
      if (!(err instanceof AttributionError)) throw err;
      this.opts.log?.(`models: model ${modelId} served from its own index: ${err.message}`);
      return this.own(artifactHash, artifact.index);
    }
  }

  /** A model served from its own index, whose copy maps are kept under the store (computed once per artifact, not per start). */
  private own(artifactHash: `0x${string}`, index: CorpusIndex): Loaded {
    this.keepCopyMaps(artifactHash, index);
    return { artifactHash, format: "own", index };
  }

  private keepCopyMaps(artifactHash: `0x${string}`, index: CorpusIndex): void {
    if (!/^0x[0-9a-f]{64}$/.test(artifactHash)) return;
    keepArtifactCopyMaps(artifactHash, index, this.dir, (m) => this.opts.log?.(`models: ${m}`));
  }

  /** Loads every active model whose artifact is here (at startup); returns what loaded and what did not. */
  async warm(): Promise<{ loaded: number[]; unavailable: { modelId: number; reason: string }[] }> {
    const rows = await this.opts.db.select({ id: models.id }).from(models).where(eq(models.active, true));
    const loaded: number[] = [];
    const unavailable: { modelId: number; reason: string }[] = [];
    for (const { id } of rows) {
      try {
        await this.get(id);
        loaded.push(id);
      } catch (err) {
        unavailable.push({ modelId: id, reason: err instanceof ModelUnavailable ? err.problem : (err as Error).message });
      }
    }
    return { loaded, unavailable };
  }

  /** How much is loaded: models, and the shared index's contributions and tokens. */
  get stats(): { models: number; sharedContributions: number; sharedTokens: number } {
    return { models: this.loaded.size, sharedContributions: this.pool.contributions, sharedTokens: this.pool.sharedIndex?.tokens.length ?? 0 };
  }
}
