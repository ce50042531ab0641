import { describe, expect, it } from "vitest";
import { encode, encodeWith, loadTokenizer } from "@/lib/attribution/tokenizer";
import { loadTokenCounter } from "./prompt-tokens";

describe("the browser's prompt token count", () => {
  // What the server counts as T_in (lib/inference/paid.ts: encode(prompt).length), on texts where tokenizers differ.
  const texts = [
    "",
    "zebra:",
    "What is a tiger?",
    "  leading and trailing spaces  \n\n\ttabs",
    "<|endoftext|> is plain text here",
    "naïve café — “quotes” and emoji 🦓🐅 and CJK 斑马",
    // U+1FAE8 is assigned in Unicode 15.0, U+1FAF9 is not: both counts read the second as U+FFFD.
    "\u{1FAE8} shaking face, \u{1FAF9} a later emoji",
    "x".repeat(4_000),
    "1234567890 3.14159 0x1f2e3d",
  ];

  it("is the server's count for each text", async () => {
    const count = await loadTokenCounter();
    for (const text of texts) expect(count(text), JSON.stringify(text.slice(0, 40))).toBe(encode(text).length);
  });

  it("loads the tables once", async () => {
    expect(await loadTokenCounter()).toBe(await loadTokenCounter());
    expect(await loadTokenCounter("o200k_base")).toBe(await loadTokenCounter("o200k_base"));
  });

  it.each(["o200k_base", "cl100k_base"] as const)("counts in the model's own tokenizer (%s): the server's count, not GPT-2's", async (name) => {
    await loadTokenizer(name);
    const count = await loadTokenCounter(name);
    for (const text of texts) expect(count(text), JSON.stringify(text.slice(0, 40))).toBe(encodeWith(name, text).length);
    const german = "Der Straßenbahnfahrer grüßt die Fahrgäste: 東京の地下鉄";
    expect(count(german)).toBe(encodeWith(name, german).length);
    expect(count(german)).not.toBe(encode(german).length);
    expect(count(german)).not.toBe((await loadTokenCounter())(german));
  });
});
