/**
 * A fixed RAG workload (WordNet glosses as markdown records) whose transcript — answers, records, hashes — must be
 * identical in every process. Run directly (`node --import tsx rag-transcript.ts`) it prints the transcript.
 */
import { pathToFileURL } from "node:url";
import { familiarFirst, glossMarkdown, nounGlosses } from "@/lib/seed/wordnet";
import { corpusText } from "@/lib/factory/build";
import { artifactHash as sha256Hex, serializeCorpusIndex } from "../artifact";
import { buildCorpusIndex, type CorpusContribution } from "../corpus";
import { attributionHash, encodeRecord } from "../record";
import { runAttribution } from "../run";

/** Three glossary Datanets of five contributions of 40 records each, as the demo seed makes them (plain text). */
export function glossaryContributions(perContribution = 40, contributions = 5): CorpusContribution[] {
  const glosses = nounGlosses();
  const out: CorpusContribution[] = [];
  let id = 1;
  (["animal", "food", "plant"] as const).forEach((lexfile, d) => {
    const pool = familiarFirst(glosses.filter((g) => g.lexfile === lexfile));
    for (let c = 0; c < contributions; c++) {
      const records = glossMarkdown(pool.slice(c * perContribution, (c + 1) * perContribution)).trim().split("\n\n");
      out.push({ id: id++, datanetId: d + 1, text: records.map((r) => corpusText(r, true)).join("\n\n") });
    }
  });
  return out;
}

export const RAG_QUESTIONS = ["What is a tiger?", "a large cat with stripes", "Tell me about honey", "What is a rose?", "zzqx", "Qu'est-ce qu'un tigre ?"];
export const RAG_PARAMS = { k: 4, quotes: 2, alphaPpm: 1_000_000, minSpanTokens: 4, maxSupport: 1_000, llm: false };

export function ragTranscript(): string {
  const index = buildCorpusIndex(glossaryContributions());
  const artifactHash = sha256Hex(serializeCorpusIndex(index));
  const lines = [`rag artifact ${artifactHash}`];
  RAG_QUESTIONS.forEach((prompt, i) => {
    const run = runAttribution({ kind: "rag", model: { format: "corpus", index }, modelId: 4, artifactHash, requestId: BigInt(i + 1), prompt, params: RAG_PARAMS });
    lines.push(`${JSON.stringify(run.output)} ${attributionHash(run.record)} ${encodeRecord(run.record)}`);
  });
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.stdout.write(ragTranscript() + "\n");
