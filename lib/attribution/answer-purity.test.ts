/**
 * An answer is a pure function of its request: the same model, prompt and seed give the same text and the
 * same record hash whatever the process served before — including answers that end inside a multi-byte
 * character (emoji are 2–3 GPT-2 tokens), whose leftover bytes once leaked into the next answer.
 */
import { describe, expect, it } from "vitest";
import { buildCorpusIndex } from "./corpus";
import { generate } from "./infinigram";
import { attributionHash, buildRecord } from "./record";
import { outputHash } from "./run";

const contributions = [
  { id: 1, datanetId: 1, text: "🦊 The fox 🦊 runs to 東京 and eats 🍣 with a café crème. 🦊🦊 The fox sleeps." },
  { id: 2, datanetId: 1, text: "🍣 Sushi in 東京 is fresh. The fox 🦊 likes 🍣 and naïve café songs 🎶." },
  { id: 3, datanetId: 2, text: "🎶 Songs about the fox: 🦊🎶🦊 and 東京 nights, 🍣 at dawn." },
];

describe("answers are pure functions of their request", () => {
  it("gives the same text and hashes in any serving order, with answers cut inside emoji", () => {
    const index = buildCorpusIndex(contributions);
    const prompts = ["🦊", "The fox", "東京", "🍣", "Songs"];
    const requests = Array.from({ length: 60 }, (_, i) => ({ prompt: prompts[i % prompts.length], maxTokens: 1 + (i % 7), seed: BigInt(1_000 + i) }));
    const answer = (r: (typeof requests)[number], i: number) => {
      const g = generate(index, r.prompt, { maxTokens: r.maxTokens, temperature: 1, topK: 50, seed: r.seed, maxSupport: 1_000 });
      const record = buildRecord({
        method: "infinigram",
        modelId: 1,
        artifactHash: `0x${"ab".repeat(32)}`,
        requestId: BigInt(i),
        raw: g.rawWeights,
        fallback: contributions.map((c) => ({ id: c.id, datanetId: c.datanetId, tokens: c.text.length })),
      });
      return `${JSON.stringify(g.text)} ${outputHash(g.text)} ${attributionHash(record)}`;
    };
    const forward = requests.map(answer);
    const backward = requests
      .map((r, i) => [r, i] as const)
      .reverse()
      .map(([r, i]) => answer(r, i))
      .reverse();
    const interleaved = requests.map((r, i) => (answer(requests[(i * 7) % requests.length], 0), answer(r, i)));
    expect(backward).toEqual(forward);
    expect(interleaved).toEqual(forward);
    // The workload does reach the case: some answers' tokens end inside a character.
    expect(forward.some((line) => line.includes("🦊") || line.includes("🍣") || line.includes("🎶"))).toBe(true);
  });
});
