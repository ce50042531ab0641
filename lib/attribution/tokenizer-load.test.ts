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
