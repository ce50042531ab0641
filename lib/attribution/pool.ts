/**
 * Many models, one index. Models whose Datanets overlap are served from one shared corpus index: a model
 * is a view (its set of contributions) over the shared suffix array, so 1,000 models over the same
 * Datanets cost about one index of memory. Suffix order depends only on each contribution's own text and
 * id (see corpus.ts), so a view answers exactly what the model's own artifact would.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { loadCorpusIndexFile, serializeCorpusIndex } from "./artifact";
import { copyMapBounds, copyMapDirStore, copyMapViewKey } from "./copy-map-store";
import { buildCorpusIndexFromTokens, type CorpusIndex, type CorpusTokens, type TokenArray } from "./corpus";
import { keepCopyMaps } from "./credit";
import { tokenWidth, type TokenWidth } from "./corpus-index";
import { AttributionError } from "./errors";
import { createView, type ModelView } from "./view";

/** Where a contribution's tokens live: the shared index once built, else the artifact that brought it. */
interface Member {
  id: number;
  datanetId: number;
  source: CorpusIndex;
  rank: number;
}

/** A contribution's tokens as stored in an index (without its trailing separator). */
export function contributionTokens(index: CorpusIndex, rank: number): TokenArray {
  const end = rank + 1 < index.starts.length ? index.starts[rank + 1] - 1 : index.tokens.length - 1;
  return index.tokens.subarray(index.starts[rank], end);
}

function sameTokens(a: TokenArray, b: TokenArray): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface SharedIndexPoolOptions {
  /**
   * Where each shared index the pool builds is kept (a directory, or a function giving it, read when first
   * needed): one artifact file per tokenizer, token width and member set, named by a sha-256 of the members'
   * ids, Datanets and tokens. A restart that reaches the same member set loads the file instead of sorting
   * the suffix array again. Without it, every growth rebuilds in memory.
   */
  persistDir?: string | (() => string);
  log?: (msg: string) => void;
}

export class SharedIndexPool {
  private index: CorpusIndex | null = null;
  /** How the shared index was obtained on each growth: built (suffix array sorted here) or loaded from persistDir. */
  readonly growths = { built: 0, loaded: 0 };
  private readonly members = new Map<number, Member>();
  private readonly views = new Map<number, { contributionIds: Uint32Array; view: ModelView | null }>();

  constructor(private readonly opts: SharedIndexPoolOptions = {}) {}

  /**
   * Adds a model by its own artifact's index. When it brings contributions the shared index lacks, the
   * shared index is rebuilt over the union (from tokens: no re-tokenizing) and every view re-created.
   */
  addModel(modelId: number, own: CorpusIndex): void {
    // One shared index per tokenizer: a model of another tokenizer is refused (its caller serves it from its own index).
    if (this.index && own.params.tokenizer !== this.index.params.tokenizer) {
      throw new AttributionError(`Model ${modelId} uses tokenizer ${own.params.tokenizer}; this pool's shared index uses ${this.index.params.tokenizer}.`);
    }
    // Check every shared contribution first: a refused model changes nothing.
    const added: Member[] = [];
    for (let r = 0; r < own.contributionIds.length; r++) {
      const id = own.contributionIds[r];
      const known = this.members.get(id);
      if (!known) {
        added.push({ id, datanetId: own.datanetIds[r], source: own, rank: r });
        continue;
      }
      if (!sameTokens(contributionTokens(own, r), contributionTokens(known.source, known.rank))) {
        throw new AttributionError(`Contribution ${id} has different text in model ${modelId} than in a model already served.`);
      }
    }
    for (const m of added) this.members.set(m.id, m);
    const grew = added.length > 0;
    this.views.set(modelId, { contributionIds: own.contributionIds.slice(), view: null });
    if (!this.index) {
      // The first model's own index is the shared index as it stands: nothing to rebuild.
      for (const m of added) m.source = own;
      this.index = own;
    } else if (grew) {
      const sorted = [...this.members.values()].sort((a, b) => a.id - b.id);
      // 32-bit tokens when any member came from a 32-bit index: the shared index holds what its members hold.
      const width = sorted.some((m) => tokenWidth(m.source) === 32) ? 32 : 16;
      const items = sorted.map((m) => ({ id: m.id, datanetId: m.datanetId, tokens: contributionTokens(m.source, m.rank) }));
      const index = this.build(items, width, this.index.params.tokenizer);
      // Point every member at the shared index, so the artifacts that brought them can be dropped.
      sorted.forEach((m, rank) => Object.assign(m, { source: index, rank }));
      this.index = index;
      for (const v of this.views.values()) v.view = null;
    }
  }

