import { describe, expect, it } from "vitest";
import { canonicalJson, datanetMetadataSchema } from "./index";
import { checkMetadata, MAX_FORM_BOND, parseBond, parseTags } from "./form";

const base = { name: "Bird calls", summary: "Songs", description: "# Birds", tags: "Birds, audio", license: "CC-BY-4.0" };

describe("Datanet metadata as typed in the forms", () => {
  it("normalises tags: trimmed, lower-case, unique, empty ones dropped", () => {
    expect(parseTags(" Birds, audio ,, birds,AUDIO , songs ")).toEqual(["birds", "audio", "songs"]);
    expect(parseTags("")).toEqual([]);
  });

  it("stores canonical JSON the indexer's schema accepts, byte for byte what the seed would store", () => {
    const r = checkMetadata(base);
    if (!r.ok) throw new Error(r.message);
    expect(r.metadata).toEqual({ name: "Bird calls", summary: "Songs", description: "# Birds", tags: ["birds", "audio"], license: "CC-BY-4.0" });
    const text = new TextDecoder().decode(r.bytes);
    expect(text).toBe(canonicalJson({ name: "Bird calls", summary: "Songs", description: "# Birds", tags: ["birds", "audio"], license: "CC-BY-4.0" }));
    expect(datanetMetadataSchema.parse(JSON.parse(text))).toEqual(r.metadata);
  });

  it("names the field and the problem", () => {
    expect(checkMetadata({ ...base, name: "ab" })).toMatchObject({ ok: false, field: "name", message: expect.stringContaining("at least 3") });
    expect(checkMetadata({ ...base, summary: "x".repeat(201) })).toMatchObject({ ok: false, field: "summary" });
    expect(checkMetadata({ ...base, description: "x".repeat(20_001) })).toMatchObject({ ok: false, field: "description" });
    expect(checkMetadata({ ...base, tags: Array.from({ length: 13 }, (_, i) => `t${i}`).join(",") })).toMatchObject({ ok: false, field: "tags" });
    expect(checkMetadata({ ...base, tags: "x".repeat(33) })).toMatchObject({ ok: false, field: "tags" });
  });

  it("parses the bond exactly into wei and refuses what is not an amount", () => {
    expect(parseBond("0")).toEqual({ ok: true, wei: 0n });
    expect(parseBond(" 0.5 ")).toEqual({ ok: true, wei: 500_000_000_000_000_000n });
    expect(parseBond("0.000000000000000001")).toEqual({ ok: true, wei: 1n });
    expect(parseBond("1000000")).toEqual({ ok: true, wei: MAX_FORM_BOND });
    for (const bad of ["", "-1", "1e18", "0x10", "1.0000000000000000001", "abc", "1,5", "1000000.000000000000000001"]) {
      expect(parseBond(bad).ok, bad).toBe(false);
    }
  });
});
