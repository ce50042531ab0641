/**
 * A fixed workload whose transcript (records, hashes) must be identical in every process. Run directly
 * (`node --import tsx determinism.ts`) it prints the transcript; LEDGERLINE_SHUFFLE=1 feeds the records
 * in another contribution order, which must not change a byte.
 */
import { pathToFileURL } from "node:url";
import { artifactHash as sha256Hex, serializeCorpusIndex } from "../artifact";
import { buildCorpusIndex, type CorpusContribution } from "../corpus";
import { generate } from "../infinigram";
import { buildKnnModel, classify, type LabelledRecord } from "../knn";
import { serializeKnnModel } from "../knn-artifact";
import { attributionHash, buildRecord, encodeRecord } from "../record";

const TOPICS: Record<string, string[]> = {
  weather: ["rain", "snow", "cloud", "storm", "wind", "sunny", "cold", "forecast", "thunder", "fog"],
  cooking: ["bake", "oven", "flour", "sugar", "recipe", "boil", "salt", "butter", "garlic", "onion"],
  sport: ["goal", "match", "team", "score", "coach", "league", "ball", "season", "referee", "win"],
  música: ["canción", "ritmo", "guitarra", "piano", "melodía", "coro", "baile", "voz", "tambor", "nota"],
};
const COMMON = ["the", "a", "today", "very", "and", "with", "2024", "new", "big", "small"];

function workload(shuffle: boolean): LabelledRecord[] {
  let seed = 0x2545f491;
  const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const pick = <T,>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const labels = Object.keys(TOPICS);
  const records: LabelledRecord[] = [];
  for (let i = 0; i < 3000; i++) {
    const label = pick(labels);
    const words = Array.from({ length: 4 + Math.floor(rnd() * 8) }, () => (rnd() < 0.6 ? pick(TOPICS[label]) : pick(COMMON)));
    records.push({ contributionId: 100 + Math.floor(rnd() * 40), text: words.join(" "), label });
  }
  // Stable sort by descending id keeps each contribution's own record order: only the grouping changes.
  return shuffle ? [...records].sort((a, b) => b.contributionId - a.contributionId) : records;
}

const QUERIES = ["storm and cold wind today", "bake the bread with butter", "the coach and the team", "guitarra y piano", "nothing matches zzz"];

export function transcript(shuffle = false): string {
  const model = buildKnnModel(workload(shuffle), { k: 7, dims: 1 << 16 });
  const bytes = serializeKnnModel(model);
  const artifactHash = sha256Hex(bytes);
  const lines = [`knn artifact ${artifactHash} ${bytes.length}`];
  QUERIES.forEach((q, i) => {
    const result = classify(model, q);
    const record = buildRecord({
      method: "knn-shapley",
      modelId: 7,
      artifactHash,
      requestId: 2n ** 70n + BigInt(i),
      raw: result.rawWeights,
      datanetIds: [1],
      version: 2,
    });
    lines.push(`knn ${result.label} ${attributionHash(record)} ${encodeRecord(record)}`);
  });
  lines.push(...infinigramTranscript(shuffle));
  return lines.join("\n");
}

const SENTENCES = [
  "The storm brought cold wind and heavy rain to the coast.",
  "Bake the bread in a hot oven with butter and a pinch of salt.",
  "The coach said the team played a very good match today.",
  "Heavy rain and cold wind are in the forecast for the weekend.",
  "The recipe needs flour, sugar, butter and two eggs.",
  "The team scored a late goal to win the league match.",
];

function infinigramTranscript(shuffle: boolean): string[] {
  const contributions: CorpusContribution[] = SENTENCES.map((_, i) => ({
    id: 200 + i,
    datanetId: 1 + (i % 2),
    text: [SENTENCES[i], SENTENCES[(i + 2) % SENTENCES.length]].join(" "),
  }));
  const index = buildCorpusIndex(shuffle ? [...contributions].reverse() : contributions);
  const bytes = serializeCorpusIndex(index);
  const artifactHash = sha256Hex(bytes);
  const lines = [`infinigram artifact ${artifactHash} ${bytes.length}`];
  const prompts = ["The storm", "Bake the", "The team scored", "Zebras"];
  prompts.forEach((prompt, i) => {
    const result = generate(index, prompt, { maxTokens: 24, temperature: 0.8, topK: 8, seed: 42n + BigInt(i), maxSupport: 1000, rules: 2 });
    const record = buildRecord({
      method: "infinigram",
      modelId: 8,
      artifactHash,
      requestId: BigInt(i),
      raw: result.rawWeights,
      datanetIds: [1, 2],
      version: 2,
    });
    lines.push(`infinigram ${JSON.stringify(result.text)} ${attributionHash(record)} ${encodeRecord(record)}`);
  });
  return lines;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(transcript(process.env.LEDGERLINE_SHUFFLE === "1") + "\n");
}