  /** The shared index over these members: loaded from persistDir when an earlier run built it, else built (and kept there). */
  private build(items: (CorpusTokens & { tokens: TokenArray })[], width: TokenWidth, tokenizer: string): CorpusIndex {
    const dirOpt = this.opts.persistDir;
    const dir = typeof dirOpt === "function" ? dirOpt() : dirOpt;
    if (!dir) {
      this.growths.built++;
      return buildCorpusIndexFromTokens(items, { tokenWidth: width, tokenizer });
    }
    const h = createHash("sha256").update(`ledgerline shared index\n${tokenizer}\n${width}\n`);
    const head = new Uint32Array(3);
    for (const it of items) {
      head[0] = it.id;
      head[1] = it.datanetId;
      head[2] = it.tokens.length;
      h.update(new Uint8Array(head.buffer));
      h.update(new Uint8Array(it.tokens.buffer, it.tokens.byteOffset, it.tokens.byteLength));
    }
    const file = path.join(dir, `${tokenizer}-${width}-${h.digest("hex")}.llix`);
    if (fs.existsSync(/*turbopackIgnore: true*/ file)) {
      try {
        const index = loadCorpusIndexFile(file);
        // The file must hold exactly these members (its structure and checksum were checked while loading).
        const same =
          tokenWidth(index) === width &&
          index.params.tokenizer === tokenizer &&
          index.contributionIds.length === items.length &&
          items.every((it, r) => index.contributionIds[r] === it.id && index.datanetIds[r] === it.datanetId && sameTokens(contributionTokens(index, r), it.tokens));
        if (same) {
          this.growths.loaded++;
          this.keepCopyMaps(index, file);
          return index;
        }
        this.opts.log?.(`pool: ${file} does not hold the members it is named for; rebuilding it`);
      } catch (err) {
        this.opts.log?.(`pool: ${file} cannot be loaded (${(err as Error).message}); rebuilding it`);
      }
    }
    this.growths.built++;
    const index = buildCorpusIndexFromTokens(items, { tokenWidth: width, tokenizer });
    try {
      fs.mkdirSync(/*turbopackIgnore: true*/ dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(/*turbopackIgnore: true*/ tmp, serializeCorpusIndex(index));
      fs.renameSync(/*turbopackIgnore: true*/ tmp, file);
    } catch (err) {
      // Serving goes on from memory; the next start sorts again.
      this.opts.log?.(`pool: the shared index could not be kept in ${dir}: ${(err as Error).message}`);
    }
    this.keepCopyMaps(index, file);
    return index;
  }

  /** The views' copy maps beside the shared index's file, so a restart does not recompute them. */
  private keepCopyMaps(index: CorpusIndex, file: string): void {
    keepCopyMaps(index, copyMapDirStore(`${file}.copies`, copyMapBounds(index), (m) => this.opts.log?.(`pool: ${m}`)), copyMapViewKey);
  }

  /** The shared index and this model's view of it. */
  get(modelId: number): { index: CorpusIndex; view: ModelView } {
    const entry = this.views.get(modelId);
    if (!entry || !this.index) throw new AttributionError(`Model ${modelId} is not loaded in this pool.`);
    entry.view ??= createView(this.index, entry.contributionIds);
    return { index: this.index, view: entry.view };
  }

  get models(): number {
    return this.views.size;
  }

  get contributions(): number {
    return this.members.size;
  }

  get sharedIndex(): CorpusIndex | null {
    return this.index;
  }
}
