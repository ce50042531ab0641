import { describe, expect, it } from "vitest";
import { facts, labelOf, percent, readableNumber } from "./model-facts";

describe("model facts", () => {
  it("rounds evaluation numbers and shows shares as percentages, with the exact value kept", () => {
    const f = facts({ heldOutRecords: 1234, heldOutTokens: 56789, nextTokenAccuracy: 0.28371, perplexity: 366.6083811187948, tokenizer: "r50k_base" });
    expect(f.map((x) => [x.label, x.text])).toEqual([
      ["Held-out records", "1,234"],
      ["Held-out tokens", "56,789"],
      ["Next-token accuracy", "28.4%"],
      ["Perplexity", "366.6"],
      ["Tokenizer", "r50k_base"],
    ]);
    expect(f[3].exact).toBe("366.6083811187948");
    expect(f[4].exact).toBeUndefined();
  });

  it("shows per-class results as rows, never as JSON", () => {
    const f = facts({ accuracy: 0.9333333, macroF1: 0.91, perClass: [{ label: "animal", precision: 1, recall: 0.875, f1: 0.9333, support: 8 }] });
    expect(f[0].text).toBe("93.3%");
    expect(f[2].text).toBe("1 class");
    expect(f[2].rows).toEqual([{ key: "perClass.0", label: "animal", text: "F1 93.3% · precision 100% · recall 87.5% · 8 held out" }]);
    const params = facts({ k: 5, dims: 262144, temperature: 0.7, nested: { a: 1, b: [1, 2] } });
    expect(params.map((x) => x.text)).toEqual(["5", "262,144", "0.7", ""]);
    expect(params[3].rows?.map((r) => `${r.label}=${r.text}`)).toEqual(["A=1", "B=1, 2"]);
    for (const x of [...f, ...params]) expect(x.text).not.toMatch(/[{}"]/);
  });

  it("reads numbers and labels", () => {
    expect(readableNumber(0.000123456)).toBe("0.000123");
    expect(readableNumber(1.23456)).toBe("1.23");
    expect(readableNumber(-2)).toBe("-2");
    expect(percent(0.99999)).toBe(">99.9%");
    expect(percent(0.00001)).toBe("<0.1%");
    expect(labelOf("someNewMetric")).toBe("Some new metric");
  });
});
