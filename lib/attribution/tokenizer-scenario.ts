/**
 * A fixed o200k_base answer to trace and generate (lib/attribution/tokenizer-attacks.test.ts): its fingerprint must not
 * depend on what the process did before. Run directly (`tsx lib/attribution/tokenizer-scenario.ts`), it prints the
 * fingerprint of a fresh process where o200k_base is the only modern vocabulary loaded and this is the first call.
 */
import { pathToFileURL } from "node:url";
import { buildCorpusIndex, type CorpusIndex } from "./corpus";
import { generate } from "./infinigram";
import { traceSpans } from "./span-trace";
import { loadTokenizer } from "./tokenizer";

export const passage = "Der Straßenbahnfahrer grüßt die Fahrgäste freundlich und öffnet die Türen am Hauptbahnhof von München.";
export const corpusText = (copies: number) => [
  { id: 1, datanetId: 1, text: "東京の地下鉄はとても便利です。The quick brown fox jumps over the lazy dog near the river bank." },
  { id: 2, datanetId: 1, text: `Le café crème coûte trois euros à Montréal. ${passage}` },
  // Many contributions holding the same passage: samples of more than the scratch's first 1,024 entries.
  ...Array.from({ length: copies }, (_, k) => ({ id: 10 + k, datanetId: 2, text: `Kopie ${k}. ${passage}` })),
];
export const short = "Ich sage: The quick brown fox jumps over the lazy dog near the river bank, und Le café crème coûte trois euros.";
export const long = Array.from({ length: 40 }, (_, k) => `${k % 2 ? passage : short} ${k}`).join(" ");
export const traceOpts = { minSpanTokens: 4, maxSupport: 5_000, rules: 2 as const };
export const genOpts = { maxTokens: 48, temperature: 0.9, topK: 20, seed: 11, maxSupport: 5_000 };

/** The short answer's trace and a generation, as canonical JSON (bigints as strings, maps as entry lists). */
export function fingerprint(index: CorpusIndex): string {
  const trace = traceSpans(index, short, traceOpts);
  const gen = generate(index, "Der Straßenbahnfahrer", genOpts);
  return JSON.stringify({ trace, gen: { tokens: Array.from(gen.tokens), text: gen.text, steps: gen.steps, rawWeights: gen.rawWeights, limited: gen.limited } }, (_k, v) =>
    typeof v === "bigint" ? v.toString() : v instanceof Map ? [...v.entries()] : v,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await loadTokenizer("o200k_base");
  process.stdout.write(fingerprint(buildCorpusIndex(corpusText(1_500), { tokenizer: "o200k_base" })));
}
