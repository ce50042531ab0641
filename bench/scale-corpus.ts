/**
 * The scale benchmark's corpus: real English/technical text that npm packages ship (READMEs,
 * licences, changelogs, other *.md files under node_modules), deduplicated by content, split into
 * paragraphs, tokenized once with the engine's `encode` (cached in .data/bench/), then tiled up to the
 * requested size:
 *  - copy 0 is every distinct paragraph once, in file order (files sorted by path);
 *  - copy r ≥ 1 is the same paragraphs reshuffled with the seeded PRNG (seed SCALE_SEED + r), so the
 *    copies share paragraphs but not their neighbours;
 *  - paragraphs are dealt into contributions that close at ≥ CONTRIBUTION_TOKENS tokens, ids 1, 2, …,
 *    Datanets 1..8 round robin. The last copy stops when the target is reached.
 * How much is real is reported: the distinct-paragraph tokens of copy 0 (the rest is reshuffled tiles).
 * The file set depends on what is installed; the run prints its hash so runs can be compared.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { encode, type CorpusTokens } from "@/lib/attribution";
import { seededRandom, shuffleInPlace } from "./corpus";

export const SCALE_CORPUS_VERSION = "npm-docs-v1";
export const SCALE_SEED = 20_261_205;
const CONTRIBUTION_TOKENS = 2_000;
const MAX_FILE_BYTES = 2 << 20;
const NAME = /^(readme|license|licence|copying|notice|changelog|history|authors|contributing)([.-].*)?$|\.(md|markdown|txt)$/i;

export interface ScaleCorpus {
  contributions: CorpusTokens[];
  /** Real tokens (no separators) in the whole corpus. */
  tokens: number;
  /** Distinct-paragraph tokens (one copy of the real text). */
  realTokens: number;
  files: number;
  paragraphs: number;
  copies: number;
  /** sha-256 of the distinct paragraph texts (identifies the text set across machines). */
  textHash: string;
  /** Paragraph token arrays, for drawing query windows. */
  paragraphTokens: Uint16Array[];
  description: string;
}

function listDocs(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && NAME.test(e.name)) out.push(p);
    }
  };
  walk(root);
  return out.sort();
}

/** Distinct paragraphs (blank-line separated, trimmed, ≥ 20 characters) of the distinct documents, in file order. */
function readParagraphs(root: string): { paragraphs: string[]; files: number } {
  const seenDocs = new Set<string>();
  const seenParas = new Set<string>();
  const paragraphs: string[] = [];
  let files = 0;
  for (const file of listDocs(root)) {
    let text: string;
    try {
      if (fs.statSync(file).size > MAX_FILE_BYTES) continue;
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue;
    }
    const h = createHash("sha256").update(text).digest("hex");
    if (seenDocs.has(h)) continue;
    seenDocs.add(h);
    files++;
    for (const raw of text.split(/\r?\n\s*\r?\n/)) {
      const para = raw.trim();
      if (para.length < 20 || seenParas.has(para)) continue;
      seenParas.add(para);
      paragraphs.push(para);
    }
  }
  return { paragraphs, files };
}

export function loadScaleCorpus(opts: { targetTokens: number; cacheDir?: string; log?: (m: string) => void }): ScaleCorpus {
  const log = opts.log ?? console.log;
  const cacheDir = opts.cacheDir ?? path.join(process.cwd(), ".data", "bench");
  const { paragraphs, files } = readParagraphs(path.join(process.cwd(), "node_modules"));
  const hash = createHash("sha256").update(SCALE_CORPUS_VERSION);
  for (const p of paragraphs) hash.update(p).update("\0");
  const textHash = hash.digest("hex").slice(0, 16);
  const file = path.join(cacheDir, `scale-${textHash}.tokens`);
  let paragraphTokens: Uint16Array[];
  const n = paragraphs.length;
  if (fs.existsSync(file)) {
    const buf = fs.readFileSync(file);
    const bytes = new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const offsets = new Uint32Array(bytes.buffer, 0, n + 1);
    const all = new Uint16Array(bytes.buffer, 4 * (n + 1), offsets[n]);
    paragraphTokens = Array.from({ length: n }, (_, i) => all.subarray(offsets[i], offsets[i + 1]));
    log(`scale corpus: ${n.toLocaleString("en-US")} paragraph token arrays read from ${path.relative(process.cwd(), file)}`);
  } else {
    const t0 = performance.now();
    paragraphTokens = paragraphs.map((p) => encode(`${p}\n\n`));
    const total = paragraphTokens.reduce((s, t) => s + t.length, 0);
    log(`scale corpus: tokenized ${n.toLocaleString("en-US")} paragraphs (${total.toLocaleString("en-US")} tokens) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const bytes = new Uint8Array(4 * (n + 1) + 2 * total);
    const offsets = new Uint32Array(bytes.buffer, 0, n + 1);
    const all = new Uint16Array(bytes.buffer, 4 * (n + 1), total);
    for (let i = 0, p = 0; i < n; i++) {
      offsets[i] = p;
      all.set(paragraphTokens[i], p);
      p += paragraphTokens[i].length;
      offsets[i + 1] = p;
    }
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(file, bytes);
  }
  const realTokens = paragraphTokens.reduce((s, t) => s + t.length, 0);
  if (realTokens === 0) throw new Error("no npm-shipped documentation found under node_modules");

  const contributions: CorpusTokens[] = [];
  let tokens = 0;
  let copies = 0;
  let open: Uint16Array[] = [];
  let openTokens = 0;
  const close = (): void => {
    const t = new Uint16Array(openTokens);
    let p = 0;
    for (const a of open) {
      t.set(a, p);
      p += a.length;
    }
    contributions.push({ id: contributions.length + 1, datanetId: (contributions.length % 8) + 1, tokens: t });
    open = [];
    openTokens = 0;
  };
  const order = new Uint32Array(n);
  outer: for (let r = 0; ; r++) {
    copies = r + 1;
    for (let i = 0; i < n; i++) order[i] = i;
    if (r > 0) shuffleInPlace(order, seededRandom(SCALE_SEED + r));
    for (let i = 0; i < n; i++) {
      const a = paragraphTokens[order[i]];
      open.push(a);
      openTokens += a.length;
      tokens += a.length;
      if (openTokens >= CONTRIBUTION_TOKENS) close();
      if (tokens >= opts.targetTokens) break outer;
    }
  }
  if (openTokens > 0) close();
  const description =
    `npm-shipped documentation and licences under node_modules: ${files.toLocaleString("en-US")} distinct files, ` +
    `${n.toLocaleString("en-US")} distinct paragraphs = ${realTokens.toLocaleString("en-US")} real tokens (text ${textHash}); ` +
    `${tokens.toLocaleString("en-US")} tokens in ${copies} copies (copy 0 in file order, the others seeded reshuffles of the paragraphs), ` +
    `${contributions.length.toLocaleString("en-US")} contributions of ≥ ${CONTRIBUTION_TOKENS.toLocaleString("en-US")} tokens; ` +
    `${((100 * Math.min(realTokens, tokens)) / tokens).toFixed(1)}% of the corpus is distinct real text`;
  return { contributions, tokens, realTokens, files, paragraphs: n, copies, textHash, paragraphTokens, description };
}
