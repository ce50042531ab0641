/**
 * `npm run bench -- nexttoken [--tokens N]` (default 10 M; about 1–2 minutes): next-token counts side by side,
 * the previous engine (bench/legacy: visit every sample of the suffix-array range) against the current one
 * (runs of equal next tokens found by galloping + binary search), on the scale bench's real-text corpus
 * (bench/scale-corpus.ts), built in this process. Old and new alternate on every context and their answers
 * are compared (the bench throws on any difference); p50/p95 and the p50 ratio are printed, next to
 * infini-gram's figure measured on this machine at 10 M tokens. The whole scale bench (`-- scale`) also
 * builds and loads in child processes; this one measures only the queries, so it fits in the default run.
 * `--token-width 32` builds the index with 32-bit tokens (artifact format version 2) instead of 16.
 */
import { buildCorpusIndexFromTokens } from "@/lib/attribution";
import { benchQueries, type QueryFigures } from "./scale";
import { loadScaleCorpus } from "./scale-corpus";

export async function benchNextToken(argv: string[] = process.argv.slice(3)): Promise<QueryFigures> {
  const log = (m: string) => console.log(m);
  const tokArg = argv.find((a) => a.startsWith("--tokens"));
  const target = tokArg ? Number(tokArg.includes("=") ? tokArg.split("=")[1] : argv[argv.indexOf(tokArg) + 1]) : 10_000_000;
  if (!Number.isSafeInteger(target) || target < 1000) throw new Error(`--tokens must be an integer ≥ 1000, got ${String(tokArg)}`);
  const wArg = argv.find((a) => a.startsWith("--token-width"));
  const width = wArg ? Number(wArg.includes("=") ? wArg.split("=")[1] : argv[argv.indexOf(wArg) + 1]) : 16;
  if (width !== 16 && width !== 32) throw new Error(`--token-width must be 16 or 32, got ${String(wArg)}`);
  log(`== next-token counts, previous vs now (${target.toLocaleString("en-US")} tokens, ${width}-bit tokens)`);
  const corpus = loadScaleCorpus({ targetTokens: target, log });
  log(corpus.description);
  const t0 = performance.now();
  const index = buildCorpusIndexFromTokens(corpus.contributions, { tokenWidth: width });
  log(`index built in ${((performance.now() - t0) / 1000).toFixed(2)} s (${index.tokens.length.toLocaleString("en-US")} stored tokens)`);
  return benchQueries(index, corpus, log);
}
