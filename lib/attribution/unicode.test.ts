import { encode as bpeEncode } from "gpt-tokenizer/encoding/r50k_base";
import { describe, expect, it } from "vitest";
import { searchTerms } from "./rag";
import { encode } from "./tokenizer";
import { assignedIn15, runtimeUnicodeSupported, unicode15 } from "./unicode";
import { UNASSIGNED_RANGES_15 } from "./unicode-15";

// U+1C89 CYRILLIC CAPITAL LETTER TJE was assigned in Unicode 16.0: a letter on newer runtimes, unassigned on Node 20.9.
const TJE = "\u1C89";

describe("text read as Unicode 15.0", () => {
  it("the frozen table is Unicode 15.0's: 707 ranges, 825,345 unassigned code points", () => {
    let unassigned = 0;
    for (let cp = 0; cp <= 0x10ffff; cp++) if (!assignedIn15(cp)) unassigned++;
    expect(UNASSIGNED_RANGES_15.split(" ").length).toBe(707 * 2);
    expect(unassigned).toBe(825_345);
  });

  it("this runtime assigns everything Unicode 15.0 assigns (its tables are not older)", () => {
    expect(runtimeUnicodeSupported()).toBe(true);
    const cn = /\p{Cn}/u;
    const older: number[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) if (assignedIn15(cp) && cn.test(String.fromCodePoint(cp))) older.push(cp);
    expect(older).toEqual([]);
    expect(runtimeUnicodeSupported("14.0")).toBe(false);
    expect(runtimeUnicodeSupported("15.1")).toBe(true);
  });

  it("replaces only code points Unicode 15.0 leaves unassigned", () => {
    const ascii = "The tiger is a large cat.";
    expect(unicode15(ascii)).toBe(ascii);
    expect(unicode15("tigre, tígris, тигр, 虎, 🐅 \u{1F6DC}")).toBe("tigre, tígris, тигр, 虎, 🐅 \u{1F6DC}");
    expect(unicode15(`a\u0378b${TJE}c\u{10D40}`)).toBe("a\uFFFDb\uFFFDc\uFFFD");
  });

  it("a letter assigned after 15.0 tokenizes as U+FFFD, not as this runtime's letter", () => {
    const text = `Ka${TJE}ka is a word`;
    expect([...encode(text)]).toEqual([...encode("Ka\uFFFDka is a word")]);
    // Without the freeze this runtime (Unicode ≥ 16) would split differently from Node 20.9.
    if (/\p{L}/u.test(TJE)) expect(bpeEncode(text)).not.toEqual([...encode(text)]);
    expect(searchTerms(`tiger${TJE}cat`)).toEqual(["tiger", "cat"]);
  });
});
