/**
 * Attack: cold-start amplification. The first requests for an o200k_base / cl100k_base model (an unpaid 402 probe
 * is enough: the prompt limit is counted in the model's tokenizer before payment) load that tokenizer's BPE tables.
 * Requests that arrive while the tables load must share the one load: otherwise each rebuilds the 200,019-entry
 * byte table on the event loop (20 concurrent probes took 8× one load) and allocates its megabytes again.
 */
import { describe, expect, it, vi } from "vitest";

const O200K_IDS = 200_019;

describe("loading a tokenizer's tables", () => {
  it("concurrent first uses share one load, and every caller gets the loaded tokenizer", async () => {
    // A fresh copy of the module: test files share their worker's module cache, and another may have loaded o200k.
    vi.resetModules();
    const { isTokenizerLoaded, loadedTokenizer, loadTokenizer } = await import("./tokenizer");
    expect(isTokenizerLoaded("o200k_base")).toBe(false);
    // A load spells out each id's bytes once (200,019 UTF-8 encodings): count them.
    const spelled = vi.spyOn(TextEncoder.prototype, "encode");
    const loads = await Promise.all([
      ...Array.from({ length: 8 }, () => loadTokenizer("o200k_base").then(() => null)),
      ...Array.from({ length: 4 }, () => loadedTokenizer("o200k_base")),
    ]);
    const once = spelled.mock.calls.length;
    expect(once).toBeGreaterThan(O200K_IDS / 2);
    expect(once).toBeLessThan(O200K_IDS * 1.5);
    for (const t of loads.filter((x) => x !== null)) expect(t.decode(t.encode("東京の地下鉄 <|endoftext|>"))).toBe("東京の地下鉄 <|endoftext|>");
    spelled.mockClear();
    await loadTokenizer("o200k_base");
    expect(spelled).not.toHaveBeenCalled();
    spelled.mockRestore();
  });

  it("a name it does not know is refused before anything loads, and is not remembered as loading", async () => {
    const { loadTokenizer } = await import("./tokenizer");
    for (const name of ["__proto__", "constructor", "toString", "O200K_BASE", " o200k_base"]) {
      await expect(loadTokenizer(name)).rejects.toThrow(/is not supported; this build knows r50k_base, cl100k_base, o200k_base/);
      await expect(loadTokenizer(name)).rejects.toThrow(/is not supported/);
    }
  });
});

/**
 * Attack: memory. gpt-tokenizer caches each pre-token's merge result (up to 100,000 entries per vocabulary by default),
 * keyed by the pre-token's text: an 8,000-character word (one pre-token; MAX_PROMPT_CHARS) retains ~42 KiB. Prompts
 * are counted before payment, so 100,000 unpaid probes with distinct long words could pin ~4 GiB per vocabulary (three
 * now). The caches are bounded to a size that keeps their speed on real text.
 */
describe("the BPE merge caches", () => {
  it.each(["r50k_base", "cl100k_base", "o200k_base"])("%s: distinct words from prompts do not grow the cache past its bound", async (name) => {
    const { loadedTokenizer, MERGE_CACHE_ENTRIES } = await import("./tokenizer");
    const t = await loadedTokenizer(name);
    const lib = (await import(`gpt-tokenizer/encoding/${name}`)) as { default: { bytePairEncodingCoreProcessor: { mergeCache?: Map<string, unknown> } } };
    let seed = 7;
    const letter = () => String.fromCharCode(97 + ((seed = (seed * 1103515245 + 12345) >>> 0) % 26));
    const words = Array.from({ length: 3 * MERGE_CACHE_ENTRIES }, () => Array.from({ length: 14 }, letter).join(""));
    for (let k = 0; k < words.length; k += 500) t.encode(words.slice(k, k + 500).join(" "));
    const cache = lib.default.bytePairEncodingCoreProcessor.mergeCache;
    expect(cache).toBeDefined();
    expect(cache!.size).toBeGreaterThan(0);
    expect(cache!.size).toBeLessThanOrEqual(MERGE_CACHE_ENTRIES);
  });
});
